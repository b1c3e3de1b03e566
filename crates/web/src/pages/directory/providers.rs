//! The organisations that run listings.

use crate::input::Path;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::directory::listings;
use linkwell_domain::ValidationErrors;
use linkwell_domain::authz::Action;
use linkwell_domain::directory::{ProviderFields, ProviderInput, ProviderKind};
use minijinja::Value;
use minijinja::value::Serde;

use crate::error::PageError;
use crate::pages::shared::*;
use crate::pages::{FormPairs, Page, form_errors, form_status, form_version, path_id};
use crate::state::AppState;

pub(super) fn provider_fields(f: &FormPairs) -> ProviderFields {
    ProviderFields {
        name: f.get("name").into(),
        kind: f.get("kind").into(),
        description: f.get("description").into(),
        website: f.get("website").into(),
        email: f.get("email").into(),
        phone: f.get("phone").into(),
    }
}

pub(super) async fn render_providers(
    state: &AppState,
    page: &Page,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let providers = state.db.providers(&p.scope()).await?;
    let rows: Vec<Value> = providers
        .iter()
        .map(|x| minijinja::context! { id => x.id.to_string(), name => x.name.clone(), kind => x.kind.label(), website => x.website.clone() })
        .collect();
    let html = page.render(
        state,
        "pages/directory/providers.html",
        minijinja::context! {
            title => "Organisations in the directory",
            rows => rows,
            form => form.values(),
            errors => errors.map(form_errors),
            kinds => items(ProviderKind::ALL.iter().map(|k| (k.code(), k.label())), &form.all("kind")),
            can_edit => p.can(Action::EditDirectory),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn providers(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_providers(&state, &page, &FormPairs(vec![]), None).await
}

pub async fn create_provider(
    State(state): State<AppState>,
    page: Page,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let input = match ProviderInput::parse(&provider_fields(&form)) {
        Ok(i) => i,
        Err(e) => return render_providers(&state, &page, &form, Some(&e)).await,
    };
    let saved = listings::add_provider(&state.db, &p, &input).await?;
    page.done(&format!("{} added", saved.name), "/directory/providers").await
}

pub(super) async fn render_provider_edit(
    state: &AppState,
    page: &Page,
    provider: &linkwell_store::directory::Provider,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let html = page.render(
        state,
        "pages/directory/provider.html",
        minijinja::context! {
            title => format!("Change {}", provider.name),
            provider => Serde(provider),
            form => form.values(),
            errors => errors.map(form_errors),
            kinds => items(ProviderKind::ALL.iter().map(|k| (k.code(), k.label())), &form.all("kind")),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn edit_provider(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let provider = state.db.provider(&p.scope(), path_id(&id)?).await?;
    let form = FormPairs(vec![
        ("name".into(), provider.name.clone()),
        ("kind".into(), provider.kind.code().into()),
        ("description".into(), provider.description.clone()),
        ("website".into(), provider.website.clone().unwrap_or_default()),
        ("email".into(), provider.email.clone().unwrap_or_default()),
        ("phone".into(), provider.phone.clone().unwrap_or_default()),
        ("version".into(), provider.version.to_string()),
    ]);
    render_provider_edit(&state, &page, &provider, &form, None).await
}

pub async fn update_provider(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let provider = state.db.provider(&p.scope(), path_id(&id)?).await?;
    let version = form_version(form.get("version"))?;
    let input = match ProviderInput::parse(&provider_fields(&form)) {
        Ok(i) => i,
        Err(e) => return render_provider_edit(&state, &page, &provider, &form, Some(&e)).await,
    };
    let saved = listings::change_provider(&state.db, &state.search, &p, provider.id, version, &input).await?;
    page.done(&format!("{} saved", saved.name), "/directory/providers").await
}
