//! The list of referrals each role may see.

use crate::input::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linkwell_domain::authz::Action;
use linkwell_domain::identity::Role;
use linkwell_store::caseload::ReferralOrder;
use serde::Deserialize;

use crate::error::PageError;
use crate::pages::Page;
use crate::state::AppState;
use linkwell_app::casework::{STATUS_FILTERS, list_filter};

use super::*;
use crate::pages::shared::*;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    after: String,
}

pub async fn list(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let p = page.caller()?;
    let filter = list_filter(&p, q.status.trim());
    let cursor = Some(q.after.trim()).filter(|c| !c.is_empty());
    let result = state.db.referral_summaries(&p.scope(), &filter, ReferralOrder::Newest, cursor, PAGE_SIZE).await?;
    let rows = summary_rows(&state, &p, &result.items).await?;
    let status = q.status.trim();
    let mut filters = vec![minijinja::context! { value => "", text => "Any status" }];
    filters.extend(items(STATUS_FILTERS.iter().copied(), &[status.to_owned()]));
    let next = result.next_cursor.map(|c| format!("/referrals?status={status}&after={c}"));
    Ok(page
        .render(
            &state,
            "pages/referrals/list.html",
            minijinja::context! {
                title => if p.user.role == Role::Referrer { "Your practice's referrals" } else if p.user.role == Role::LinkWorker { "Your referrals" } else { "All referrals" },
                rows => rows, filters => filters, next_href => next,
                referrer => p.user.role == Role::Referrer,
                can_refer => p.can(Action::ReferPeople),
            },
        )?
        .into_response())
}
