//! The personalised care and support plan: what matters to the person, their strengths and
//! needs, goals with progress, agreed actions, self-management tools and the next review.
//! Every save is a new version; earlier versions are kept.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::documents::Document;
use crate::referrals::Need;
use crate::time::{DateEntry, display_date, optional_civil_date};
use crate::validation::{ValidationErrors, check_rows, optional_text, required_text};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub text: String,
    pub target: Option<Date>,
    /// 0 (not started) to 10 (achieved), as the person rates it.
    pub progress: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreedAction {
    /// Who will do it: the person, the link worker, or someone named.
    pub who: String,
    pub what: String,
    pub by: Option<Date>,
    pub done: bool,
}

/// One version of a plan, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub what_matters: String,
    pub strengths: String,
    pub needs: Vec<String>,
    pub goals: Vec<Goal>,
    pub actions: Vec<AgreedAction>,
    pub tools: Vec<String>,
    pub next_review: Option<Date>,
}

/// The plan form's fields as entered; list items are numbered `goals[0].text` etc. on the
/// page and are arrays in the API. Dates are three boxes on the page, ISO 8601 in the API.
#[derive(Debug, Clone, Default)]
pub struct PlanFields {
    pub what_matters: String,
    pub strengths: String,
    pub needs: Vec<String>,
    pub goals: Vec<GoalFields>,
    pub actions: Vec<ActionFields>,
    pub tools: Vec<String>,
    pub next_review: DateEntry,
}

#[derive(Debug, Clone, Default)]
pub struct GoalFields {
    pub text: String,
    pub target: DateEntry,
    pub progress: String,
}

#[derive(Debug, Clone, Default)]
pub struct ActionFields {
    pub who: String,
    pub what: String,
    pub by: DateEntry,
    pub done: bool,
}

fn is_empty(entry: &DateEntry) -> bool {
    entry.read() == Err(crate::time::DateEntryError::Empty)
}

impl Plan {
    pub fn parse(f: &PlanFields) -> Result<Plan, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let what_matters = e.check("what_matters", required_text("what matters to the person", &f.what_matters, 4000));
        let strengths = e.check("strengths", optional_text("Strengths", &f.strengths, 4000));
        let before = e.errors.len();
        check_rows(&mut e, "needs", "needs", f.needs.len());
        check_rows(&mut e, "goals", "goals", f.goals.len());
        check_rows(&mut e, "actions", "agreed actions", f.actions.len());
        check_rows(&mut e, "tools", "self-management tools", f.tools.len());
        if e.errors.len() > before {
            // Too many rows: say so, without an error for each of thousands of rows.
            return Err(e);
        }
        let mut needs = Vec::new();
        for n in &f.needs {
            match Need::parse(n) {
                Ok(n) if !needs.contains(&n.code().to_owned()) => needs.push(n.code().to_owned()),
                Ok(_) => {}
                Err(m) => e.add("needs", m),
            }
        }
        let mut goals = Vec::new();
        for (i, g) in f.goals.iter().enumerate().filter(|(_, g)| !(g.text.trim().is_empty() && is_empty(&g.target))) {
            let text = e.check(&format!("goals[{i}].text"), required_text("the goal", &g.text, 500));
            let target = e.check(&format!("goals[{i}].target"), optional_civil_date(&g.target));
            let progress = e.check(
                &format!("goals[{i}].progress"),
                match g.progress.trim() {
                    "" => Ok(0),
                    p => {
                        p.parse::<u8>().ok().filter(|p| *p <= 10).ok_or("Progress must be a whole number from 0 to 10")
                    }
                },
            );
            if let (Some(text), Some(target), Some(progress)) = (text, target, progress) {
                goals.push(Goal { text, target, progress });
            }
        }
        let mut actions = Vec::new();
        for (i, a) in
            f.actions.iter().enumerate().filter(|(_, a)| !(a.what.trim().is_empty() && a.who.trim().is_empty()))
        {
            let who = e.check(&format!("actions[{i}].who"), required_text("who will do it", &a.who, 200));
            let what = e.check(&format!("actions[{i}].what"), required_text("what will be done", &a.what, 500));
            let by = e.check(&format!("actions[{i}].by"), optional_civil_date(&a.by));
            if let (Some(who), Some(what), Some(by)) = (who, what, by) {
                actions.push(AgreedAction { who, what, by, done: a.done });
            }
        }
        let tools: Vec<String> = f.tools.iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
        if tools.iter().any(|t| t.chars().count() > 200) {
            e.add("tools", "Each tool must be 200 characters or fewer");
        }
        let next_review = e.check("next_review", optional_civil_date(&f.next_review));
        match (what_matters, strengths, next_review) {
            (Some(what_matters), Some(strengths), Some(next_review)) if e.is_empty() => {
                Ok(Plan { what_matters, strengths, needs, goals, actions, tools, next_review })
            }
            _ => Err(e),
        }
    }
}

