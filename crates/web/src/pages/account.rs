//! Your own account: details, changing your password, and setting one from a reset link.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::identity::{SecretHash, check_password_policy, hash_password};
use linkwell_store::StoreError;
use serde::Deserialize;

use super::{FormData, Page, form_errors};
use crate::auth::SESSION_CREDENTIALS;
use crate::client::ClientKey;
use crate::error::PageError;
use crate::state::AppState;
use linkwell_domain::audit::AuditAction;
use linkwell_store::users::SignInAttempt;

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

fn check_new(new: &str, confirm: &str, email: &str, errors: &mut ValidationErrors) {
    if let Err(e) = check_password_policy(new, email) {
        errors.add("new_password", e.to_string());
    } else if new != confirm {
        errors.add("confirm_password", "The passwords do not match");
    }
}

/// Change your own password. Wrong current passwords count like failed sign-ins (the same
/// lock for this account from this device), so a session left open is not a way to guess
/// the password. The change ends every other session and revokes the user's API tokens;
/// this session carries on.
pub async fn change_password(
    State(state): State<AppState>,
    page: Page,
    ClientKey(client): ClientKey,
    FormData(form): FormData<ChangePassword>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    // Counted before the check, like a sign-in: guesses sent at once cannot outrun the lock.
    let attempt = state.db.count_sign_in_attempt(&p.scope(), p.user.id, &client).await?;
    if attempt == SignInAttempt::Locked {
        return Err(PageError::TooManyRequests(
            "There have been too many wrong passwords from this device. Wait 15 minutes, or ask an admin in your organisation for a password reset link.",
        ));
    }
    let mut errors = ValidationErrors::new();
    let (_, hash) = state
        .db
        .user_for_sign_in(
            &linkwell_domain::identity::EmailAddress::parse(&p.user.email)
                .map_err(|e| PageError::Internal(e.to_string()))?,
        )
        .await?;
    let ok = state.check_password(form.current_password.clone(), hash).await.ok_or(PageError::Unavailable)?;
    let actor = p.actor();
    if ok {
        state.db.record_successful_sign_in(&p.scope(), p.user.id, &client).await?;
    } else {
        errors.add("current_password", "Your current password is not correct");
        let failed = actor.event(AuditAction::SignInFailed, "user", p.user.id, Some("reason=password_change".into()));
        state.db.audit(&p.scope(), &failed).await?;
        if attempt == SignInAttempt::Last {
            state.db.audit(&p.scope(), &actor.event(AuditAction::AccountLocked, "user", p.user.id, None)).await?;
        }
    }
    check_new(&form.new_password, &form.confirm_password, &p.user.email, &mut errors);
    if !errors.is_empty() {
        return render(&state, &page, Some(&errors), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let new = form.new_password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let changed = state.db.set_password(&p.scope(), &actor, p.user.id, &hash).await?;
    // This session goes on under a new id (a copy of the old cookie is worth nothing) with
    // the new credentials; every other session has ended.
    if let Some(session) = &page.session {
        session.cycle_id().await?;
        session.insert(SESSION_CREDENTIALS, changed.credentials_changed_at).await?;
    }
    page.done("Your password has been changed. You have been signed out everywhere else.", "/account").await
}

pub async fn reset_form(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let user = match state.db.password_reset_user(&SecretHash::of(&token)).await {
        Ok(u) => u,
        Err(StoreError::NotFound) => return Err(expired()),
        Err(e) => return Err(e.into()),
    };
    render_reset(&state, &page, &token, &user.display_name, None)
}

fn expired() -> PageError {
    PageError::BadRequest(
        "This link has expired or has already been used. Ask an admin in your organisation for a new one.".into(),
    )
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
pub struct NewPassword {
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn reset_submit(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    FormData(form): FormData<NewPassword>,
) -> Result<Response, PageError> {
    let hash = SecretHash::of(&token);
    let user = match state.db.password_reset_user(&hash).await {
        Ok(u) => u,
        Err(StoreError::NotFound) => return Err(expired()),
        Err(e) => return Err(e.into()),
    };
    let mut errors = ValidationErrors::new();
    check_new(&form.new_password, &form.confirm_password, &user.email, &mut errors);
    if !errors.is_empty() {
        return render_reset(&state, &page, &token, &user.display_name, Some(&errors));
    }
    let new = form.new_password.clone();
    let new_hash = tokio::task::spawn_blocking(move || hash_password(&new))
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?
        .map_err(|e| PageError::Internal(e.to_string()))?;
    match state.db.complete_password_reset(&hash, &new_hash).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Err(expired()),
        Err(e) => return Err(e.into()),
    }
    Ok(axum::response::Redirect::to("/sign-in?reset=done").into_response())
}
