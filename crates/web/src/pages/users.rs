//! Users admin: list, add (with a one-time link to set a password), view, disable and
//! re-enable, and issue a new password-reset link.

use crate::input::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::authz::Action;
use linkwell_domain::identity::{Role, RoleAssignment, UserInput};
use linkwell_domain::{UserId, ValidationErrors};
use serde::Deserialize;

use super::{FormData, Page, form_errors, form_version};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::users::{self, AdminError, add_user, issue_reset_link, reset_path};

fn parse_id(id: &str) -> Result<UserId, PageError> {
    id.parse().map_err(|_| PageError::NotFound)
}

fn roles() -> Vec<minijinja::Value> {
    Role::ALL.iter().map(|r| minijinja::context! { value => r.as_str(), text => r.label() }).collect()
}

/// Users listed per page on the users page.
pub const PAGE_SIZE: usize = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    /// The id of the last user on the previous page.
    after: String,
    role: String,
    /// `active` or `disabled`.
    status: String,
    search: String,
}

impl ListQuery {
    /// The list's address with its filters, after the user `after` if given.
    fn href(&self, after: Option<&str>) -> String {
        let pairs = [
            ("role", self.role.as_str()),
            ("status", &self.status),
            ("search", &self.search),
            ("after", after.unwrap_or("")),
        ];
        let query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", crate::access::urlencode(v.trim())))
            .collect();
        if query.is_empty() { "/admin/users".into() } else { format!("/admin/users?{}", query.join("&")) }
    }
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let after = match q.after.trim() {
        "" => None,
        id => Some(state.db.user(&p.scope(), parse_id(id)?).await?),
    };
    let after_key = after.as_ref().map(|u| (u.display_name.clone(), u.id.to_string()));
    let after_key = after_key.as_ref().map(|(name, id)| (name.as_str(), id.as_str()));
    let fields = users::UserListFields { role: &q.role, status: &q.status, search: &q.search };
    let (mut users, errors) = match users::user_filter(&fields) {
        Ok(filter) => (state.db.users_by_name_page(&p.scope(), &filter, after_key, PAGE_SIZE + 1).await?, None),
        Err(e) => (vec![], Some(e)),
    };
    let next = (users.len() > PAGE_SIZE).then(|| {
        users.truncate(PAGE_SIZE);
        users.last().map(|u| q.href(Some(&u.id.to_string())))
    });
    let practices = state.db.practices_by_name(&p.scope()).await?;
    let rows: Vec<_> = users
        .iter()
        .map(|u| {
            let practice = u.practice_id.and_then(|id| practices.iter().find(|p| p.id == id)).map(|p| p.name.clone());
            minijinja::context! {
                id => u.id.to_string(), name => u.display_name.clone(), email => u.email.clone(),
                role => u.role.label(), practice => practice, disabled => u.disabled,
                last_signed_in_at => u.last_signed_in_at,
            }
        })
        .collect();
    let can_manage = p.can(Action::ManageUsers);
    let any = |text: &str| minijinja::context! { value => "", text => text };
    let mut role_items = vec![any("Any role")];
    role_items
        .extend(super::shared::items(Role::ALL.iter().map(|r| (r.as_str(), r.label())), std::slice::from_ref(&q.role)));
    let mut status_items = vec![any("Active or disabled")];
    status_items.extend(super::shared::items(
        [("active", "Active"), ("disabled", "Disabled")],
        std::slice::from_ref(&q.status),
    ));
    let filtered = q.href(None) != "/admin/users";
    let html = page.render(
        &state,
        "pages/users/list.html",
        minijinja::context! {
            title => if can_manage { "Users" } else { "Team" },
            users => rows, can_manage => can_manage, next_href => next.flatten(),
            first_href => after.is_some().then(|| q.href(None)),
            roles => role_items, statuses => status_items, search => q.search.clone(), filtered => filtered,
            errors => errors.as_ref().map(form_errors),
        },
    )?;
    Ok((super::form_status(errors.as_ref()), html).into_response())
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    practice_id: String,
}

