//! Listings as a spreadsheet: export, the template and the all-or-nothing import.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::error::PageError;
use crate::pages::{Page, form_errors, form_status};
use crate::state::AppState;

pub(crate) fn csv_download(name: &str, body: Vec<u8>) -> Response {
    crate::download::attachment(name, crate::download::CSV, body)
}

/// Every listing as CSV (a row per time it runs), for spreadsheets and other systems.
pub async fn export_csv(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.caller()?;
    let body = linkwell_app::directory::csv::export(&state.db, &p.scope()).await?;
    Ok(csv_download("directory.csv", body))
}

/// The import template: the columns and one example row.
pub async fn template_csv() -> Response {
    csv_download("directory-template.csv", linkwell_app::directory::csv::template())
}

pub(super) async fn render_import(
    state: &AppState,
    page: &Page,
    report: Option<&linkwell_app::directory::csv::CsvReport>,
) -> Result<Response, PageError> {
    let errors = report.filter(|r| !r.errors.is_empty()).map(linkwell_app::directory::csv::as_errors);
    let html = page.render(
        state,
        "pages/directory/import.html",
        minijinja::context! {
            title => "Import listings from a spreadsheet",
            columns => linkwell_app::directory::csv::COLUMNS.iter().map(|(c, d)| minijinja::context! { name => *c, description => *d }).collect::<Vec<_>>(),
            problems => report.map(|r| r.errors.clone()).unwrap_or_default(),
            errors => errors.as_ref().map(form_errors),
        },
    )?;
    Ok((form_status(errors.as_ref()), html).into_response())
}

pub async fn import_form(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_import(&state, &page, None).await
}

/// Import a CSV file of listings: all or nothing, each problem by line and column.
pub async fn import_csv(
    State(state): State<AppState>,
    page: Page,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let unreadable = || {
        PageError::BadRequest(
            "The upload could not be read. Choose the file on the import page, then upload it.".into(),
        )
    };
    let mut multipart = multipart.map_err(|_| unreadable())?;
    let mut data = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("file") {
            data = Some(field.bytes().await.map_err(|_| unreadable())?);
        }
    }
    let data = match data {
        Some(d) if !d.is_empty() => d,
        _ => {
            let report = linkwell_app::directory::csv::CsvReport {
                errors: vec!["Choose a CSV file to import".into()],
                ..Default::default()
            };
            return render_import(&state, &page, Some(&report)).await;
        }
    };
    let report = linkwell_app::directory::listings::import_sheet(&state.db, &state.search, &p, &data).await?;
    if !report.errors.is_empty() {
        return render_import(&state, &page, Some(&report)).await;
    }
    let message = format!(
        "Imported {} listings: {} new, {} updated",
        report.created + report.updated,
        report.created,
        report.updated
    );
    page.done(&message, "/directory").await
}
