//! The discharge summary for the person's GP practice: why they were referred, the
//! sessions held, their goals and progress, why support ended, and the SNOMED CT codes for
//! the GP record. Built from plain values here and rendered as text (the downloadable
//! document) or by a page template, so both say the same thing.

use serde::Serialize;

/// "Referral to social prescribing service": recorded once per episode, when the person
/// accepts the referral.
pub const SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING: &str = "871731000000106";
/// "Social prescribing declined".
pub const SNOMED_SOCIAL_PRESCRIBING_DECLINED: &str = "871711000000103";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionLine {
    /// "6 Oct 2026, 10:00" on the London clock.
    pub when: String,
    /// "Initial" or "Follow-up".
    pub kind: String,
    /// "Attended", "Did not attend", …
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoalLine {
    pub text: String,
    /// 0 to 10.
    pub progress: u8,
    pub target: Option<String>,
}

/// A community service the person was connected to (a social prescription) and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionLine {
    pub service: String,
    /// "Accompanied to the first session", …
    pub how: String,
    pub on: String,
    /// "Still attending at 6 weeks", or "Not known yet".
    pub outcome: String,
}

/// A measure's change over the person's support: the baseline score and the latest after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeLine {
    /// "SWEMWBS metric score".
    pub measure: String,
    /// "16.88 on 1 Sep 2026".
    pub baseline: String,
    /// The latest later score, if any: "23.21 on 1 Nov 2026".
    pub latest: Option<String>,
    /// "up 6.33, better", "down 2, worse" or "no change"; when there is a latest score.
    pub change: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodedEntry {
    pub code: &'static str,
    pub term: &'static str,
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DischargeSummary {
    pub organisation: String,
    pub programme: String,
    /// "Abbey Lane Surgery (B86001)", when the person has a registered practice.
    pub practice: Option<String>,
    pub person_name: String,
    /// Shown 3-3-4.
    pub nhs_number: Option<String>,
    pub date_of_birth: String,
    pub received: String,
    pub source: String,
    pub needs: Vec<String>,
    pub accepted: Option<String>,
    pub sessions: Vec<SessionLine>,
    pub goals: Vec<GoalLine>,
    pub connections: Vec<ConnectionLine>,
    /// Each measure with a baseline, in the order the questionnaires list them.
    pub outcomes: Vec<OutcomeLine>,
    pub discharged: String,
    pub reason: String,
    pub summary: String,
    pub worker: Option<String>,
    pub codes: Vec<CodedEntry>,
    /// The person did not consent to share details with the practice: the summary keeps
    /// the codes, dates and outcomes, and leaves out goals, services and the narrative.
    pub withheld: bool,
}

impl DischargeSummary {
    /// The summary as the referring practice may read it without the person's consent to
    /// share: codes, dates and outcomes only.
    pub fn codes_and_dates_only(self) -> DischargeSummary {
        DischargeSummary {
            goals: vec![],
            connections: vec![],
            outcomes: vec![],
            summary: String::new(),
            withheld: true,
            ..self
        }
    }

    /// Sessions that took place.
    pub fn attended(&self) -> usize {
        self.sessions.iter().filter(|s| s.outcome == "Attended").count()
    }

    pub fn did_not_attend(&self) -> usize {
        self.sessions.iter().filter(|s| s.outcome == "Did not attend").count()
    }

    /// The document as plain text: readable as it is, and importable as a letter by GP systems.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let mut line = |s: &str| {
            t.push_str(s);
            t.push('\n');
        };
        line("SOCIAL PRESCRIBING DISCHARGE SUMMARY");
        line(&format!("{} – {}", self.organisation, self.programme));
        line("");
        if let Some(p) = &self.practice {
            line(&format!("To: {p}"));
        }
        line(&format!("Patient: {}", self.person_name));
        if let Some(n) = &self.nhs_number {
            line(&format!("NHS number: {n}"));
        }
        line(&format!("Date of birth: {}", self.date_of_birth));
        if self.withheld {
            line("The person has not consented to share details with the practice: codes, dates and outcomes only.");
        }
        line("");
        line("REFERRAL");
        line(&format!("Received: {} (source: {})", self.received, self.source));
        line(&format!("Reasons: {}", self.needs.join("; ")));
        if let Some(a) = &self.accepted {
            line(&format!("Accepted: {a}"));
        }
        line("");
        line(&format!("SESSIONS: {} attended, {} did not attend", self.attended(), self.did_not_attend()));
        for s in &self.sessions {
            line(&format!("- {}: {}, {}", s.when, s.kind, s.outcome.to_lowercase()));
        }
        line("");
        line("GOALS AND PROGRESS");
        if self.withheld {
            line("Not shared.");
        } else if self.goals.is_empty() {
            line("No goals were recorded.");
        }
        for g in &self.goals {
            let target = g.target.as_ref().map(|d| format!(" (target {d})")).unwrap_or_default();
            line(&format!("- {}: progress {}/10{target}", g.text, g.progress));
        }
        line("");
        line("COMMUNITY SERVICES");
        if self.withheld {
            line("Not shared.");
        } else if self.connections.is_empty() {
            line("No connections to community services were recorded.");
        }
        for c in &self.connections {
            line(&format!("- {}: {}, {}; {}", c.service, c.how.to_lowercase(), c.on, c.outcome.to_lowercase()));
        }
        line("");
        line("OUTCOMES");
        if self.withheld {
            line("Not shared.");
        } else if self.outcomes.is_empty() {
            line("No baseline questionnaire was recorded.");
        }
        for o in &self.outcomes {
            match (&o.latest, &o.change) {
                (Some(latest), Some(change)) => {
                    line(&format!("- {}: {} at baseline, {latest} ({change})", o.measure, o.baseline))
                }
                _ => line(&format!("- {}: {} at baseline; no later score", o.measure, o.baseline)),
            }
        }
        line("");
        line("DISCHARGE");
        line(&format!("Date: {}", self.discharged));
        line(&format!("Reason: {}", self.reason));
        if !self.summary.is_empty() {
            line(&format!("Summary: {}", self.summary));
        }
        if let Some(w) = &self.worker {
            line(&format!("Link worker: {w}"));
        }
        line("");
        line("CODED ENTRIES (SNOMED CT)");
        for c in &self.codes {
            line(&format!("{} {} ({})", c.code, c.term, c.date));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_document() {
        let d = DischargeSummary {
            organisation: "Riverside Primary Care Network".into(),
            programme: "Primary Care Wellbeing Project".into(),
            practice: Some("Abbey Lane Surgery (B86001)".into()),
            person_name: "Margaret O'Neil".into(),
            nhs_number: Some("943 476 5919".into()),
            date_of_birth: "27 Mar 1951".into(),
            received: "1 Oct 2026".into(),
            source: "GP".into(),
            needs: vec!["Loneliness and isolation".into(), "Physical activity".into()],
            accepted: Some("2 Oct 2026".into()),
            sessions: vec![
                SessionLine { when: "6 Oct 2026, 10:00".into(), kind: "Initial".into(), outcome: "Attended".into() },
                SessionLine {
                    when: "13 Oct 2026, 10:00".into(),
                    kind: "Follow-up".into(),
                    outcome: "Did not attend".into(),
                },
                SessionLine { when: "20 Oct 2026, 10:00".into(), kind: "Follow-up".into(), outcome: "Attended".into() },
            ],
            goals: vec![GoalLine {
                text: "Join a walking group".into(),
                progress: 8,
                target: Some("31 Jan 2027".into()),
            }],
            connections: vec![ConnectionLine {
                service: "Walk and Talk".into(),
                how: "Accompanied to the first session".into(),
                on: "3 Nov 2026".into(),
                outcome: "Still attending at 6 weeks".into(),
            }],
            outcomes: vec![
                OutcomeLine {
                    measure: "SWEMWBS metric score".into(),
                    baseline: "16.88 on 6 Oct 2026".into(),
                    latest: Some("23.21 on 20 Oct 2026".into()),
                    change: Some("up 6.33, better".into()),
                },
                OutcomeLine {
                    measure: "Anxiety yesterday".into(),
                    baseline: "7 on 6 Oct 2026".into(),
                    latest: None,
                    change: None,
                },
            ],
            discharged: "20 Nov 2026".into(),
            reason: "Goals met".into(),
            summary: "Walks with the Tuesday group every week.".into(),
            worker: Some("Sam Fletcher".into()),
            codes: vec![CodedEntry {
                code: SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
                term: "Referral to social prescribing service",
                date: "2 Oct 2026".into(),
            }],
            withheld: false,
        };
        assert_eq!((d.attended(), d.did_not_attend()), (2, 1));
        insta::assert_snapshot!(d.to_text());
    }
}
