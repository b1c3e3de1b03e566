//! Ending a case, and the discharge summary: what the practice is sent when it ends.

use linkwell_domain::ids::ReferralId;
use linkwell_domain::referrals::{DischargeReason, HistoryEvent, ReferralStatus};
use linkwell_domain::validation::required_text;
use linkwell_domain::{ValidationErrors, Version};
use linkwell_store::referrals::{Change, ChangeError, Referral};
use linkwell_store::{Db, OrgScope, StoreError};

use super::CaseError;
use crate::Caller;

/// Why a case ends and the summary for the practice, as typed (the summary is required,
/// at most 4,000 characters).
pub fn discharge_of(reason: &str, summary: &str) -> Result<Change, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let reason = e.check("reason", DischargeReason::parse(reason));
    let summary = e.check("summary", required_text("a summary for the practice", summary, 4000));
    match (reason, summary) {
        (Some(reason), Some(summary)) => Ok(Change::Discharge { reason, summary }),
        _ => Err(e),
    }
}

/// Discharge a case the caller opened, if it is still at `version` (a stale one is
/// `Store(Conflict)`, a case that is not active `Illegal`).
pub async fn discharge(
    db: &Db,
    caller: &Caller,
    case: &Referral,
    version: Version,
    discharge: Change,
) -> Result<Referral, ChangeError> {
    db.change_referral(&caller.scope(), &caller.actor(), case.id, version, discharge).await
}

/// The sessions of `case` a discharge made now would cancel (booked to start from now on,
/// the same rule as the store's), as their London times, for the form to list.
pub async fn cancelled_by_discharge(db: &Db, scope: &OrgScope, case: &Referral) -> Result<Vec<String>, StoreError> {
    use linkwell_domain::sessions::SessionStatus;
    use linkwell_domain::time::{display_london, from_millis};
    let now = linkwell_store::now_ms();
    Ok(db
        .sessions_for_referral(scope, case.id)
        .await?
        .into_iter()
        .filter(|s| s.status == SessionStatus::Booked && s.starts_at >= now)
        .map(|s| display_london(from_millis(s.starts_at)))
        .collect())
}

/// A discharged case the caller works, with its summary. A case still open has no
/// summary yet: not found.
pub async fn summary_of_case(
    db: &Db,
    caller: &Caller,
    id: ReferralId,
) -> Result<(Referral, linkwell_domain::discharge::DischargeSummary), CaseError> {
    let (r, view) = super::open_referral(db, caller, id).await?;
    if r.status != ReferralStatus::Discharged {
        return Err(CaseError::NotFound);
    }
    let doc = discharge_summary(db, &caller.scope(), &r).await?;
    // The referring practice reads it in full only if the person consented to share it with
    // the practice;
    // either way it names the person as the referral did.
    let doc = match view {
        super::View::Case => doc,
        super::View::Status => {
            let scope = caller.scope();
            let person = db.person(&scope, r.person_id).await?;
            let practice = match r.practice_id {
                Some(id) => db.practice(&scope, id).await.ok().map(|p| format!("{} ({})", p.name, p.ods_code)),
                None => None,
            };
            let as_referred = &r.referred_as;
            let doc = linkwell_domain::discharge::DischargeSummary {
                person_name: format!("{} {}", as_referred.given_name, as_referred.family_name),
                nhs_number: as_referred
                    .nhs_number
                    .as_deref()
                    .and_then(|n| linkwell_domain::people::NhsNumber::parse(n, true).ok())
                    .map(|n| n.to_string()),
                date_of_birth: as_referred
                    .date_of_birth
                    .parse::<jiff::civil::Date>()
                    .map(linkwell_domain::time::display_date)
                    .unwrap_or_default(),
                practice,
                ..doc
            };
            if person.consent_share_practice { doc } else { doc.codes_and_dates_only() }
        }
    };
    Ok((r, doc))
}

