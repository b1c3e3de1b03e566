//! The audit trail page for admins: filter by action, user, record and date; newest first.

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::audit::{self, AuditFilterFields, TrailError};
use linkwell_domain::audit::{AuditAction, AuditEntry};
use linkwell_domain::time::DateEntry;
use serde::Deserialize;
use std::collections::HashMap;

use super::{Page, form_errors};
use crate::error::PageError;
use crate::state::AppState;

pub const PAGE_SIZE: usize = 50;

/// The page's filter: by a person's email (the trail itself holds user ids), and the
/// page before which to read.
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct AuditQuery {
    action: String,
    /// A user id (as the API filters), or
    user: String,
    /// a user's email.
    email: String,
    entity_type: String,
    entity_id: String,
    /// London dates, inclusive, in the NHS date input's three boxes each.
    from_day: String,
    from_month: String,
    from_year: String,
    to_day: String,
    to_month: String,
    to_year: String,
    before: String,
}

pub async fn audit(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let fields = AuditFilterFields {
        action: &q.action,
        user: &q.user,
        email: &q.email,
        entity_type: &q.entity_type,
        entity_id: &q.entity_id,
        from: DateEntry::boxes(&q.from_day, &q.from_month, &q.from_year),
        to: DateEntry::boxes(&q.to_day, &q.to_month, &q.to_year),
    };
    let (entries, next, errors) =
        match audit::trail(&state.db, &p.scope(), &fields, &q.before, "before", PAGE_SIZE).await {
            Ok(found) => (found.items, found.next_cursor, None),
            Err(TrailError::Invalid(e)) => (vec![], None, Some(e)),
            Err(TrailError::Store(e)) => return Err(e.into()),
        };
    let names = audit::actor_names(&state.db, &p.scope(), &entries).await?;
    let records = audit::record_names(&state.db, &p.scope(), &entries).await?;
    let next_href = next.map(|cursor| next_href(&q, &cursor));
    let html = page.render(
        &state,
        "pages/admin/audit.html",
        minijinja::context! {
            title => "Audit trail", rows => rows(entries, &names, &records),
            actions => AuditAction::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            q => minijinja::context! {
                action => q.action, email => q.email, entity_type => q.entity_type, entity_id => q.entity_id,
                from_day => q.from_day, from_month => q.from_month, from_year => q.from_year,
                to_day => q.to_day, to_month => q.to_month, to_year => q.to_year,
            },
            next_href => next_href, errors => errors.as_ref().map(form_errors),
        },
    )?;
    Ok((super::form_status(errors.as_ref()), html).into_response())
}

/// One row per entry or run of repeated views: the actor by name where they are still a
/// user here, the record by name where the trail may name it.
fn rows(
    entries: Vec<AuditEntry>,
    names: &HashMap<String, String>,
    records: &HashMap<(String, String), String>,
) -> Vec<minijinja::Value> {
    audit::group_repeated_views(entries)
        .into_iter()
        .map(|row| {
            let e = &row.entry;
            let who = e.actor_user_id.as_ref().map(|id| names.get(id).unwrap_or(id));
            let record = e.entity_id.as_ref().and_then(|id| records.get(&(e.entity_type.clone(), id.clone())));
            minijinja::context! {
                seq => e.seq, at => e.at_ms, since => (row.repeats > 1).then_some(row.since_ms), repeats => row.repeats,
                who => who, action => &e.action, entity_type => e.entity_type.replace('_', " "),
                entity_id => &e.entity_id, record => record, request_id => &e.request_id,
            }
        })
        .collect()
}

/// The next page's link: the same filter, before the cursor.
fn next_href(q: &AuditQuery, cursor: &str) -> String {
    let qs = serde_urlencoded::to_string([
        ("action", q.action.as_str()),
        ("email", q.email.as_str()),
        ("entity_type", q.entity_type.as_str()),
        ("entity_id", q.entity_id.as_str()),
        ("from_day", q.from_day.as_str()),
        ("from_month", q.from_month.as_str()),
        ("from_year", q.from_year.as_str()),
        ("to_day", q.to_day.as_str()),
        ("to_month", q.to_month.as_str()),
        ("to_year", q.to_year.as_str()),
        ("before", cursor),
    ])
    .unwrap_or_default();
    format!("/admin/audit?{qs}")
}
