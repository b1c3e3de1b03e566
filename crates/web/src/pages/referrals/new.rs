//! The referral form, for referrers and staff.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::authz::Action;
use linkwell_domain::people::PersonInput;
use linkwell_domain::people::Voice;
use linkwell_domain::referrals::{ReferralInput, ReferralSource, Urgency};
use linkwell_domain::{PersonId, ValidationErrors};
use linkwell_store::StoreError;
use linkwell_store::people::Person;
use minijinja::Value;

use crate::error::PageError;
use crate::pages::{FormPairs, Page, form_errors, form_status, path_id};
use crate::state::AppState;
use linkwell_app::casework::{self, CaseError, DuplicateChoice, Intake, IntakeDraft, IntakeOutcome, ProgrammeChoice};

use crate::pages::shared::*;

pub(super) async fn render_new(
    state: &AppState,
    page: &Page,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
    duplicates: &[Person],
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let scope = p.scope();
    let programmes = state.db.programmes(&scope).await?;
    let one = |name: &str| vec![form.get(name).to_owned()];
    let mut programme_items = vec![minijinja::context! { value => "", text => "Choose a programme" }];
    programme_items
        .extend(items(programmes.iter().map(|pr| (pr.id.to_string(), pr.name.as_str())), &one("programme_id")));
    let dups: Vec<Value> = duplicates
        .iter()
        .map(|d| {
            minijinja::context! {
                value => d.id.to_string(),
                text => format!("{} {}, born {}{}", d.given_name, d.family_name, linkwell_domain::time::display_date(d.date_of_birth), d.postcode.as_ref().map(|c| format!(", {c}")).unwrap_or_default()),
            }
        })
        .collect();
    let person = person_choices(state, &scope, form, p.user.practice_id, Voice::Staff).await?;
    let html = page.render(
        state,
        "pages/referrals/new.html",
        minijinja::context! {
            ..person,
            ..minijinja::context! {
                title => "Refer someone",
                sources => items(ReferralSource::open_to_role(p.user.role).iter().map(|s| (s.code(), s.label())), &one("source")),
                urgencies => items(Urgency::ALL.iter().map(|u| (u.code(), u.label())), &one("urgency")),
                programmes => programme_items,
                many_programmes => programmes.len() > 1,
                duplicates => dups,
                errors => errors.map(form_errors),
            }
        },
    )?;
    let status = if duplicates.is_empty() { form_status(errors) } else { StatusCode::OK };
    Ok((status, html).into_response())
}

pub async fn new(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    render_new(&state, &page, &FormPairs(vec![]), None, &[]).await
}

pub async fn create(State(state): State<AppState>, page: Page, form: FormPairs) -> Result<Response, PageError> {
    let p = page.caller()?;
    let mut pf = person_fields(&form);
    if let Some(practice) = p.user.practice_id {
        // A referrer refers for their own practice, whatever the form says.
        pf.practice_id = practice.to_string();
    }
    let draft = IntakeDraft {
        person: PersonInput::parse(&pf, p.organisation.test_mode, linkwell_app::today()),
        referral: ReferralInput::parse_by(p.user.role, &referral_fields(&form)),
        programme: ProgrammeChoice::Named(form.get("programme_id")),
        practice_field: "practice_id",
        errors: ValidationErrors::new(),
    };
    let checked = match draft.check(&state.db, &p.scope()).await {
        Ok(checked) => checked,
        Err(CaseError::Invalid(errors)) => return render_new(&state, &page, &form, Some(&errors), &[]).await,
        Err(e) => return Err(e.into()),
    };
    let intake = Intake::by(&p, checked, duplicate_choice(&p, form.get("duplicate"))?);
    match casework::intake(&state.db, &p.scope(), &page.actor(), &intake).await {
        Ok(IntakeOutcome::Created { referral, matched_existing }) => {
            // Only the team may learn that the person was known already.
            let known = if matched_existing && casework::IntakeFrom::of(&p) == casework::IntakeFrom::Team {
                " The person was already known to the service, so it was added to their record."
            } else {
                ""
            };
            let reference = referral.reference.as_ref().map(|r| format!(" Its reference is {r}.")).unwrap_or_default();
            let wait = casework::wait_sentence(casework::expected_wait(&state.db, &p.scope()).await?, false);
            let message = format!("Referral sent.{reference}{known} {wait}");
            page.done(&message, &format!("/referrals/{}", referral.id)).await
        }
        Ok(IntakeOutcome::PossibleDuplicates(found)) => {
            let ids: Vec<PersonId> = found.iter().map(|d| d.id).collect();
            casework::audit_shown(&state.db, &p, &ids, "possible_duplicate").await?;
            render_new(&state, &page, &form, None, &found).await
        }
        Err(StoreError::NotFound) => Err(PageError::BadRequest("The chosen record no longer exists.".into())),
        Err(e) => Err(e.into()),
    }
}

/// The form's answer to "is this one of these people?": nothing yet (check first), a new
/// record, or one of the records offered. Only staff who work cases are asked.
fn duplicate_choice(p: &linkwell_app::Caller, raw: &str) -> Result<DuplicateChoice, PageError> {
    Ok(match raw {
        _ if !p.can(Action::WorkCases) => DuplicateChoice::CreateAndFlag,
        "" => DuplicateChoice::Check,
        "new" => DuplicateChoice::CreateAndFlag,
        id => DuplicateChoice::Existing(
            path_id::<PersonId>(id)
                .map_err(|_| PageError::BadRequest("The chosen record is not one of those offered.".into()))?,
        ),
    })
}
