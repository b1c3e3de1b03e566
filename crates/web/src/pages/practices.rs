//! GP practices (list for staff; add and edit for admins) and sites and rooms (admins).

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::organisation::{add_room, add_site};
use linkwell_domain::authz::Action;
use linkwell_domain::organisations::{PracticeInput, SiteInput, room_name};
use linkwell_domain::{PracticeId, SiteId, ValidationErrors};
use linkwell_store::StoreError;
use serde::Deserialize;

use super::{FormData, Page, form_errors, form_version};
use crate::error::PageError;
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.caller()?;
    let practices = state.db.practices_by_name(&p.scope()).await?;
    Ok(page
        .render(
            &state,
            "pages/practices/list.html",
            minijinja::context! { title => "Practices", practices => minijinja::value::Serde(practices), can_manage => p.can(Action::ManagePractices) },
        )?
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct PracticeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    ods_code: String,
    #[serde(default)]
    version: String,
}

fn render_form(
    state: &AppState,
    page: &Page,
    id: Option<PracticeId>,
    form: &PracticeForm,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let html = page.render(
        state,
        "pages/practices/form.html",
        minijinja::context! {
            title => if id.is_some() { "Change practice" } else { "Add a practice" },
            action => match id { Some(id) => format!("/practices/{id}"), None => "/practices".into() },
            form => minijinja::context! { name => form.name.clone(), ods_code => form.ods_code.clone(), version => form.version.clone() },
            errors => errors.map(form_errors),
        },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn new(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_form(&state, &page, None, &PracticeForm::default(), None)
}

fn duplicate_ods() -> ValidationErrors {
    ValidationErrors::single("ods_code", "A practice with this ODS code already exists")
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    FormData(form): FormData<PracticeForm>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let input = match PracticeInput::parse(&form.name, &form.ods_code) {
        Ok(i) => i,
        Err(e) => return render_form(&state, &page, None, &form, Some(&e)),
    };
    match state.db.create_practice(&p.scope(), &page.actor(), &input).await {
        Ok(pr) => page.done(&format!("{} added", pr.name), "/practices").await,
        Err(StoreError::Duplicate { .. }) => render_form(&state, &page, None, &form, Some(&duplicate_ods())),
        Err(e) => Err(e.into()),
    }
}

pub async fn edit(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id: PracticeId = id.parse().map_err(|_| PageError::NotFound)?;
    let pr = state.db.practice(&p.scope(), id).await?;
    let form = PracticeForm { name: pr.name, ods_code: pr.ods_code, version: pr.version.to_string() };
    render_form(&state, &page, Some(id), &form, None)
}

pub async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    FormData(form): FormData<PracticeForm>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let id: PracticeId = id.parse().map_err(|_| PageError::NotFound)?;
    let version = form_version(&form.version)?;
    let input = match PracticeInput::parse(&form.name, &form.ods_code) {
        Ok(i) => i,
        Err(e) => return render_form(&state, &page, Some(id), &form, Some(&e)),
    };
    match state.db.update_practice(&p.scope(), &page.actor(), id, version, &input).await {
        Ok(pr) => page.done(&format!("{} saved", pr.name), "/practices").await,
        Err(StoreError::Duplicate { .. }) => render_form(&state, &page, Some(id), &form, Some(&duplicate_ods())),
        Err(StoreError::Conflict) => {
            let e = ValidationErrors::single(
                "name",
                "Someone else changed this practice while you were editing it. Your changes have not been saved: check the current details below and make your change again.",
            );
            // Show the current record, so the user sees what changed.
            let current = state.db.practice(&p.scope(), id).await?;
            let form =
                PracticeForm { name: current.name, ods_code: current.ods_code, version: current.version.to_string() };
            let mut r = render_form(&state, &page, Some(id), &form, Some(&e))?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn sites(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_sites(&state, &page, None, StatusCode::OK).await
}

async fn render_sites(
    state: &AppState,
    page: &Page,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let sites = state.db.sites_with_rooms(&p.scope()).await?;
    let practices = state.db.practices_by_name(&p.scope()).await?;
    let sites: Vec<_> = sites
        .into_iter()
        .map(|(s, rooms)| {
            let practice = s.practice_id.and_then(|id| practices.iter().find(|p| p.id == id)).map(|p| p.name.clone());
            minijinja::context! { id => s.id.to_string(), name => s.name, address => s.address, postcode => s.postcode, practice => practice, rooms => rooms.into_iter().map(|r| r.name).collect::<Vec<_>>() }
        })
        .collect();
    let practice_items: Vec<_> =
        practices.iter().map(|p| minijinja::context! { value => p.id.to_string(), text => p.name.clone() }).collect();
    let html = page.render(state, "pages/admin/sites.html", minijinja::context! { title => "Sites and rooms", sites => sites, practices => practice_items, errors => errors.map(form_errors) })?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
pub struct SiteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    practice_id: String,
}

pub async fn create_site(
    State(state): State<AppState>,
    page: Page,
    FormData(form): FormData<SiteForm>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let mut errors = ValidationErrors::new();
    let input = SiteInput::parse(&form.name, &form.address).map_err(|e| errors.errors.extend(e.errors)).ok();
    let practice_id = match form.practice_id.trim() {
        "" => None,
        s => errors.check("practice_id", s.parse::<PracticeId>().map_err(|_| "Select a practice from the list")),
    };
    let Some(input) = input.filter(|_| errors.is_empty()) else {
        return render_sites(&state, &page, Some(&errors), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match add_site(&state.db, &p.scope(), &p.actor(), &input, practice_id, "practice_id").await {
        Ok(_) => {}
        Err(CaseError::Invalid(errors)) => {
            return render_sites(&state, &page, Some(&errors), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e.into()),
    }
    let name = input.name;
    page.done(&format!("{name} added"), "/admin/sites").await
}

#[derive(Deserialize)]
pub struct RoomForm {
    #[serde(default)]
    name: String,
}

pub async fn create_room(
    State(state): State<AppState>,
    page: Page,
    Path(site): Path<String>,
    FormData(form): FormData<RoomForm>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let site: SiteId = site.parse().map_err(|_| PageError::NotFound)?;
    if !state.db.sites_with_rooms(&p.scope()).await?.iter().any(|(s, _)| s.id == site) {
        return Err(PageError::NotFound);
    }
    let field = format!("room_name_{site}");
    let name = match room_name(&form.name) {
        Ok(n) => n,
        Err(m) => {
            let errors = ValidationErrors::single(&field, m);
            return render_sites(&state, &page, Some(&errors), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match add_room(&state.db, &p.scope(), &p.actor(), site, &name).await {
        Ok(_) => page.done(&format!("{name} added"), "/admin/sites").await,
        Err(StoreError::Duplicate { .. }) => {
            render_sites(
                &state,
                &page,
                Some(&ValidationErrors::single(&field, "This site already has a room with that name")),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
