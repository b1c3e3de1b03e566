//! The public self-referral form, for organisations that open it: anyone can refer
//! themselves without signing in. Possible duplicates are never shown here (that would
//! reveal who else the service knows); the coordinator sees and merges them at triage.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use linkwell_domain::people::PersonInput;
use linkwell_domain::referrals::ReferralInput;
use linkwell_store::organisations::Organisation;
use linkwell_store::{Actor, OrgScope};

use super::shared::{person_choices, person_fields, referral_fields};
use super::{FormPairs, Page, form_errors, form_status};
use crate::error::PageError;
use crate::state::AppState;
use linkwell_app::casework::{self, CaseError, Intake, IntakeDraft, IntakeOutcome, ProgrammeChoice};

/// The organisation, if it has opened self-referral; otherwise the form does not exist.
async fn open_org(state: &AppState, slug: &str) -> Result<Organisation, PageError> {
    match state.db.organisation_by_slug(slug).await {
        Ok(org) if org.self_referral_enabled => Ok(org),
        _ => Err(PageError::NotFound),
    }
}

async fn render(
    state: &AppState,
    page: &Page,
    org: &Organisation,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let person = person_choices(state, &OrgScope::new(org.id), form, None).await?;
    let html = page.render(
        state,
        "pages/self_referral.html",
        minijinja::context! {
            ..person,
            ..minijinja::context! {
                title => format!("Refer yourself to {}", org.name),
                organisation => org.name.clone(),
                slug => org.slug.clone(),
                self_referral => true,
                errors => errors.map(form_errors),
            }
        },
    )?;
    Ok((form_status(errors), html).into_response())
}

pub async fn form(State(state): State<AppState>, page: Page, Path(slug): Path<String>) -> Result<Response, PageError> {
    let org = open_org(&state, &slug).await?;
    render(&state, &page, &org, &FormPairs(vec![]), None).await
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let org = open_org(&state, &slug).await?;
    let scope = OrgScope::new(org.id);
    let mut rf = referral_fields(&form);
    rf.source = "self".into();
    rf.urgency = "routine".into();
    let draft = IntakeDraft {
        person: PersonInput::parse(&person_fields(&form), org.test_mode, linkwell_app::today()),
        referral: ReferralInput::parse(&rf),
        programme: ProgrammeChoice::First,
        practice_field: "practice_id",
        errors: ValidationErrors::new(),
    };
    let checked = match draft.check(&state.db, &scope).await {
        Ok(checked) => checked,
        Err(CaseError::Invalid(errors)) => return render(&state, &page, &org, &form, Some(&errors)).await,
        Err(e) => return Err(e.into()),
    };
    let intake = Intake::by_the_person(checked);
    let actor = Actor { user_id: None, request_id: page.request_id.clone() };
    match casework::intake(&state.db, &scope, &actor, &intake).await? {
        IntakeOutcome::Created { referral, .. } => {
            let wait = casework::wait_sentence(casework::expected_wait(&state.db, &scope).await?, true);
            let html = page.render(
                &state,
                "pages/self_referral_sent.html",
                minijinja::context! {
                    title => "Your referral has been sent", organisation => org.name,
                    reference => referral.reference.as_ref().map(|r| r.to_string()), wait => wait,
                },
            )?;
            Ok((StatusCode::OK, html).into_response())
        }
        IntakeOutcome::PossibleDuplicates(_) => Err(PageError::Internal("intake asked to check duplicates".into())),
    }
}