/// The discharge summary of a discharged referral, from its record, sessions and plan.
pub async fn discharge_summary(
    db: &Db,
    scope: &OrgScope,
    r: &Referral,
) -> Result<linkwell_domain::discharge::DischargeSummary, StoreError> {
    use linkwell_domain::discharge::{
        CodedEntry, DischargeSummary, GoalLine, SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING, SessionLine,
    };
    use linkwell_domain::time::{display_date, display_london, from_millis, london_date};
    let day = |ms: i64| display_date(london_date(ms));
    let organisation = db.organisation(scope).await?;
    let person = db.person(scope, r.person_id).await?;
    let programme = db.programmes(scope).await?.into_iter().find(|p| p.id == r.programme_id);
    let practice = match person.practice_id.or(r.practice_id) {
        Some(id) => db.practice(scope, id).await.ok().map(|p| format!("{} ({})", p.name, p.ods_code)),
        None => None,
    };
    let history = db.referral_history(scope, r.id).await?;
    let accepted = history.iter().find(|e| matches!(e.event, HistoryEvent::Accepted { .. })).map(|e| day(e.at));
    let discharged = history
        .iter()
        .rev()
        .find(|e| matches!(e.event, HistoryEvent::Discharged { .. }))
        .map(|e| e.at)
        .unwrap_or(r.status_changed_at);
    let sessions = db
        .sessions_for_referral(scope, r.id)
        .await?
        .into_iter()
        .filter(|s| s.status.was_due())
        .map(|s| SessionLine {
            when: display_london(from_millis(s.starts_at)),
            kind: s.kind.label().into(),
            outcome: s.status.label().into(),
        })
        .collect();
    let goals = db
        .current_plan(scope, r.id)
        .await?
        .map(|v| {
            v.plan
                .goals
                .into_iter()
                .map(|g| GoalLine {
                    text: g.text,
                    progress: g.progress,
                    target: g.target.map(linkwell_domain::time::display_date),
                })
                .collect()
        })
        .unwrap_or_default();
    let worker = match r.assigned_worker_id {
        Some(id) => db.user(scope, id).await.ok().map(|u| u.display_name),
        None => None,
    };
    let questionnaires = crate::outcomes::catalogue(db, scope).await?;
    let outcomes = outcome_lines(&questionnaires, &db.case_questionnaires(scope, r.id).await?);
    Ok(DischargeSummary {
        organisation: organisation.name,
        programme: programme.map(|p| p.name).unwrap_or_default(),
        practice,
        person_name: format!("{} {}", person.given_name, person.family_name),
        nhs_number: person
            .nhs_number
            .as_deref()
            .and_then(|n| linkwell_domain::people::NhsNumber::parse(n, true).ok())
            .map(|n| n.to_string()),
        date_of_birth: display_date(person.date_of_birth),
        received: day(r.received_at),
        source: r.source.label().into(),
        needs: r.needs.iter().map(|n| n.label().to_owned()).collect(),
        outcomes,
        codes: accepted
            .iter()
            .map(|date| CodedEntry {
                code: SNOMED_REFERRAL_TO_SOCIAL_PRESCRIBING,
                term: "Referral to social prescribing service",
                date: date.clone(),
            })
            .collect(),
        accepted,
        sessions,
        goals,
        connections: db
            .prescriptions_for_referral(scope, r.id)
            .await?
            .into_iter()
            .map(|rx| linkwell_domain::discharge::ConnectionLine {
                service: rx.service_name,
                how: rx.kind.label().split(" (").next().unwrap_or_default().to_owned(),
                on: display_date(rx.prescribed_on),
                outcome: rx.outcome.map_or("Not known yet", |o| o.label()).to_owned(),
            })
            .collect(),
        discharged: day(discharged),
        reason: r.discharge_reason.map(|d| d.label().to_owned()).unwrap_or_default(),
        summary: r.discharge_summary.clone().unwrap_or_default(),
        worker,
        withheld: false,
    })
}

/// Each measure the case has a baseline of, with the latest later score and which way it
/// moved (the measure's direction says which is better).
fn outcome_lines(
    questionnaires: &crate::outcomes::Catalogue,
    given: &[linkwell_store::outcomes::CaseQuestionnaire],
) -> Vec<linkwell_domain::discharge::OutcomeLine> {
    use linkwell_domain::outcomes::instruments::Timepoint;
    let number = linkwell_domain::outcomes::scoring::score_text;
    let scored = |v: f64, d: jiff::civil::Date| format!("{} on {}", number(v), linkwell_domain::time::display_date(d));
    questionnaires
        .every()
        .flat_map(|q| q.measures().into_iter().map(move |m| (q, m)))
        .filter_map(|(questionnaire, m)| {
            let mine: Vec<(Timepoint, jiff::civil::Date, f64)> = given
                .iter()
                .filter(|q| q.instrument == questionnaire.code())
                .flat_map(|q| {
                    q.scores.iter().filter(|(k, _)| *k == m.key).map(|(_, v)| (q.timepoint, q.answered_on, *v))
                })
                .collect();
            let (_, start, before) = *mine.iter().find(|(t, _, _)| *t == Timepoint::Baseline)?;
            let after = mine.iter().rev().find(|(t, d, _)| *t != Timepoint::Baseline && *d >= start);
            let change = after.map(|(_, _, v)| {
                let delta = v - before;
                let better = (delta > 0.0) != m.lower_is_better;
                let verdict = if better { "better" } else { "worse" };
                if delta.abs() < 0.005 {
                    "no change".to_owned()
                } else if delta > 0.0 {
                    format!("up {}, {verdict}", number(delta))
                } else {
                    format!("down {}, {verdict}", number(-delta))
                }
            });
            Some(linkwell_domain::discharge::OutcomeLine {
                measure: m.label.to_string(),
                baseline: scored(before, start),
                latest: after.map(|(_, d, v)| scored(*v, *d)),
                change,
            })
        })
        .collect()
}
