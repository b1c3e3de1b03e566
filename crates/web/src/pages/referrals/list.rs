//! The list of referrals each role may see, filtered, searched, sorted and paged.

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_app::casework::{self, TeamList};
use linkwell_domain::authz::Action;
use linkwell_domain::identity::Role;

use crate::error::PageError;
use crate::pages::Page;
use crate::state::AppState;

use super::*;
use crate::pages::shared::*;

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let q = TeamListQuery::from_pairs(pairs);
    let (listed, errors) =
        match casework::team_list(&state.db, &p, TeamList::All, &q.fields(), q.cursor(), PAGE_SIZE).await {
            Ok(listed) => (Some(listed), None),
            Err(casework::CaseError::Invalid(e)) => (None, Some(on_the_form(e))),
            Err(e) => return Err(e.into()),
        };
    let items = listed.as_ref().map(|l| l.page.items.as_slice()).unwrap_or_default();
    let rows = summary_rows(&state, &p, items).await?;
    let referrer = p.user.role == Role::Referrer;
    let order = listed.as_ref().and_then(|l| l.order);
    let columns: &[(&str, Option<&str>)] = if referrer {
        &[
            ("Person", Some("name")),
            ("NHS number", None),
            ("Date of birth", None),
            ("Received", Some("received")),
            ("Status", Some("status")),
        ]
    } else {
        &[
            ("Person", Some("name")),
            ("Received", Some("received")),
            ("Urgency", Some("urgency")),
            ("Link worker", None),
            ("Status", Some("status")),
        ]
    };
    let base = "/referrals";
    let html = page.render(
        &state,
        "pages/referrals/list.html",
        minijinja::context! {
            title => match p.user.role { Role::Referrer => "Your practice's referrals", Role::LinkWorker => "Your referrals", _ => "All referrals" },
            rows => rows, referrer => referrer,
            can_refer => p.can(Action::ReferPeople),
            choices => filter_choices(&state, &p, &q, TeamList::All).await?,
            headers => sort_headers(&q, base, order, columns),
            order => order_label(order),
            filtered => q.filtered(), clear_href => q.href(base, CLEARED, None),
            search_more => listed.as_ref().is_some_and(|l| l.search_more),
            next_href => listed.as_ref().and_then(|l| l.page.next_cursor.as_deref()).map(|c| q.href(base, &[], Some(c))),
            first_href => q.cursor().map(|_| q.href(base, &[], None)),
            errors => errors.as_ref().map(crate::pages::form_errors),
        },
    )?;
    Ok((crate::pages::form_status(errors.as_ref()), html).into_response())
}
