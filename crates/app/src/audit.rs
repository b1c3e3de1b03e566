//! Reading the audit trail: the filter a person or a client types, checked once.

use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::AuditAction;
use linkwell_store::audit::AuditFilter;

/// The audit trail's filter as given (each field may be empty: no filter on it).
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditFilterFields<'a> {
    /// An action name, such as `sign_in`.
    pub action: &'a str,
    /// A user id.
    pub user: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    /// London dates, YYYY-MM-DD, inclusive.
    pub from: &'a str,
    pub to: &'a str,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The first (or, with `end`, the last) millisecond of a London date given as YYYY-MM-DD.
fn london_day(s: &str, field: &str, errors: &mut ValidationErrors, end: bool) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<jiff::civil::Date>() {
        Ok(d) => {
            let d = if end { d.tomorrow().ok()? } else { d };
            d.to_zoned(linkwell_domain::time::london()).ok().map(|z| z.timestamp().as_millisecond() - i64::from(end))
        }
        Err(_) => {
            errors.add(field, "Enter a real date in the format 2026-11-22");
            None
        }
    }
}

/// Turn the filter into the store's, naming each field that is wrong; `cursor` is the
/// previous page's cursor, reported under `cursor_field` when it is not one.
pub fn parse_filter(
    f: &AuditFilterFields<'_>,
    cursor: &str,
    cursor_field: &str,
) -> Result<(AuditFilter, Option<i64>), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let action = non_empty(f.action);
    if let Some(a) = &action
        && a.parse::<AuditAction>().is_err()
    {
        errors.add("action", "Select an action from the list");
    }
    let from_ms = london_day(f.from, "from", &mut errors, false);
    let to_ms = london_day(f.to, "to", &mut errors, true);
    let before = match non_empty(cursor) {
        None => None,
        Some(b) => match b.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.add(cursor_field, "The page cursor is not valid");
                None
            }
        },
    };
    errors.into_result()?;
    Ok((
        AuditFilter {
            action,
            actor_user_id: non_empty(f.user),
            entity_type: non_empty(f.entity_type),
            entity_id: non_empty(f.entity_id),
            from_ms,
            to_ms,
        },
        before,
    ))
}
