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

/// The organisation, if it has opened self-referral. An organisation that has not says
/// so at this address (a page the person may have been given), and how else to be
/// referred; an address that names no organisation is not found.
async fn open_org(state: &AppState, slug: &str) -> Result<Organisation, Response> {
    match state.db.organisation_by_slug(slug).await {
        Ok(org) if org.self_referral_enabled => Ok(org),
        Ok(org) => Err(crate::error::error_page(
            StatusCode::NOT_FOUND,
            "Self-referral is not open",
            format!(
                "{} does not take referrals from people themselves online at the moment. To be referred to a link worker, ask your GP practice. If you need help urgently, call 111, or 999 in an emergency.",
                org.name
            ),
        )),
        Err(_) => Err(PageError::NotFound.into_response()),
    }
}

/// The referral's questions as the person answers them about themselves: the reasons are
/// what they would like help with, and the consent is their own request to be contacted.
fn in_your_words(mut errors: ValidationErrors) -> ValidationErrors {
    for e in &mut errors.errors {
        match e.field.as_str() {
            "needs" => e.message = "Select what you would like help with".into(),
            "consent_confirmed" => e.message = "Tick the box to ask a link worker to contact you".into(),
            _ => {}
        }
    }
    errors
}

/// Where the public header leads: the organisation's published directory, else this form.
fn public_home(org: &Organisation) -> String {
    if org.directory_public { format!("/community/{}", org.slug) } else { format!("/self-referral/{}", org.slug) }
}

async fn render(
    state: &AppState,
    page: &Page,
    org: &Organisation,
    form: &FormPairs,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let person =
        person_choices(state, &OrgScope::new(org.id), form, None, linkwell_domain::people::Voice::Themselves).await?;
    let html = page.render(
        state,
        "pages/self_referral.html",
        minijinja::context! {
            ..person,
            ..minijinja::context! {
                title => format!("Refer yourself to {}", org.name),
                public_home => public_home(org), public_name => org.name.clone(),
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
    let org = match open_org(&state, &slug).await {
        Ok(org) => org,
        Err(closed) => return Ok(closed),
    };
    render(&state, &page, &org, &FormPairs(vec![]), None).await
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    let org = match open_org(&state, &slug).await {
        Ok(org) => org,
        Err(closed) => return Ok(closed),
    };
    let scope = OrgScope::new(org.id);
    let mut rf = referral_fields(&form);
    rf.source = "self".into();
    rf.urgency = "routine".into();
    let draft = IntakeDraft {
        person: PersonInput::parse_as(
            &person_fields(&form),
            org.test_mode,
            linkwell_app::today(),
            linkwell_domain::people::Voice::Themselves,
        ),
        referral: ReferralInput::parse(&rf).map_err(in_your_words),
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
                    title => "Your referral has been sent", public_home => public_home(&org), public_name => org.name.clone(), organisation => org.name,
                    reference => referral.reference.as_ref().map(|r| r.to_string()), wait => wait,
                },
            )?;
            Ok((StatusCode::OK, html).into_response())
        }
        IntakeOutcome::PossibleDuplicates(_) => Err(PageError::Internal("intake asked to check duplicates".into())),
    }
}