async fn render_form(
    state: &AppState,
    page: &Page,
    form: &UserForm,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let practices: Vec<_> = state
        .db
        .practices_by_name(&p.scope())
        .await?
        .into_iter()
        .map(|pr| minijinja::context! { value => pr.id.to_string(), text => format!("{} ({})", pr.name, pr.ods_code) })
        .collect();
    let html = page.render(
        state,
        "pages/users/new.html",
        minijinja::context! {
            title => "Add a user",
            form => minijinja::context! { display_name => form.display_name.clone(), email => form.email.clone(), role => form.role.clone(), practice_id => form.practice_id.clone() },
            roles => roles(), practices => practices,
            errors => errors.map(form_errors),
        },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn new(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_form(&state, &page, &UserForm::default(), None).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    FormData(form): FormData<UserForm>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let input = match UserInput::parse(&form.display_name, &form.email, &form.role, &form.practice_id) {
        Ok(i) => i,
        Err(e) => return render_form(&state, &page, &form, Some(&e)).await,
    };
    match add_user(&state.db, &p.scope(), &page.actor(), input).await {
        Ok((user, link)) => show_link(&state, &page, &user.display_name, &reset_path(&link), true),
        Err(AdminError::Invalid(e)) => render_form(&state, &page, &form, Some(&e)).await,
        Err(e) => Err(e.into()),
    }
}

fn show_link(state: &AppState, page: &Page, name: &str, path: &str, new_user: bool) -> Result<Response, PageError> {
    Ok(page
        .render(
            state,
            "pages/users/link.html",
            minijinja::context! { title => if new_user { "User added" } else { "Password reset link" }, name => name, path => path, new_user => new_user, hours => linkwell_app::users::RESET_LINK_HOURS },
        )?
        .into_response())
}

pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    render_show(&state, &page, parse_id(&id)?, None).await
}

async fn render_show(
    state: &AppState,
    page: &Page,
    id: UserId,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let user = state.db.user(&p.scope(), id).await?;
    let practices = state.db.practices_by_name(&p.scope()).await?;
    let practice = user.practice_id.and_then(|pid| practices.iter().find(|pr| pr.id == pid)).cloned();
    let practice_items: Vec<_> = practices
        .iter()
        .map(|pr| minijinja::context! { value => pr.id.to_string(), text => format!("{} ({})", pr.name, pr.ods_code), selected => Some(pr.id) == user.practice_id })
        .collect();
    let role_items: Vec<_> = Role::ALL
        .iter()
        .map(|r| minijinja::context! { value => r.as_str(), text => r.label(), selected => *r == user.role })
        .collect();
    let html = page.render(
        state,
        "pages/users/show.html",
        minijinja::context! {
            title => user.display_name.clone(),
            user => minijinja::value::Serde(&user),
            role_label => user.role.label(),
            practice => minijinja::value::Serde(practice),
            locked => state.db.sign_in_locked_anywhere(&p.scope(), user.id).await?,
            can_manage => p.can(Action::ManageUsers),
            is_self => user.id == p.user.id,
            role_items => role_items,
            practice_items => practice_items,
            errors => errors.map(form_errors),
        },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    practice_id: String,
    #[serde(default)]
    version: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    FormData(form): FormData<RoleForm>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    let assignment = match RoleAssignment::parse(&form.role, &form.practice_id) {
        Ok(a) => a,
        Err(e) => return render_show(&state, &page, id, Some(&e)).await,
    };
    let updated = match users::change_role(&state.db, &p, id, version, &assignment).await {
        Ok(u) => u,
        Err(AdminError::Invalid(v)) => return render_show(&state, &page, id, Some(&v)).await,
        Err(e) => return Err(e.into()),
    };
    page.done(
        &format!("{} is now {}", updated.display_name, updated.role.label().to_lowercase()),
        &format!("/admin/users/{id}"),
    )
    .await
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: String,
}

async fn set_disabled(
    state: AppState,
    page: Page,
    id: String,
    form: VersionForm,
    disabled: bool,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    let user = users::set_disabled(&state.db, &p, id, version, disabled).await?;
    let message = format!("{} has been {}", user.display_name, if disabled { "disabled" } else { "enabled again" });
    page.done(&message, &format!("/admin/users/{id}")).await
}

pub async fn disable(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    FormData(form): FormData<VersionForm>,
) -> Result<Response, PageError> {
    set_disabled(state, page, id, form, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    FormData(form): FormData<VersionForm>,
) -> Result<Response, PageError> {
    set_disabled(state, page, id, form, false).await
}

pub async fn reset_link(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let user = state.db.user(&p.scope(), parse_id(&id)?).await?;
    let link = issue_reset_link(&state.db, &p.scope(), &page.actor(), user.id).await.map_err(|e| match e {
        AdminError::Store(s) => PageError::from(s),
        other => PageError::Internal(other.to_string()),
    })?;
    show_link(&state, &page, &user.display_name, &reset_path(&link), false)
}
