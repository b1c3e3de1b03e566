//! Programmes and their session rules (admins).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::sessions::{Minutes, ProgrammeRules};
use linkwell_domain::validation::required_text;
use linkwell_store::StoreError;
use minijinja::value::Serde;

use super::{FormPairs, Page, form_errors};
use crate::error::PageError;
use crate::state::AppState;

async fn render(
    state: &AppState,
    page: &Page,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let programmes = state.db.programmes(&p.scope()).await?;
    let defaults = ProgrammeRules::default();
    let mut values = form.values();
    for (k, v) in [
        ("initial_minutes", defaults.initial_length.get().to_string()),
        ("follow_up_minutes", defaults.follow_up_length.get().to_string()),
        ("max_follow_ups", defaults.max_follow_ups.to_string()),
        ("contact_attempt_limit", defaults.contact_attempt_limit.to_string()),
    ] {
        values.entry(k.to_owned()).or_insert(v);
    }
    let html = page.render(
        state,
        "pages/admin/programmes.html",
        minijinja::context! { title => "Programmes", programmes => Serde(programmes), form => values, errors => errors.map(form_errors) },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render(&state, &page, &FormPairs(vec![]), None).await
}

/// A programme's rules from a form, each problem under its field.
pub fn parse_rules(f: &FormPairs) -> Result<ProgrammeRules, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let minutes =
        |raw: &str| raw.trim().parse::<u16>().map_err(|_| "Enter a length in minutes, like 45").and_then(Minutes::new);
    let count = |raw: &str, max: u32, what: &str| {
        raw.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or(format!("Enter {what}, a whole number from 0 to {max}"))
    };
    let initial = e.check("initial_minutes", minutes(f.get("initial_minutes")));
    let follow_up = e.check("follow_up_minutes", minutes(f.get("follow_up_minutes")));
    let max = e.check("max_follow_ups", count(f.get("max_follow_ups"), 50, "the number of follow-up sessions"));
    let attempts = e.check(
        "contact_attempt_limit",
        count(f.get("contact_attempt_limit"), 20, "the number of contact attempts")
            .and_then(|n| if n == 0 { Err("Allow at least 1 contact attempt".to_owned()) } else { Ok(n) }),
    );
    match (initial, follow_up, max, attempts) {
        (Some(initial_length), Some(follow_up_length), Some(max_follow_ups), Some(contact_attempt_limit))
            if e.is_empty() =>
        {
            Ok(ProgrammeRules { initial_length, follow_up_length, max_follow_ups, contact_attempt_limit })
        }
        _ => Err(e),
    }
}

pub async fn create(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    let mut e = ValidationErrors::new();
    let name = e.check("name", required_text("the programme name", form.get("name"), 200));
    let commissioner = e.check(
        "commissioner",
        linkwell_domain::validation::optional_text("Commissioner", form.get("commissioner"), 200),
    );
    let rules = parse_rules(&form).map_err(|err| e.errors.extend(err.errors)).ok();
    let date = |field: &str, e: &mut ValidationErrors| match form.get(field).trim() {
        "" => None,
        s => e.check(field, s.parse::<jiff::civil::Date>().map_err(|_| "Enter a real date, like 2026-04-01")),
    };
    let funding = match (date("funded_from", &mut e), date("funded_to", &mut e)) {
        (Some(from), Some(to)) if from < to => Some((from, to)),
        (Some(_), Some(_)) => {
            e.add("funded_to", "The funding must end after it starts");
            None
        }
        (Some(_), None) if e.for_field("funded_to").is_none() => {
            e.add("funded_to", "Enter when the funding ends");
            None
        }
        (None, Some(_)) if e.for_field("funded_from").is_none() => {
            e.add("funded_from", "Enter when the funding starts");
            None
        }
        _ => None,
    };
    let (Some(name), Some(commissioner), Some(rules)) = (name, commissioner, rules) else {
        return render(&state, &page, &form, Some(&e)).await;
    };
    if !e.is_empty() {
        return render(&state, &page, &form, Some(&e)).await;
    }
    match state.db.create_programme_funded(&p.scope(), &page.actor(), &name, rules, &commissioner, funding).await {
        Ok(_) => page.done(&format!("{name} added"), "/admin/programmes").await,
        Err(StoreError::Duplicate { .. }) => {
            render(
                &state,
                &page,
                &form,
                Some(&ValidationErrors::single("name", "A programme with this name already exists")),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
