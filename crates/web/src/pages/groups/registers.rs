//! Registers on a phone: the sessions to take today, and one session's register — tick
//! who came, add a walk-in, note the weather or the venue, submit. The pages are small
//! and need no script; the form carries a key so a second submission records nothing
//! again, and a walk-in added keeps what was ticked.

use crate::input::Path;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::CaseError;
use linkwell_app::groups::registers;
use linkwell_domain::ValidationErrors;
use linkwell_domain::groups::members::{MemberFields, NewMember};
use linkwell_domain::groups::registers::RegisterFields;
use linkwell_domain::ids::GroupSessionId;
use minijinja::Value;

use crate::error::PageError;
use crate::pages::{FormPairs, Page, form_errors, path_id};
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let p = page.caller()?;
    let (items, flagged) = registers::registers(&state.db, &p).await?;
    let today = linkwell_app::today();
    let rows: Vec<Value> = items
        .iter()
        .map(|i| {
            minijinja::context! {
                id => i.session.id.to_string(), group => i.group.clone(), starts_at => i.session.starts_at,
                today => i.session.on_date == today, date => linkwell_domain::time::display_london_date(i.session.on_date),
                taken => i.session.register_taken_at.is_some(),
            }
        })
        .collect();
    let flagged: Vec<Value> = flagged
        .iter()
        .map(|(m, group)| minijinja::context! { name => NewMember::register_name(&m.first_name, &m.last_initial), group => group.clone() })
        .collect();
    Ok(page
        .render(
            &state,
            "pages/groups/registers.html",
            minijinja::context! { title => "Registers", sessions => rows, flagged => flagged },
        )?
        .into_response())
}

/// What a form sent back: the register (the ticks, the note, the walk-in as typed), or
/// feedback recorded on the day (the register shows as saved).
enum Sent<'a> {
    Register { form: &'a FormPairs, said: Option<String> },
    Feedback(&'a FormPairs),
}

async fn render(
    state: &AppState,
    page: &Page,
    session: GroupSessionId,
    sent: Option<Sent<'_>>,
    errors: Option<&ValidationErrors>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let v = registers::register(&state.db, &p, session).await?;
    let s = &v.sheet.session;
    let (ticked, key, note, walk_in, said) = match &sent {
        Some(Sent::Register { form, said }) => {
            let key = match form.get("key") {
                "" => v.key.clone(),
                k => k.to_owned(),
            };
            (form.all("attended"), key, form.get("note").to_owned(), form.values(), said.clone())
        }
        Some(Sent::Feedback(_)) | None => (
            v.sheet.attended.iter().map(ToString::to_string).collect(),
            v.key.clone(),
            s.register_note.clone(),
            Default::default(),
            None,
        ),
    };
    let none = FormPairs(vec![]);
    let feedback = match &sent {
        Some(Sent::Feedback(form)) => form,
        _ => &none,
    };
    let members: Vec<Value> = v
        .sheet
        .expected
        .iter()
        .map(|m| {
            let id = m.id.to_string();
            minijinja::context! {
                ticked => ticked.contains(&id), id => id, name => NewMember::register_name(&m.first_name, &m.last_initial),
                access_needs => m.access_needs, emergency => m.emergency_contact.clone(),
            }
        })
        .collect();
    let html = page.render(
        state,
        "pages/groups/register.html",
        minijinja::context! {
            title => v.group.clone(), date => linkwell_domain::time::display_london_date(s.on_date),
            starts_at => s.starts_at, ends_at => s.ends_at, venue => s.venue.clone(), status => s.status.code(),
            taken => s.register_taken_at.is_some(), session => session.to_string(),
            members => members, key => key, note => note, walk_in => walk_in, said => said,
            feedback => feedback.values(), ratings => super::feedback::ratings(feedback.get("rating")),
            errors => errors.map(form_errors),
        },
    )?;
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

/// The register again with the feedback form as typed, and what is wrong with it.
pub(crate) async fn render_with_feedback(
    state: &AppState,
    page: &Page,
    session: GroupSessionId,
    form: &FormPairs,
    errors: &ValidationErrors,
) -> Result<Response, PageError> {
    render(state, page, session, Some(Sent::Feedback(form)), Some(errors)).await
}

pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(session): Path<String>,
) -> Result<Response, PageError> {
    render(&state, &page, path_id(&session)?, None, None).await
}

/// The walk-in fields of the register form.
fn walk_in_fields(form: &FormPairs) -> MemberFields {
    MemberFields {
        first_name: form.get("walk_in_first_name").to_owned(),
        last_name: form.get("walk_in_last_name").to_owned(),
        email: form.get("walk_in_email").to_owned(),
        phone: form.get("walk_in_phone").to_owned(),
        // With both, texts: the facilitator has no time to ask.
        channel: "sms".into(),
        consent_contact: form.checked("walk_in_consent"),
        ..Default::default()
    }
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    Path(session): Path<String>,
    mut form: FormPairs,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let session: GroupSessionId = path_id(&session)?;
    let walk_in = walk_in_fields(&form);
    let typed =
        [&walk_in.first_name, &walk_in.last_name, &walk_in.email, &walk_in.phone].iter().any(|f| !f.trim().is_empty());
    let mut said = None;
    let submitting = form.get("action") != "walk_in";
    // A register that cannot be taken adds nobody either.
    if submitting {
        let fields = RegisterFields {
            key: form.get("key").to_owned(),
            attended: form.all("attended"),
            note: form.get("note").to_owned(),
        };
        if let Err(e) = linkwell_domain::groups::registers::Register::parse(&fields) {
            return render(&state, &page, session, Some(Sent::Register { form: &form, said: None }), Some(&e)).await;
        }
    }
    if typed || !submitting {
        match registers::add_walk_in(&state.db, &p, session, &walk_in, &state.config.public_url).await {
            Ok(m) => {
                said = Some(format!("{} is added and ticked", m.first_name));
                // Ticked, and the walk-in's fields cleared for the next.
                form.0.retain(|(k, _)| !k.starts_with("walk_in_"));
                form.0.push(("attended".into(), m.id.to_string()));
            }
            Err(CaseError::Invalid(e)) => {
                let e = e.renamed(&[
                    ("first_name", "walk_in_first_name"),
                    ("last_name", "walk_in_last_name"),
                    ("email", "walk_in_email"),
                    ("phone", "walk_in_phone"),
                    ("channel", "walk_in_email"),
                ]);
                return render(&state, &page, session, Some(Sent::Register { form: &form, said: None }), Some(&e))
                    .await;
            }
            Err(e) => return Err(e.into()),
        }
        if form.get("action") == "walk_in" {
            return render(&state, &page, session, Some(Sent::Register { form: &form, said }), None).await;
        }
    }
    let fields = RegisterFields {
        key: form.get("key").to_owned(),
        attended: form.all("attended"),
        note: form.get("note").to_owned(),
    };
    match registers::take(&state.db, &p, session, &fields, &state.config.public_url).await {
        Ok(t) => {
            let came = t.attended.len();
            let message = if t.recorded {
                format!("The register is saved: {came} came")
            } else {
                format!("This register was saved already: {came} came")
            };
            page.done(&message, "/registers").await
        }
        Err(CaseError::Invalid(e)) => {
            render(&state, &page, session, Some(Sent::Register { form: &form, said }), Some(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}
