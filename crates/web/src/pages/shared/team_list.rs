//! The team's lists as pages (all referrals, the waiting list, caseloads): the query as
//! their filter form sends it, the address of the same list sorted or paged otherwise, the
//! sortable column headers and the filters' choices. What each list holds and how it is
//! filtered is `linkwell_app::casework::team_list`'s.

use linkwell_app::casework::{self, ListFields, TeamList};
use linkwell_domain::identity::Role;
use linkwell_domain::validation::ValidationErrors;
use linkwell_store::caseload::{ReferralOrder, SortBy};
use minijinja::Value;

use super::items;
use crate::access::urlencode;
use crate::error::PageError;
use crate::state::AppState;

/// A list's query as a form sends it. Workers may be ticked several at once
/// (`assigned=…&assigned=…`), and `worker` (the caseload's older name) says the same.
#[derive(Debug, Default, Clone)]
pub struct TeamListQuery {
    pub status: String,
    pub urgency: String,
    /// Ids separated by commas, or `none`.
    pub assigned: String,
    pub practice: String,
    pub need: String,
    pub window: String,
    pub search: String,
    pub sort: String,
    pub direction: String,
    /// The cursor of the page to show.
    pub after: String,
}

/// What "clear the search and filters" changes: everything but the order.
pub const CLEARED: &[(&str, &str)] = &[
    ("search", ""),
    ("status", ""),
    ("urgency", ""),
    ("assigned", ""),
    ("practice", ""),
    ("need", ""),
    ("window", ""),
];

/// The parameters kept from page to page, in the order addresses show them.
const KEPT: &[&str] = &["search", "status", "urgency", "assigned", "practice", "need", "window", "sort", "direction"];

impl TeamListQuery {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut q = TeamListQuery::default();
        let mut workers: Vec<String> = Vec::new();
        for (k, v) in pairs {
            let v = v.trim().to_owned();
            let slot = match k.as_str() {
                "status" => &mut q.status,
                "urgency" => &mut q.urgency,
                "assigned" | "worker" => {
                    workers.extend(v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned));
                    continue;
                }
                "practice" => &mut q.practice,
                "need" => &mut q.need,
                "window" => &mut q.window,
                "search" => &mut q.search,
                "sort" => &mut q.sort,
                "direction" => &mut q.direction,
                // The filter form's one "Sort by" choice: a column and a direction
                // (`name-descending`), for where the column headings are not shown (a phone).
                "order" => {
                    // An empty column is the usual order, whichever way it asks for.
                    let (sort, direction) = v.rsplit_once('-').unwrap_or((v.as_str(), ""));
                    if q.sort.is_empty() && q.direction.is_empty() && !sort.is_empty() {
                        (q.sort, q.direction) = (sort.to_owned(), direction.to_owned());
                    }
                    continue;
                }
                "after" => &mut q.after,
                _ => continue,
            };
            // The first value of a repeated field counts, as with the other forms.
            if slot.is_empty() {
                *slot = v;
            }
        }
        workers.dedup();
        q.assigned = workers.join(",");
        q
    }

    pub fn fields(&self) -> ListFields<'_> {
        ListFields {
            status: &self.status,
            urgency: &self.urgency,
            assigned: &self.assigned,
            practice: &self.practice,
            need: &self.need,
            window: &self.window,
            search: &self.search,
            sort: &self.sort,
            direction: &self.direction,
        }
    }

    fn value(&self, name: &str) -> &str {
        match name {
            "status" => &self.status,
            "urgency" => &self.urgency,
            "assigned" => &self.assigned,
            "practice" => &self.practice,
            "need" => &self.need,
            "window" => &self.window,
            "search" => &self.search,
            "sort" => &self.sort,
            "direction" => &self.direction,
            _ => "",
        }
    }

    /// This list at `base` with its filters, search and order, `changes` applied (a value
    /// of "" drops the parameter), from the page after `after` if given.
    pub fn href(&self, base: &str, changes: &[(&str, &str)], after: Option<&str>) -> String {
        let mut query: Vec<String> = KEPT
            .iter()
            .map(|k| (*k, changes.iter().find(|(c, _)| c == k).map_or_else(|| self.value(k), |(_, v)| *v)))
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
            .collect();
        if let Some(a) = after {
            query.push(format!("after={}", urlencode(a)));
        }
        if query.is_empty() { base.to_owned() } else { format!("{base}?{}", query.join("&")) }
    }

    /// A filter or a search narrows the list (an order alone does not).
    pub fn filtered(&self) -> bool {
        KEPT.iter().filter(|k| !matches!(**k, "sort" | "direction")).any(|k| !self.value(k).is_empty())
    }

    /// The cursor, if a page after the first is asked for.
    pub fn cursor(&self) -> Option<&str> {
        Some(self.after.as_str()).filter(|c| !c.is_empty())
    }
}

/// A list's errors as its page shows them: there the direction is chosen with the column,
/// in "Sort by" (`#sort`).
pub fn on_the_form(errors: ValidationErrors) -> ValidationErrors {
    errors.renamed(&[("direction", "sort")])
}

