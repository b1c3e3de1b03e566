//! Field-level validation errors, shared by pages (inline messages and the error summary)
//! and the API (RFC 9457 problem details with an `errors` list).

use serde::Serialize;

/// One problem with one input field. `field` is the form/JSON field name, so the page can
/// link the error summary to the input and the API can name the member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} field(s) are invalid", .errors.len())]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.to_owned(), message: message.into() });
    }

    /// Record the error of a parse under `field` and keep the value if it parsed, so a
    /// form can collect every problem in one pass.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// The same errors with fields renamed (`from`, `to`): for a rule written with one
    /// adapter's field names, told through another's (the API's `name` for a form's
    /// `site_name`, a list page's `sort` for the `direction` it chooses with it).
    pub fn renamed(mut self, names: &[(&str, &str)]) -> ValidationErrors {
        for f in &mut self.errors {
            if let Some((_, to)) = names.iter().find(|(from, _)| *from == f.field) {
                f.field = (*to).to_owned();
            }
        }
        self
    }

    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// The most rows a list in one form or body may have: goals, actions, schedules, needs.
/// Forms number their rows (`goals[3].text`), so an index is input too: nothing is ever
/// sized from it beyond this.
pub const MAX_ROWS: usize = 50;

/// An error on `field` when `len` rows is more than [`MAX_ROWS`]; `what` names the rows.
pub fn check_rows(e: &mut ValidationErrors, field: &str, what: &str, len: usize) {
    if len > MAX_ROWS {
        e.add(field, format!("Enter no more than {MAX_ROWS} {what}"));
    }
}

/// A required, trimmed, length-limited piece of text such as a name.
pub fn required_text(label: &str, input: &str, max: usize) -> Result<String, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err(format!("Enter {label}"));
    }
    if t.chars().count() > max {
        return Err(format!("{} must be {max} characters or fewer", capitalise(label)));
    }
    if t.chars().any(forbidden) {
        return Err(format!("{} must not contain control characters", capitalise(label)));
    }
    Ok(t.to_owned())
}

/// A character no text field takes: control characters (NUL among them, which
/// PostgreSQL cannot store) other than the line breaks and tabs people type.
fn forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// Optional, trimmed, length-limited text; `label` names it in the message.
pub fn optional_text(label: &str, input: &str, max: usize) -> Result<String, String> {
    let t = input.trim();
    if t.chars().count() > max {
        return Err(format!("{label} must be {max} characters or fewer"));
    }
    if t.chars().any(forbidden) {
        return Err(format!("{label} must not contain control characters"));
    }
    Ok(t.to_owned())
}

/// The text with its first letter a capital, for a label that starts a sentence.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
