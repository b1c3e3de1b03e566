//! Reports on pages: the service's activity and outcomes over a period, filtered, as
//! tables with accessible charts, and the same report to download as CSV or XLSX. A
//! commissioner sees and downloads it suppressed; every view and download is audited.

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::reports::{Report, choices, report, to_csv, to_xlsx};
use linkwell_domain::outcomes::suppression::Shown;
use linkwell_domain::reporting::filter::ReportFields;
use linkwell_domain::reporting::tables::{ShownTable, StatTable};
use minijinja::Value;

use super::shared::{bar_chart, items};
use super::{Page, form_errors, form_status};
use crate::error::PageError;
use crate::state::AppState;

/// Tables drawn as a bar chart as well (one column of counts each).
const CHARTED: &[&str] = &["referrals_by_practice", "referrals_by_need"];

fn shown(s: &Option<Shown>) -> String {
    s.map(|s| s.to_string()).unwrap_or_else(|| "–".into())
}

fn count_view(t: &ShownTable) -> Value {
    let chart = CHARTED.contains(&t.key).then(|| {
        let rows: Vec<(String, Option<f64>)> = t
            .rows
            .iter()
            .map(|r| {
                let v = match r.cells.first() {
                    Some(Shown::Count(n)) => Some(*n as f64),
                    Some(Shown::Value(v)) => Some(*v),
                    _ => None,
                };
                (r.label.clone(), v)
            })
            .collect();
        let description = rows
            .iter()
            .map(|(l, v)| format!("{l}: {}", v.map_or("suppressed".to_owned(), |v| format!("{v}"))))
            .collect::<Vec<_>>()
            .join("; ");
        bar_chart(t.key, &t.title, &description, &rows)
    });
    minijinja::context! {
        key => t.key, title => t.title.clone(), row_heading => t.row_heading.clone(), columns => t.columns.clone(),
        several => t.grand.is_some(), chart => chart,
        rows => t.rows.iter().map(|r| minijinja::context! {
            label => r.label.clone(), cells => r.cells.iter().map(|c| c.to_string()).collect::<Vec<_>>(), total => shown(&r.total),
        }).collect::<Vec<_>>(),
        totals => t.totals.iter().map(|c| c.to_string()).collect::<Vec<_>>(), grand => shown(&t.grand),
    }
}

fn stat_view(t: &StatTable) -> Value {
    minijinja::context! {
        key => t.key, title => t.title.clone(), row_heading => t.row_heading.clone(), columns => t.columns.clone(),
        rows => t.rows.iter().map(|r| minijinja::context! {
            label => r.label.clone(), n => r.n.to_string(), values => r.values.iter().map(shown).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
    }
}

/// The query string of a report's filters, for its download links.
fn query_of(f: &ReportFields) -> String {
    let pairs = [
        ("from", &f.from),
        ("to", &f.to),
        ("programme", &f.programme),
        ("practice", &f.practice),
        ("worker", &f.worker),
    ];
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.trim().is_empty() {
            q.append_pair(k, v.trim());
        }
    }
    q.finish()
}

async fn render(
    state: &AppState,
    page: &Page,
    fields: &ReportFields,
    found: Result<Report, linkwell_domain::ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let (programmes, practices, workers) = choices(&state.db, &p.scope()).await?;
    let any = |label: &str, list: Vec<(String, String)>, chosen: &str| {
        let mut all = vec![minijinja::context! { value => "", text => label }];
        all.extend(items(list, &[chosen.trim().to_owned()]));
        all
    };
    let (report, errors) = match &found {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e)),
    };
    let html = page.render(
        state,
        "pages/reports/show.html",
        minijinja::context! {
            title => "Reports",
            defines_questionnaires => p.can(linkwell_domain::authz::Action::DefineQuestionnaires),
            exports_dataset => p.can(linkwell_domain::authz::Action::ExportDataset),
            form => minijinja::context! { from => fields.from.clone(), to => fields.to.clone() },
            programmes => any("All programmes", programmes, &fields.programme),
            practices => any("All practices", practices, &fields.practice),
            workers => any("All link workers", workers, &fields.worker),
            report => report.map(|r| minijinja::context! {
                from => r.from.clone(), to => r.to.clone(), suppressed => r.suppressed,
                programme => r.programme.clone(), practice => r.practice.clone(), worker => r.worker.clone(),
                headlines => r.headlines.iter().map(|h| minijinja::context! { label => h.label, value => shown(&h.value) }).collect::<Vec<_>>(),
                counts => r.counts.iter().map(count_view).collect::<Vec<_>>(),
                statistics => r.statistics.iter().map(stat_view).collect::<Vec<_>>(),
            }),
            query => query_of(fields),
            errors => errors.map(form_errors),
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

/// The report page: filters, headline figures, then each table.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(fields): Query<ReportFields>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    match report(&state.db, &p, &fields, "page").await {
        Ok(r) => render(&state, &page, &fields, Ok(r)).await,
        Err(CaseError::Invalid(e)) => render(&state, &page, &fields, Err(e)).await,
        Err(e) => Err(e.into()),
    }
}

/// A file the report downloads as: its extension, content type and writer.
struct Format {
    extension: &'static str,
    content_type: &'static str,
    write: fn(&Report) -> Result<Vec<u8>, String>,
}

const CSV: Format =
    Format { extension: "csv", content_type: crate::download::CSV, write: |r| to_csv(r).map_err(|e| e.to_string()) };

const XLSX: Format = Format {
    extension: "xlsx",
    content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    write: |r| to_xlsx(r).map_err(|e| e.to_string()),
};

/// The report as a file named for its period, or its page with the filters' errors.
async fn download(state: &AppState, page: &Page, fields: &ReportFields, f: Format) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = match report(&state.db, &p, fields, f.extension).await {
        Ok(r) => r,
        Err(CaseError::Invalid(e)) => return render(state, page, fields, Err(e)).await,
        Err(e) => return Err(e.into()),
    };
    let body = (f.write)(&r).map_err(PageError::Internal)?;
    let file = format!("linkwell-report-{}-to-{}.{}", r.from, r.to, f.extension);
    Ok(crate::download::attachment(&file, f.content_type, body))
}

/// The report as CSV, every table under its title.
pub async fn csv(
    State(state): State<AppState>,
    page: Page,
    Query(fields): Query<ReportFields>,
) -> Result<Response, PageError> {
    download(&state, &page, &fields, CSV).await
}

/// The report as an XLSX workbook, a sheet per table.
pub async fn xlsx(
    State(state): State<AppState>,
    page: Page,
    Query(fields): Query<ReportFields>,
) -> Result<Response, PageError> {
    download(&state, &page, &fields, XLSX).await
}

/// The social prescribing minimum dataset extract of the period (coordinators): a
/// pseudonymised row a referral, as CSV; or the report page with the filters' errors.
pub async fn dataset(
    State(state): State<AppState>,
    page: Page,
    Query(fields): Query<ReportFields>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let d = match linkwell_app::reports::dataset(&state.db, &p, &fields).await {
        Ok(d) => d,
        Err(CaseError::Invalid(e)) => return render(&state, &page, &fields, Err(e)).await,
        Err(e) => return Err(e.into()),
    };
    let body = d.to_csv().map_err(|e| PageError::Internal(e.to_string()))?;
    let file = format!("linkwell-dataset-{}-to-{}.csv", d.from, d.to);
    Ok(crate::download::attachment(&file, crate::download::CSV, body))
}
