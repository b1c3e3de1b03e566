//! One session of a group: what it is, and moving it (another time that day, another
//! venue) or cancelling it with a reason. Each member is told once.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::groups::members;
use linkwell_domain::groups::sessions::SessionChangeFields;
use linkwell_domain::ids::GroupSessionId;
use linkwell_domain::{ServiceId, ValidationErrors};

use crate::error::PageError;
use crate::pages::{FormPairs, Page, form_errors, form_version, path_id};
use crate::state::AppState;

/// The change a form carries.
fn change_fields(form: &FormPairs) -> SessionChangeFields {
    SessionChangeFields {
        action: form.get("action").to_owned(),
        starts: form.get("starts").to_owned(),
        ends: form.get("ends").to_owned(),
        venue: form.get("venue").to_owned(),
        reason: form.get("reason").to_owned(),
    }
}

async fn render(
    state: &AppState,
    page: &Page,
    id: ServiceId,
    session: GroupSessionId,
    sent: Option<&FormPairs>,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let scope = p.scope();
    state.db.group(&scope, id).await?;
    let s = state.db.group_session(&scope, session).await?;
    if s.service_id != id {
        return Err(PageError::NotFound);
    }
    let listing = state.db.service(&scope, id).await?;
    let clock = |ms: i64| {
        linkwell_domain::time::from_millis(ms).to_zoned(linkwell_domain::time::london()).strftime("%H:%M").to_string()
    };
    let (form, version) = match sent {
        Some(f) => (f.values(), f.get("version").to_owned()),
        None => (
            std::collections::BTreeMap::from([
                ("starts".to_owned(), clock(s.starts_at)),
                ("ends".to_owned(), clock(s.ends_at)),
            ]),
            s.version.to_string(),
        ),
    };
    let html = page.render(
        state,
        "pages/groups/session.html",
        minijinja::context! {
            title => linkwell_domain::time::display_london_date(s.on_date), group => listing.name.clone(), id => id.to_string(),
            session => minijinja::context! {
                id => s.id.to_string(), starts_at => s.starts_at, ends_at => s.ends_at, status => s.status.code(),
                reason => s.reason.clone(), venue => s.venue.clone(), register_taken => s.register_taken_at.is_some(),
                ahead => s.starts_at > linkwell_store::now_ms(),
            },
            version => version, form => form, action => sent.map(|f| f.get("action").to_owned()).unwrap_or_default(),
            errors => errors.map(form_errors),
        },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path((id, session)): Path<(String, String)>,
) -> Result<Response, PageError> {
    render(&state, &page, path_id(&id)?, path_id(&session)?, None, None).await
}

pub async fn change(
    State(state): State<AppState>,
    page: Page,
    Path((id, session)): Path<(String, String)>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let (id, session): (ServiceId, GroupSessionId) = (path_id(&id)?, path_id(&session)?);
    let version = form_version(form.get("version"))?;
    let fields = change_fields(&form);
    match members::change_session(&state.db, &p, id, session, version, &fields, &state.config.public_url).await {
        Ok((s, told)) => {
            let what =
                if s.status == linkwell_store::groups::GroupSessionStatus::Cancelled { "cancelled" } else { "moved" };
            let said = format!("The session is {what}; {told} member{} will be told", if told == 1 { "" } else { "s" });
            page.done(&said, &format!("/groups/{id}#sessions")).await
        }
        Err(CaseError::Invalid(e)) => render(&state, &page, id, session, Some(&form), Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}
