//! Your own account: details, changing your password, and setting one from a reset link.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::identity::{self, AccountError, NewPassword};
use linkwell_domain::ValidationErrors;
use serde::Deserialize;

use super::{FormData, Page, form_errors};
use crate::auth::SESSION_CREDENTIALS;
use crate::client::ClientKey;
use crate::error::PageError;
use crate::state::AppState;

pub async fn account(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render(&state, &page, None, StatusCode::OK).await
}

async fn render(
    state: &AppState,
    page: &Page,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let practice = match p.user.practice_id {
        Some(id) => Some(state.db.practice(&p.scope(), id).await?),
        None => None,
    };
    let html = page.render(
        state,
        "pages/account.html",
        minijinja::context! {
            title => "Your account", user => minijinja::value::Serde(&p.user), role_label => p.user.role.label(),
            practice => minijinja::value::Serde(practice), errors => errors.map(form_errors),
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
pub struct ChangePassword {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// Change your own password (`identity::change_own_password`): this session goes on
/// under a new id, so a copy of the old cookie is worth nothing, with the new credentials;
/// every other session has ended.
pub async fn change_password(
    State(state): State<AppState>,
    page: Page,
    ClientKey(client): ClientKey,
    FormData(form): FormData<ChangePassword>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let new = NewPassword { password: &form.new_password, confirm: &form.confirm_password };
    match identity::change_own_password(&state.db, &state.passwords, &p, &client, &form.current_password, new).await {
        Ok(changed) => {
            if let Some(session) = &page.session {
                session.cycle_id().await?;
                session.insert(SESSION_CREDENTIALS, changed.credentials_changed_at).await?;
            }
            page.done("Your password has been changed. You have been signed out everywhere else.", "/account").await
        }
        Err(AccountError::Invalid(errors)) => {
            render(&state, &page, Some(&errors), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reset_form(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let user = identity::reset_link_user(&state.db, &token).await?;
    render_reset(&state, &page, &token, &user.display_name, None)
}

fn render_reset(
    state: &AppState,
    page: &Page,
    token: &str,
    name: &str,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let html = page.render(state, "pages/reset_password.html", minijinja::context! { title => "Choose a password", token => token, name => name, errors => errors.map(form_errors) })?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn reset_submit(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    FormData(form): FormData<NewPasswordForm>,
) -> Result<Response, PageError> {
    let new = NewPassword { password: &form.new_password, confirm: &form.confirm_password };
    match identity::reset_password(&state.db, &token, new).await {
        Ok(_) => Ok(axum::response::Redirect::to("/sign-in?reset=done").into_response()),
        Err(AccountError::Invalid(errors)) => {
            let user = identity::reset_link_user(&state.db, &token).await?;
            render_reset(&state, &page, &token, &user.display_name, Some(&errors))
        }
        Err(e) => Err(e.into()),
    }
}
