//! Reading the audit trail: the filter a person or a client types, checked once, and a
//! page of entries with the names of the people who acted.

use std::collections::HashMap;

use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::{AuditAction, AuditEntry};
use linkwell_domain::identity::EmailAddress;
use linkwell_store::audit::AuditFilter;
use linkwell_store::{Db, OrgScope, Page, StoreError};

/// The audit trail's filter as given (each field may be empty: no filter on it).
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditFilterFields<'a> {
    /// An action name, such as `sign_in`.
    pub action: &'a str,
    /// A user id, or
    pub user: &'a str,
    /// a user's email (the trail itself holds user ids), which wins over `user`.
    pub email: &'a str,
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

#[derive(Debug, thiserror::Error)]
pub enum TrailError {
    #[error("invalid filter")]
    Invalid(ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A page of the trail, newest first: up to `limit` entries before `cursor` (the previous
/// page's `next_cursor`, named `cursor_field` in errors) that match the filter.
pub async fn trail(
    db: &Db,
    scope: &OrgScope,
    fields: &AuditFilterFields<'_>,
    cursor: &str,
    cursor_field: &str,
    limit: usize,
) -> Result<Page<AuditEntry>, TrailError> {
    let (mut filter, before) = parse_filter(fields, cursor, cursor_field).map_err(TrailError::Invalid)?;
    if let Some(user) = user_by_email(db, scope, fields.email).await? {
        filter.actor_user_id = Some(user);
    }
    Ok(db.audit_page(scope, &filter, before, limit).await?)
}

/// The id of the organisation's user with this email, if one was typed; another
/// organisation's user is "no user" like nobody at all.
async fn user_by_email(db: &Db, scope: &OrgScope, email: &str) -> Result<Option<String>, TrailError> {
    let email = email.trim();
    if email.is_empty() {
        return Ok(None);
    }
    let Ok(email) = EmailAddress::parse(email) else {
        let why = "Enter an email address in the correct format, like name@example.org";
        return Err(TrailError::Invalid(ValidationErrors::single("email", why)));
    };
    match db.user_for_sign_in(&email).await {
        Ok((user, _)) if user.organisation_id == scope.organisation_id() => Ok(Some(user.id.to_string())),
        Ok(_) | Err(StoreError::NotFound) => Err(TrailError::Invalid(ValidationErrors::single(
            "email",
            "No user in your organisation has this email address",
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The display names of the users who made `entries`, by user id.
pub async fn actor_names(
    db: &Db,
    scope: &OrgScope,
    entries: &[AuditEntry],
) -> Result<HashMap<String, String>, StoreError> {
    let mut ids: Vec<String> = entries.iter().filter_map(|e| e.actor_user_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let users = db.users_by_ids(scope, &ids).await?;
    Ok(users.into_iter().map(|u| (u.id.to_string(), u.display_name)).collect())
}

/// Turn the filter into the store's, naming each field that is wrong; `cursor` is the
/// previous page's cursor, reported under `cursor_field` when it is not one.
fn parse_filter(
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
