//! The personalised care and support plan: the current version (printable for the person),
//! editing (every save is a new version), and the history of versions.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::plans::{ActionFields, GoalFields, Plan, PlanFields};
use linkwell_domain::referrals::Need;
use linkwell_domain::time::DateEntry;
use linkwell_store::StoreError;
use linkwell_store::plans::PlanVersion;
use linkwell_store::referrals::Referral;
use minijinja::Value;
use minijinja::value::Serde;

use super::shared::items;
use super::{FormPairs, Page, form_errors, path_id};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework::open_case;

/// One blank goal and one blank action on a form opened to edit ("Add another" adds more).
const SPARE: Blank = Blank { goals: 1, actions: 1 };

/// The plan form's fields from numbered rows (`goals[0].text`, `actions[1].done`, …); a
/// date is three boxes (`goals[0].target_day`, `_month`, `_year`).
pub fn plan_fields(f: &FormPairs) -> PlanFields {
    let row = |prefix: &str, i: usize, field: &str| f.get(&format!("{prefix}[{i}].{field}")).to_owned();
    let date = |name: &str| {
        DateEntry::boxes(f.get(&format!("{name}_day")), f.get(&format!("{name}_month")), f.get(&format!("{name}_year")))
    };
    PlanFields {
        what_matters: f.get("what_matters").into(),
        strengths: f.get("strengths").into(),
        needs: f.all("needs"),
        goals: (0..f.rows("goals"))
            .map(|i| GoalFields {
                text: row("goals", i, "text"),
                target: date(&format!("goals[{i}].target")),
                progress: row("goals", i, "progress"),
            })
            .collect(),
        actions: (0..f.rows("actions"))
            .map(|i| ActionFields {
                who: row("actions", i, "who"),
                what: row("actions", i, "what"),
                by: date(&format!("actions[{i}].by")),
                done: f.checked(&format!("actions[{i}].done")),
            })
            .collect(),
        tools: f.all("tools"),
        next_review: date("next_review"),
    }
}

/// A date entry's three boxes for the form.
fn boxes(entry: &DateEntry) -> Value {
    let (day, month, year) = entry.typed_boxes();
    minijinja::context! { day => day, month => month, year => year }
}

/// The rows of the form from a plan (or what was entered, row for row, so that errors keep
/// naming theirs), then `blank` more goals and actions (a new one to fill, or "Add another").
fn form_rows(fields: &PlanFields, blank: Blank) -> (Vec<Value>, Vec<Value>) {
    let mut goals: Vec<Value> = fields
        .goals
        .iter()
        .map(|g| minijinja::context! { text => g.text.clone(), target => boxes(&g.target), progress => g.progress.clone() })
        .collect();
    let mut actions: Vec<Value> = fields
        .actions
        .iter()
        .map(|a| minijinja::context! { who => a.who.clone(), what => a.what.clone(), by => boxes(&a.by), done => a.done })
        .collect();
    let empty = DateEntry::default();
    for _ in 0..blank.goals {
        goals.push(minijinja::context! { text => "", target => boxes(&empty), progress => "" });
    }
    for _ in 0..blank.actions {
        actions.push(minijinja::context! { who => "", what => "", by => boxes(&empty), done => false });
    }
    (goals, actions)
}

/// How many blank goal and action rows to add to the form.
#[derive(Clone, Copy)]
struct Blank {
    goals: usize,
    actions: usize,
}