/// The column headers of a list: each sortable one links to the list sorted by it
/// (ascending, or the other way if it is sorted by it already) and says how it is sorted
/// (`aria-sort`), as the NHS.UK sortable table does. `columns` are (heading, sort code).
pub fn sort_headers(
    q: &TeamListQuery,
    base: &str,
    order: Option<ReferralOrder>,
    columns: &[(&str, Option<&str>)],
) -> Vec<Value> {
    columns
        .iter()
        .map(|(text, code)| {
            let sorts = code.and_then(|c| casework::SORTS.iter().find(|(s, _)| *s == c));
            let Some((code, by)) = sorts else {
                return minijinja::context! { text => *text };
            };
            let current = order.filter(|o| o.by == *by);
            let aria = match current {
                Some(o) if o.descending => "descending",
                Some(_) => "ascending",
                None => "none",
            };
            let next = if current.is_some_and(|o| !o.descending) { "descending" } else { "ascending" };
            minijinja::context! {
                text => *text, aria_sort => aria,
                href => q.href(base, &[("sort", code), ("direction", next)], None),
            }
        })
        .collect()
}

/// The name of an order, for the sentence above a list.
pub fn order_label(order: Option<ReferralOrder>) -> &'static str {
    match order.map(|o| (o.by, o.descending)) {
        None => "soonest session first",
        Some((SortBy::Created, _)) => "newest first",
        Some((SortBy::Received, true)) => "newest received first",
        Some((SortBy::Received, false)) => "oldest received first",
        Some((SortBy::Name, false)) => "by family name, A to Z",
        Some((SortBy::Name, true)) => "by family name, Z to A",
        Some((SortBy::Urgency, false)) => "most urgent first, then longest waiting",
        Some((SortBy::Urgency, true)) => "least urgent first, then most recently received",
        Some((SortBy::Status, false)) => "by status, A to Z",
        Some((SortBy::Status, true)) => "by status, Z to A",
    }
}

/// The choices of each filter, the ones in `q` chosen. Only a coordinator chooses whose
/// cases a list shows; the statuses are the list's own.
pub async fn filter_choices(
    state: &AppState,
    p: &linkwell_app::Caller,
    q: &TeamListQuery,
    list: TeamList,
) -> Result<Value, PageError> {
    use linkwell_domain::referrals::{Need, Urgency};
    let any = |text: &str| minijinja::context! { value => "", text => text };
    let with_any = |text: &str, rest: Vec<Value>| std::iter::once(any(text)).chain(rest).collect::<Vec<_>>();
    let coordinator = p.user.role == Role::Coordinator;
    // Names only: the counts of open cases are the home page's, and cost a count of them.
    let team = if coordinator { casework::workers(&state.db, &p.scope()).await? } else { vec![] };
    let practices = if p.user.role == Role::Referrer { vec![] } else { state.db.practices_by_name(&p.scope()).await? };
    let chosen: Vec<String> = q.assigned.split(',').map(str::to_owned).collect();
    let workers = items(team.iter().map(|w| (w.id.to_string(), w.display_name.as_str())), &chosen);
    let assigned = match list {
        // A caseload is one or more workers' (ticked); the others say whose, or nobody's.
        TeamList::Caseload => Value::from(workers),
        TeamList::All | TeamList::Waiting => {
            let mut one = vec![
                any("Anyone or nobody"),
                minijinja::context! { value => casework::UNASSIGNED, text => "Not assigned", selected => q.assigned == casework::UNASSIGNED },
            ];
            one.extend(workers);
            Value::from(one)
        }
    };
    let statuses = casework::STATUS_FILTERS.iter().copied().filter(|(code, _)| match list {
        TeamList::All => true,
        TeamList::Waiting => linkwell_store::caseload::WAITING.contains(code),
        TeamList::Caseload => linkwell_store::caseload::OPEN.contains(code),
    });
    Ok(minijinja::context! {
        status => with_any("Any status", items(statuses, std::slice::from_ref(&q.status))),
        urgency => with_any("Any urgency", items(Urgency::ALL.iter().map(|u| (u.code(), u.label())), std::slice::from_ref(&q.urgency))),
        assigned => if coordinator { Some(assigned) } else { None },
        practice => (!practices.is_empty()).then(|| with_any("Any practice", items(practices.iter().map(|pr| (pr.id.to_string(), pr.name.as_str())), std::slice::from_ref(&q.practice)))),
        need => with_any("Any reason", items(Need::ALL.iter().map(|n| (n.code(), n.label())), std::slice::from_ref(&q.need))),
        window => (list == TeamList::Waiting).then(|| with_any("Any time waiting", items(casework::WINDOW_FILTERS.iter().copied(), std::slice::from_ref(&q.window)))),
        search => q.search.clone(),
        order => order_choices(q, list),
    })
}

/// The "Sort by" choices: the list's usual order, then each column both ways, named as the
/// sentence above the list names them.
fn order_choices(q: &TeamListQuery, list: TeamList) -> Vec<Value> {
    let chosen = match (q.sort.as_str(), q.direction.as_str()) {
        ("", _) => String::new(),
        (sort, "") => format!("{sort}-ascending"),
        (sort, direction) => format!("{sort}-{direction}"),
    };
    let usual = (String::new(), format!("Usual order: {}", order_label(list.default_order())));
    let columns = casework::SORTS.iter().flat_map(|(code, by)| {
        [false, true].map(|descending| {
            let direction = if descending { "descending" } else { "ascending" };
            (
                format!("{code}-{direction}"),
                linkwell_domain::validation::capitalise(order_label(Some(ReferralOrder { by: *by, descending }))),
            )
        })
    });
    items(std::iter::once(usual).chain(columns), std::slice::from_ref(&chosen))
}
