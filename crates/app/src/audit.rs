//! Reading the audit trail: the filter a person or a client types, checked once, and a
//! page of entries with the names of the people who acted and of the records they touched
//! (as far as the reader may know them), repeated views folded into one row.

use std::collections::HashMap;

use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::{AuditAction, AuditEntry};
use linkwell_domain::identity::EmailAddress;
use linkwell_domain::time::{DateEntry, DateEntryError, civil_date};
use linkwell_store::audit::AuditFilter;
use linkwell_store::{Db, OrgScope, Page, StoreError};

/// The audit trail's filter as given (each field may be empty: no filter on it).
#[derive(Debug, Clone, Default)]
pub struct AuditFilterFields<'a> {
    /// An action name, such as `sign_in`.
    pub action: &'a str,
    /// A user id, or
    pub user: &'a str,
    /// a user's email (the trail itself holds user ids), which wins over `user`.
    pub email: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    /// London dates, inclusive: three boxes on the page, ISO 8601 in the API.
    pub from: DateEntry,
    pub to: DateEntry,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The first (or, with `end`, the last) millisecond of a London date; none if not given.
fn london_day(entry: &DateEntry, field: &str, errors: &mut ValidationErrors, end: bool) -> Option<i64> {
    if entry.read() == Err(DateEntryError::Empty) {
        return None;
    }
    match civil_date(entry) {
        Ok(d) => {
            let d = if end { d.tomorrow().ok()? } else { d };
            Some(linkwell_domain::time::london_day_start(d) - i64::from(end))
        }
        Err(why) => {
            errors.add(field, why);
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

/// What a record is called on the trail, by (type, id): a user, practice, site, room,
/// programme or listing by its name; a referral by its reference. A person is never named:
/// the trail's readers (admins) run the system, not cases (PRODUCT.md §2), so a person's
/// record keeps its id and a referral its reference, which a coordinator can look up.
pub async fn record_names(
    db: &Db,
    scope: &OrgScope,
    entries: &[AuditEntry],
) -> Result<HashMap<(String, String), String>, StoreError> {
    let ids_of = |kind: &str| -> Vec<String> {
        let mut ids: Vec<String> =
            entries.iter().filter(|e| e.entity_type == kind).filter_map(|e| e.entity_id.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let mut names = HashMap::new();
    let mut put = |kind: &str, id: String, name: String| {
        names.insert((kind.to_owned(), id), name);
    };
    for u in db.users_by_ids(scope, &ids_of("user")).await? {
        put("user", u.id.to_string(), u.display_name);
    }
    for (id, stored) in db.referral_references(scope, &ids_of("referral")).await? {
        let reference = linkwell_domain::referrals::reference::Reference::from_stored(&stored)
            .map(|r| r.to_string())
            .unwrap_or(stored);
        put("referral", id, reference);
    }
    if !ids_of("practice").is_empty() {
        for pr in db.practices_by_name(scope).await? {
            put("practice", pr.id.to_string(), format!("{} ({})", pr.name, pr.ods_code));
        }
    }
    if !ids_of("site").is_empty() || !ids_of("room").is_empty() {
        for (site, rooms) in db.sites_with_rooms(scope).await? {
            for room in rooms {
                put("room", room.id.to_string(), format!("{}, {}", room.name, site.name));
            }
            put("site", site.id.to_string(), site.name);
        }
    }
    if !ids_of("programme").is_empty() {
        for programme in db.programmes(scope).await? {
            put("programme", programme.id.to_string(), programme.name);
        }
    }
    let services: Vec<_> = ids_of("service").iter().filter_map(|id| id.parse().ok()).collect();
    for service in db.services_by_ids(scope, &services).await? {
        put("service", service.id.to_string(), service.name);
    }
    Ok(names)
}

/// One row of the trail as read: an entry, or a run of the same person viewing the same
/// record (`repeats` entries, the earliest at `since_ms`), which would otherwise bury the
/// changes between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRow {
    /// The run's newest entry.
    pub entry: AuditEntry,
    pub repeats: usize,
    pub since_ms: i64,
}

/// How far apart views of one record by one person may be and still be one visit.
pub const VISIT_MS: i64 = 15 * 60 * 1000;

/// Fold each run of adjacent views (newest first, as the trail is read) of one record by
/// one person within `VISIT_MS` of the run's newest into one row. Only views fold: every
/// change, sign-in and search keeps its own row.
pub fn group_repeated_views(entries: Vec<AuditEntry>) -> Vec<TrailRow> {
    let viewed = AuditAction::RecordViewed.as_str();
    let mut rows: Vec<TrailRow> = Vec::with_capacity(entries.len());
    for e in entries {
        if let Some(last) = rows.last_mut()
            && e.action == viewed
            && last.entry.action == viewed
            && e.actor_user_id == last.entry.actor_user_id
            && e.entity_type == last.entry.entity_type
            && e.entity_id == last.entry.entity_id
            && last.entry.at_ms - e.at_ms <= VISIT_MS
        {
            last.repeats += 1;
            last.since_ms = e.at_ms;
            continue;
        }
        let since_ms = e.at_ms;
        rows.push(TrailRow { entry: e, repeats: 1, since_ms });
    }
    rows
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
    let from_ms = london_day(&f.from, "from", &mut errors, false);
    let to_ms = london_day(&f.to, "to", &mut errors, true);
    if let (Some(from), Some(to)) = (from_ms, to_ms)
        && to < from
    {
        errors.add("to", "The end date must be the same as or after the start date");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, minute: i64, who: &str, action: AuditAction, id: &str) -> AuditEntry {
        AuditEntry {
            seq,
            at_ms: minute * 60_000,
            actor_user_id: Some(who.into()),
            action: action.as_str().into(),
            entity_type: "referral".into(),
            entity_id: Some(id.into()),
            request_id: None,
            detail: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn adjacent_views_of_one_record_by_one_person_fold_and_changes_do_not() {
        use AuditAction::{RecordChanged, RecordViewed};
        // Newest first, as the trail is read.
        let rows = group_repeated_views(vec![
            entry(9, 100, "ann", RecordViewed, "r1"),
            entry(8, 99, "ann", RecordViewed, "r1"),
            entry(7, 98, "ann", RecordViewed, "r1"),
            entry(6, 97, "ann", RecordChanged, "r1"),
            entry(5, 96, "ann", RecordViewed, "r1"),
            entry(4, 95, "bob", RecordViewed, "r1"),
            entry(3, 94, "bob", RecordViewed, "r2"),
            entry(2, 60, "bob", RecordViewed, "r2"),
            entry(1, 59, "bob", RecordChanged, "r2"),
        ]);
        let shape: Vec<(i64, usize, i64)> =
            rows.iter().map(|r| (r.entry.seq, r.repeats, r.since_ms / 60_000)).collect();
        assert_eq!(shape, [(9, 3, 98), (6, 1, 97), (5, 1, 96), (4, 1, 95), (3, 1, 94), (2, 1, 60), (1, 1, 59)]);
    }
}