fn fields_of(plan: &Plan) -> PlanFields {
    let date = |d: Option<jiff::civil::Date>| d.map(DateEntry::of).unwrap_or_default();
    PlanFields {
        what_matters: plan.what_matters.clone(),
        strengths: plan.strengths.clone(),
        needs: plan.needs.clone(),
        goals: plan
            .goals
            .iter()
            .map(|g| GoalFields { text: g.text.clone(), target: date(g.target), progress: g.progress.to_string() })
            .collect(),
        actions: plan
            .actions
            .iter()
            .map(|a| ActionFields { who: a.who.clone(), what: a.what.clone(), by: date(a.by), done: a.done })
            .collect(),
        tools: plan.tools.clone(),
        next_review: date(plan.next_review),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_edit(
    state: &AppState,
    page: &Page,
    r: &Referral,
    fields: &PlanFields,
    based_on: i64,
    blank: Blank,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let person = state.db.person(&p.scope(), r.person_id).await?;
    let (goals, actions) = form_rows(fields, blank);
    // The organisation's offered tools, and any this plan already gave that are no longer offered.
    let listed = state.db.tools(&p.scope()).await?;
    let mut names: Vec<String> = listed.iter().filter(|t| !t.retired).map(|t| t.name.clone()).collect();
    names.extend(fields.tools.iter().filter(|t| !names.contains(t)).cloned().collect::<Vec<_>>());
    let html = page.render(
        state,
        "pages/plans/edit.html",
        minijinja::context! {
            title => "Personalised care and support plan",
            name => format!("{} {}", person.given_name, person.family_name),
            referral_id => r.id.to_string(),
            based_on => based_on,
            what_matters => fields.what_matters.clone(),
            strengths => fields.strengths.clone(),
            needs => items(Need::ALL.iter().map(|n| (n.code(), n.label())), &fields.needs),
            goals => goals,
            actions => actions,
            tools => items(names.iter().map(|n| (n.as_str(), n.as_str())), &fields.tools),
            next_review => boxes(&fields.next_review),
            errors => errors.map(form_errors),
        },
    )?;
    Ok((status, html).into_response())
}

pub async fn edit(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let current = state.db.current_plan(&p.scope(), r.id).await?;
    let (fields, based_on) = match &current {
        Some(v) => (fields_of(&v.plan), v.version),
        // A first plan starts from the needs the referral gave.
        None => (PlanFields { needs: r.needs.iter().map(|n| n.code().to_owned()).collect(), ..Default::default() }, 0),
    };
    render_edit(&state, &page, &r, &fields, based_on, SPARE, None, StatusCode::OK).await
}

pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let based_on = form
        .get("based_on")
        .trim()
        .parse::<i64>()
        .map_err(|_| PageError::BadRequest("The form was missing the plan version.".into()))?;
    let fields = plan_fields(&form);
    // "Add another goal" or "action" without JavaScript: the same form back with one more
    // row, nothing saved.
    let none = Blank { goals: 0, actions: 0 };
    match form.get("add") {
        "goal" => {
            return render_edit(&state, &page, &r, &fields, based_on, Blank { goals: 1, ..none }, None, StatusCode::OK)
                .await;
        }
        "action" => {
            return render_edit(
                &state,
                &page,
                &r,
                &fields,
                based_on,
                Blank { actions: 1, ..none },
                None,
                StatusCode::OK,
            )
            .await;
        }
        _ => {}
    }
    let plan = match Plan::parse(&fields) {
        Ok(plan) => plan,
        Err(e) => {
            return render_edit(&state, &page, &r, &fields, based_on, none, Some(&e), StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    match linkwell_app::casework::save_plan(&state.db, &p, &r, based_on, &plan).await {
        Ok(v) => page.done(&format!("Plan saved (version {})", v.version), &format!("/referrals/{}/plan", r.id)).await,
        Err(linkwell_app::casework::CaseError::Invalid(e)) => {
            render_edit(&state, &page, &r, &fields, based_on, none, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(linkwell_app::casework::CaseError::Store(StoreError::Conflict)) => {
            let e = ValidationErrors::single(
                "what_matters",
                "Someone else saved this plan while you were editing it. Your changes are below but were not saved: check the current plan, then save again.",
            );
            let latest = state.db.current_plan(&p.scope(), r.id).await?.map(|v| v.version).unwrap_or(0);
            render_edit(&state, &page, &r, &fields, latest, none, Some(&e), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn render_plan(
    state: &AppState,
    page: &Page,
    r: &Referral,
    shown: Option<&PlanVersion>,
    versions: &[PlanVersion],
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let scope = p.scope();
    let person = state.db.person(&scope, r.person_id).await?;
    let mut ids: Vec<String> = versions.iter().filter_map(|v| v.saved_by.clone()).collect();
    ids.sort();
    ids.dedup();
    let users = state.db.users_by_ids(&scope, &ids).await?;
    let by = |v: &PlanVersion| {
        v.saved_by
            .as_ref()
            .and_then(|id| users.iter().find(|u| &u.id.to_string() == id))
            .map(|u| u.display_name.clone())
    };
    let history: Vec<Value> = versions
        .iter()
        .map(|v| minijinja::context! { version => v.version, saved_at => v.saved_at, saved_by => by(v) })
        .collect();
    let latest = versions.first().map(|v| v.version);
    let html = page.render(
        state,
        "pages/plans/show.html",
        minijinja::context! {
            title => "Personalised care and support plan",
            name => format!("{} {}", person.given_name, person.family_name),
            person => Serde(&person),
            referral_id => r.id.to_string(),
            plan => Serde(shown.map(|v| &v.plan)),
            version => shown.map(|v| v.version),
            saved_at => shown.map(|v| v.saved_at),
            saved_by => shown.and_then(by),
            is_latest => shown.map(|v| v.version) == latest,
            needs => shown.map(|v| v.plan.needs.iter().filter_map(|n| Need::parse(n).ok()).map(|n| n.label()).collect::<Vec<_>>()),
            history => history,
            can_edit => !r.status.is_closed(),
            prescriptions => super::shared::prescription_rows(&state.db.prescriptions_for_referral(&scope, r.id).await?),
        },
    )?;
    Ok(html.into_response())
}

pub async fn show(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let versions = state.db.plan_versions(&p.scope(), r.id).await?;
    render_plan(&state, &page, &r, versions.first(), &versions).await
}

pub async fn version(
    State(state): State<AppState>,
    page: Page,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let r = open_case(&state.db, &p, path_id(&id)?).await?;
    let version: i64 = path_id(&version)?;
    let versions = state.db.plan_versions(&p.scope(), r.id).await?;
    let shown = versions.iter().find(|v| v.version == version).ok_or(PageError::NotFound)?;
    render_plan(&state, &page, &r, Some(shown), &versions).await
}

/// A version of the plan as a PDF for the person to take home.
pub async fn pdf(
    State(state): State<AppState>,
    page: Page,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let version: i64 = path_id(&version)?;
    let doc = linkwell_app::casework::plan_copy(&state.db, &page.caller()?, path_id(&id)?, version).await?;
    Ok(crate::pdf::attachment(&doc, &linkwell_app::casework::plan_copy_filename(version)))
}