/// Whose plan a printed copy is and which version: what the page shows above the plan.
#[derive(Debug, Clone)]
pub struct PlanCopy<'a> {
    pub organisation: &'a str,
    pub person_name: &'a str,
    /// Shown 3-3-4.
    pub nhs_number: Option<&'a str>,
    pub date_of_birth: Date,
    pub version: i64,
    /// When it was agreed, as the page shows it ("1 Dec 2026, 10:05").
    pub agreed: &'a str,
    pub agreed_with: Option<&'a str>,
    /// The groups and services the person is connected to, a line each.
    pub connections: &'a [String],
}

impl Plan {
    /// The plan for the person to take home: the page's sections in the page's words (the
    /// person's own: "What matters to me"), for the PDF download.
    pub fn document(&self, copy: &PlanCopy<'_>) -> Document {
        let mut about = vec![copy.person_name.to_owned()];
        about.extend(copy.nhs_number.map(|n| format!("NHS number: {n}")));
        about.push(format!("Date of birth: {}", display_date(copy.date_of_birth)));
        let with = copy.agreed_with.map(|w| format!(" with {w}")).unwrap_or_default();
        about.push(format!("Version {}, agreed {}{with}", copy.version, copy.agreed));
        about.push(copy.organisation.to_owned());
        let mut d = Document::new("Personalised care and support plan", about);
        d.heading("What matters to me").paragraph(&self.what_matters);
        if !self.strengths.is_empty() {
            d.heading("My strengths").paragraph(&self.strengths);
        }
        let needs: Vec<&str> = self.needs.iter().filter_map(|n| Need::parse(n).ok()).map(|n| n.label()).collect();
        if !needs.is_empty() {
            d.heading("What I would like help with").items(needs);
        }
        d.heading("My goals");
        if self.goals.is_empty() {
            d.paragraph("No goals yet.");
        }
        d.items(self.goals.iter().map(|g| {
            let by = g.target.map(|t| format!(", by {}", display_date(t))).unwrap_or_default();
            format!("{}{by} (progress {} out of 10)", g.text, g.progress)
        }));
        d.heading("What we agreed to do");
        if self.actions.is_empty() {
            d.paragraph("No actions yet.");
        }
        d.items(self.actions.iter().map(|a| {
            let by = a.by.map(|t| format!(", by {}", display_date(t))).unwrap_or_default();
            format!("{}: {}{by} ({})", a.who, a.what, if a.done { "done" } else { "not done yet" })
        }));
        if !self.tools.is_empty() {
            d.heading("Tools to help me").items(&self.tools);
        }
        if !copy.connections.is_empty() {
            d.heading("Groups and services I am connected to").items(copy.connections);
        }
        if let Some(review) = self.next_review {
            d.heading("Next review").paragraph(display_date(review));
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_with_two_goals() {
        let f = PlanFields {
            what_matters: "Getting out of the house and seeing people again".into(),
            needs: vec!["loneliness".into(), "physical_activity".into()],
            goals: vec![
                GoalFields {
                    text: "Join a walking group".into(),
                    target: DateEntry::boxes("31", "1", "2027"),
                    progress: "2".into(),
                },
                GoalFields { text: "Talk to a neighbour every week".into(), ..Default::default() },
                GoalFields::default(),
            ],
            actions: vec![ActionFields {
                who: "Sam (link worker)".into(),
                what: "Send Walk and Talk details".into(),
                by: DateEntry::Iso("2026-12-01".into()),
                done: false,
            }],
            tools: vec!["Five ways to wellbeing".into(), " ".into()],
            next_review: DateEntry::boxes("5", "1", "2027"),
            ..Default::default()
        };
        let p = Plan::parse(&f).unwrap();
        assert_eq!(p.goals.len(), 2, "blank rows are ignored");
        assert_eq!(p.goals[0].progress, 2);
        assert_eq!(p.tools, ["Five ways to wellbeing"]);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), p);
    }

    #[test]
    fn errors_name_the_row_and_field() {
        let f = PlanFields {
            goals: vec![GoalFields {
                text: "".into(),
                target: DateEntry::Iso("31/01/2027".into()),
                progress: "11".into(),
            }],
            actions: vec![ActionFields { who: "".into(), what: "Call".into(), ..Default::default() }],
            next_review: DateEntry::boxes("soon", "", ""),
            ..Default::default()
        };
        let e = Plan::parse(&f).unwrap_err();
        let named: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            named,
            ["what_matters", "goals[0].text", "goals[0].target", "goals[0].progress", "actions[0].who", "next_review"]
        );
    }
}
