//! The audit trail page for admins: filter by action, user, record and date; newest first.

use crate::input::Query;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::audit::{AuditFilterFields, parse_filter};
use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::identity::EmailAddress;
use linkwell_store::StoreError;
use serde::Deserialize;

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
    /// London dates, YYYY-MM-DD, inclusive.
    from: String,
    to: String,
    before: String,
}

pub async fn audit(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let actions: Vec<_> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
    // The page filters by a person's email; the trail itself holds user ids only.
    let mut user = q.user.clone();
    let mut email_error = None;
    let email = q.email.trim().to_owned();
    if !email.is_empty() {
        match EmailAddress::parse(&email) {
            Ok(e) => match state.db.user_for_sign_in(&e).await {
                Ok((u, _)) if u.organisation_id == p.user.organisation_id => user = u.id.to_string(),
                Ok(_) | Err(StoreError::NotFound) => {
                    email_error = Some("No user in your organisation has this email address")
                }
                Err(e) => return Err(e.into()),
            },
            Err(_) => email_error = Some("Enter an email address in the correct format, like name@example.org"),
        }
    }
    let fields = AuditFilterFields {
        action: &q.action,
        user: &user,
        entity_type: &q.entity_type,
        entity_id: &q.entity_id,
        from: &q.from,
        to: &q.to,
    };
    let parsed = parse_filter(&fields, &q.before, "before").and_then(|f| match email_error {
        Some(m) => Err(ValidationErrors::single("email", m)),
        None => Ok(f),
    });
    let (entries, next, errors, status) = match parsed {
        Ok((filter, before)) => {
            let page_ = state.db.audit_page(&p.scope(), &filter, before, PAGE_SIZE).await?;
            (page_.items, page_.next_cursor, None, StatusCode::OK)
        }
        Err(e) => (vec![], None, Some(e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let mut actor_ids: Vec<String> = entries.iter().filter_map(|e| e.actor_user_id.clone()).collect();
    actor_ids.sort();
    actor_ids.dedup();
    let users = state.db.users_by_ids(&p.scope(), &actor_ids).await?;
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            let who = e.actor_user_id.as_ref().map(|id| users.iter().find(|u| &u.id.to_string() == id).map(|u| u.display_name.clone()).unwrap_or_else(|| id.clone()));
            minijinja::context! { seq => e.seq, at => e.at_ms, who => who, action => e.action.clone(), entity_type => e.entity_type.clone(), entity_id => e.entity_id.clone(), request_id => e.request_id.clone() }
        })
        .collect();
    let next_href = next.map(|c| {
        let qs = serde_urlencoded::to_string([
            ("action", q.action.as_str()),
            ("email", q.email.as_str()),
            ("entity_type", q.entity_type.as_str()),
            ("entity_id", q.entity_id.as_str()),
            ("from", q.from.as_str()),
            ("to", q.to.as_str()),
            ("before", c.as_str()),
        ])
        .unwrap_or_default();
        format!("/admin/audit?{qs}")
    });
    let html = page.render(
        &state,
        "pages/admin/audit.html",
        minijinja::context! {
            title => "Audit trail", rows => rows, actions => actions,
            q => minijinja::context! { action => q.action, email => q.email, entity_type => q.entity_type, entity_id => q.entity_id, from => q.from, to => q.to },
            next_href => next_href, errors => errors.as_ref().map(form_errors),
        },
    )?;
    Ok((status, html).into_response())
}
