//! The organisation's published directory as an Open Referral UK 3.0 API, under
//! `/oruk/{organisation}/`: anonymous, `Access-Control-Allow-Origin: *`, every body in
//! the ORUK schemas (tested against them with format checking on).
//!
//! Only an organisation that publishes its directory (`/admin/settings`) answers; any
//! other is not found. Every listing is published, paused and closed ones too, with their
//! ORUK status, because a feed's consumers must learn that a service stopped.

pub mod model;

use crate::input::{Path, Query};
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use linkwell_domain::directory::{LatLon, METRES_PER_MILE, Taxonomy, Term};
use linkwell_domain::{ProviderId, ServiceId, ValidationErrors};
use linkwell_search::SearchQuery;
use linkwell_store::OrgScope;
use linkwell_store::directory::{Provider, Service, ServiceFilter};
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;
use model::{ApiDetails, Detail, Organization, Page, ServiceAtLocation, ServiceOut, TaxonomyOut, TaxonomyTerm};

const DEFAULT_PER_PAGE: u64 = 50;
const MAX_PER_PAGE: u64 = 500;
/// A feed streamed as NDJSON is read from the database this many listings at a time.
const NDJSON_BATCH: u64 = 200;

/// The organisation behind `slug`, if it publishes its directory.
async fn published(state: &AppState, slug: &str) -> Result<OrgScope, ApiError> {
    Ok(OrgScope::new(state.db.organisation_publishing_directory(slug).await?.id))
}

fn json<T: serde::Serialize>(value: &T) -> Response {
    axum::Json(value).into_response()
}

pub async fn api_details(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, ApiError> {
    published(&state, &slug).await?;
    Ok(json(&ApiDetails { version: model::VERSION, profile: model::PROFILE, openapi_url: model::OPENAPI_URL }))
}

/// The query of the list endpoints, all optional, all ANDed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    search: String,
    page: String,
    per_page: String,
    taxonomy_term_id: String,
    taxonomy_id: String,
    organization_id: String,
    modified_after: String,
    minimal: String,
    full: String,
    format: String,
    postcode: String,
    proximity: String,
    top_only: String,
    parent_id: String,
}

fn flag(s: &str) -> Result<bool, String> {
    match s.trim() {
        "" | "false" | "0" => Ok(false),
        "true" | "1" => Ok(true),
        other => Err(format!("must be true or false, not {other:?}")),
    }
}

/// What a list query asks for, parsed; each bad parameter named.
struct Parsed {
    page: u64,
    per_page: u64,
    filter: ServiceFilter,
    search: String,
    minimal: bool,
    full: bool,
    ndjson: bool,
    /// An unknown taxonomy or term id matches nothing rather than everything.
    matches_nothing: bool,
}

fn parse(q: &ListQuery) -> Result<Parsed, ApiError> {
    let mut e = ValidationErrors::new();
    let number = |field: &str, raw: &str, default: u64, max: u64, e: &mut ValidationErrors| -> u64 {
        match raw.trim() {
            "" => default,
            s => e
                .check(
                    field,
                    s.parse::<u64>()
                        .ok()
                        .filter(|n| (1..=max).contains(n))
                        .ok_or(format!("must be a whole number from 1 to {max}")),
                )
                .unwrap_or(default),
        }
    };
    let page = number("page", &q.page, 1, u64::from(u32::MAX), &mut e);
    let per_page = number("per_page", &q.per_page, DEFAULT_PER_PAGE, MAX_PER_PAGE, &mut e);
    let uuid = |field: &str, raw: &str, e: &mut ValidationErrors| -> Option<uuid::Uuid> {
        match raw.trim() {
            "" => None,
            s => e.check(field, s.parse::<uuid::Uuid>().map_err(|_| "must be a UUID")),
        }
    };
    let mut matches_nothing = false;
    let term = uuid("taxonomy_term_id", &q.taxonomy_term_id, &mut e).map(|id| {
        let t = Term::from_uuid(id);
        matches_nothing |= t.is_none();
        t
    });
    let taxonomy = uuid("taxonomy_id", &q.taxonomy_id, &mut e).map(|id| {
        let t = Taxonomy::ALL.into_iter().find(|t| t.uuid() == id);
        matches_nothing |= t.is_none();
        t
    });
    let provider = uuid("organization_id", &q.organization_id, &mut e).map(ProviderId);
    let modified_after = match q.modified_after.trim() {
        "" => None,
        s => e.check(
            "modified_after",
            s.parse::<jiff::Timestamp>()
                .map(|t| t.as_millisecond())
                .or_else(|_| {
                    s.parse::<jiff::civil::Date>().map(|d| {
                        d.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp().as_millisecond()).unwrap_or(0)
                    })
                })
                .map_err(|_| "must be a date-time like 2026-11-01T00:00:00Z, or a date like 2026-11-01"),
        ),
    };
    let minimal = e.check("minimal", flag(&q.minimal)).unwrap_or(false);
    let full = e.check("full", flag(&q.full)).unwrap_or(false);
    let ndjson = match q.format.trim() {
        "" | "json" => false,
        "ndjson" => true,
        _ => {
            e.add("format", "must be json or ndjson");
            false
        }
    };
    let search = e.check("search", linkwell_domain::directory::search_words(&q.search)).unwrap_or_default();
    e.into_result()?;
    Ok(Parsed {
        page,
        per_page,
        filter: ServiceFilter {
            provider_id: provider,
            term: term.flatten(),
            taxonomy: taxonomy.flatten(),
            modified_after,
            ids: None,
        },
        search,
        minimal,
        full,
        ndjson,
        matches_nothing,
    })
}

impl Parsed {
    fn detail(&self) -> Detail {
        if self.minimal {
            Detail::Minimal
        } else if self.full {
            Detail::Full
        } else {
            Detail::Summary
        }
    }
}

/// The most listings a word search reaches: the best matches, which the other filters
/// and the paging then narrow. A search is for finding, not for walking a whole feed
/// (unfiltered pages do that), and a bounded hit list keeps its cost bounded too.
pub const MAX_SEARCH_HITS: usize = 1_000;

/// Limit a filter to what the words find, through the search index.
async fn with_search(state: &AppState, scope: &OrgScope, p: &Parsed) -> Result<ServiceFilter, ApiError> {
    let mut filter = p.filter.clone();
    if p.matches_nothing {
        filter.ids = Some(vec![]);
    } else if !p.search.is_empty() {
        let q = SearchQuery { text: p.search.clone(), limit: MAX_SEARCH_HITS, ..Default::default() };
        let hits = linkwell_app::directory::search::hits(&state.search, scope, q).await?;
        filter.ids = Some(hits.into_iter().map(|h| h.id).collect());
    }
    Ok(filter)
}

/// Full listings with their providers, in the order given.
/// A list of a published organisation's listings, as asked: its scope, the query read,
/// and the filter with a word search's hits.
async fn listing_query(
    state: &AppState,
    slug: &str,
    q: &ListQuery,
) -> Result<(OrgScope, Parsed, ServiceFilter), ApiError> {
    let scope = published(state, slug).await?;
    let p = parse(q)?;
    let filter = with_search(state, &scope, &p).await?;
    Ok((scope, p, filter))
}

async fn load(
    state: &AppState,
    scope: &OrgScope,
    ids: &[ServiceId],
) -> Result<(Vec<Service>, Vec<Provider>), ApiError> {
    let services = state.db.services_by_ids(scope, ids).await?;
    let mut provider_ids: Vec<ProviderId> = services.iter().map(|s| s.provider_id).collect();
    provider_ids.sort();
    provider_ids.dedup();
    let providers = state.db.providers_by_ids(scope, &provider_ids).await?;
    Ok((services, providers))
}

fn out(s: &Service, providers: &[Provider], detail: Detail) -> ServiceOut {
    ServiceOut::of(s, providers.iter().find(|p| p.id == s.provider_id), detail)
}

pub async fn services(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let (scope, p, filter) = listing_query(&state, &slug, &q).await?;
    let detail = p.detail();
    if p.ndjson {
        return Ok(ndjson(state, scope, filter, detail));
    }
    let (list, total) = state.db.services_page(&scope, &filter, (p.page - 1) * p.per_page, p.per_page).await?;
    let (services, providers) = load(&state, &scope, &list.iter().map(|s| s.id).collect::<Vec<_>>()).await?;
    let contents: Vec<ServiceOut> = services.iter().map(|s| out(s, &providers, detail)).collect();
    Ok(json(&Page::new(contents, total, p.page, p.per_page)))
}

/// The longest an NDJSON feed streams. The request timeout ends at the response's
/// headers; a body read slowly (or never) would otherwise hold its batches open for ever.
const NDJSON_DEADLINE: std::time::Duration = std::time::Duration::from_secs(300);

/// Every matching listing, one JSON object a line, read from the database a batch at a
/// time by keyset (after the last name and id sent), within `NDJSON_DEADLINE`.
fn ndjson(state: AppState, scope: OrgScope, filter: ServiceFilter, detail: Detail) -> Response {
    let deadline = tokio::time::Instant::now() + NDJSON_DEADLINE;
    let start: Option<Option<(String, ServiceId)>> = Some(None);
    let stream = futures_util::stream::unfold(start, move |cursor| {
        let (state, filter) = (state.clone(), filter.clone());
        async move {
            let after = cursor?;
            if tokio::time::Instant::now() > deadline {
                tracing::warn!("ORUK NDJSON feed stopped at its deadline");
                return Some((Err(std::io::Error::other("the feed took too long to read")), None));
            }
            let batch = async {
                let list = state
                    .db
                    .services_after(&scope, &filter, after.as_ref().map(|(n, id)| (n.as_str(), *id)), NDJSON_BATCH)
                    .await?;
                let (services, providers) =
                    load(&state, &scope, &list.iter().map(|s| s.id).collect::<Vec<_>>()).await?;
                let mut body = String::new();
                for s in &services {
                    body.push_str(
                        &serde_json::to_string(&out(s, &providers, detail))
                            .map_err(|e| ApiError::Internal(e.to_string()))?,
                    );
                    body.push('\n');
                }
                let last = list.last().map(|s| (s.name.clone(), s.id));
                Ok::<_, ApiError>((body, list.len() as u64, last))
            }
            .await;
            match batch {
                Ok((_, 0, _)) => None,
                Ok((body, n, last)) => Some((Ok::<_, std::io::Error>(body), (n == NDJSON_BATCH).then_some(last))),
                Err(e) => {
                    tracing::warn!(error = %e, "ORUK NDJSON feed stopped");
                    Some((Err(std::io::Error::other("the feed could not be read")), None))
                }
            }
        }
    });
    ([(header::CONTENT_TYPE, "application/x-ndjson")], Body::from_stream(stream)).into_response()
}

pub async fn service(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let scope = published(&state, &slug).await?;
    let id: ServiceId = id.parse().map_err(|_| ApiError::NotFound)?;
    let (services, providers) = load(&state, &scope, &[id]).await?;
    let s = services.first().ok_or(ApiError::NotFound)?;
    Ok(json(&out(s, &providers, Detail::Full)))
}

/// Where to measure from and how far: a postcode alone orders by distance within 10
/// miles; with `proximity` (metres), within that.
async fn radius(state: &AppState, q: &ListQuery) -> Result<Option<(LatLon, f64)>, ApiError> {
    let mut e = ValidationErrors::new();
    let proximity = match q.proximity.trim() {
        "" => None,
        s => e.check(
            "proximity",
            s.parse::<f64>()
                .ok()
                .filter(|m| *m > 0.0 && *m <= 200_000.0)
                .ok_or("must be a distance in metres, up to 200000"),
        ),
    };
    let near: Option<LatLon> = match q.postcode.trim() {
        "" => None,
        raw => e.check("postcode", state.db.locate_typed(raw).await?),
    };
    if proximity.is_some() && q.postcode.trim().is_empty() {
        e.add("postcode", "is needed to measure proximity from");
    }
    e.into_result()?;
    Ok(near.map(|n| (n, proximity.map_or(10.0, |m| m / METRES_PER_MILE))))
}

pub async fn service_at_locations(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let (scope, p, filter) = listing_query(&state, &slug, &q).await?;
    let radius = radius(&state, &q).await?;
    let (list, total) =
        state.db.service_locations_page(&scope, &filter, radius, (p.page - 1) * p.per_page, p.per_page).await?;
    let mut ids: Vec<ServiceId> = list.iter().map(|(s, _)| *s).collect();
    ids.sort();
    ids.dedup();
    let (services, providers) = load(&state, &scope, &ids).await?;
    let contents: Vec<ServiceAtLocation> = list
        .iter()
        .map(|(sid, l)| {
            let s = services.iter().find(|s| s.id == *sid);
            let nested = if p.full { s.map(|s| out(s, &providers, Detail::Full)) } else { None };
            ServiceAtLocation::of(sid.0, l, s, nested)
        })
        .collect();
    Ok(json(&Page::new(contents, total, p.page, p.per_page)))
}

pub async fn service_at_location(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let scope = published(&state, &slug).await?;
    let id: uuid::Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    let (sid, l) = state.db.service_location(&scope, id).await?;
    let (services, providers) = load(&state, &scope, &[sid]).await?;
    let s = services.first();
    Ok(json(&ServiceAtLocation::of(sid.0, &l, s, s.map(|s| out(s, &providers, Detail::Full)))))
}

/// A page of an in-memory list (taxonomies, terms, organisations are small).
fn paged<T>(items: Vec<T>, p: &Parsed) -> Page<T> {
    let total = items.len() as u64;
    let contents = items.into_iter().skip(((p.page - 1) * p.per_page) as usize).take(p.per_page as usize).collect();
    Page::new(contents, total, p.page, p.per_page)
}

fn words_match(haystack: &str, search: &str) -> bool {
    search.is_empty() || search.split_whitespace().all(|w| haystack.to_lowercase().contains(&w.to_lowercase()))
}

pub async fn taxonomies(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    published(&state, &slug).await?;
    let p = parse(&q)?;
    let items: Vec<TaxonomyOut> = Taxonomy::ALL
        .into_iter()
        .filter(|t| words_match(t.name(), &p.search))
        .map(|t| TaxonomyOut::of(t, false))
        .collect();
    Ok(json(&paged(items, &p)))
}

pub async fn taxonomy(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    published(&state, &slug).await?;
    let id: uuid::Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    let t = Taxonomy::ALL.into_iter().find(|t| t.uuid() == id).ok_or(ApiError::NotFound)?;
    Ok(json(&TaxonomyOut::of(t, true)))
}

pub async fn taxonomy_terms(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    published(&state, &slug).await?;
    let p = parse(&q)?;
    let mut e = ValidationErrors::new();
    e.check("top_only", flag(&q.top_only));
    let parent = match q.parent_id.trim() {
        "" => None,
        s => e.check("parent_id", s.parse::<uuid::Uuid>().map_err(|_| "must be a UUID")),
    };
    e.into_result()?;
    // Our terms are flat: none has a parent, so asking for a parent's children finds none.
    let items: Vec<TaxonomyTerm> = Taxonomy::ALL
        .into_iter()
        .filter(|t| p.filter.taxonomy.is_none_or(|x| x == *t) && !(p.matches_nothing && q.taxonomy_id.trim() != ""))
        .flat_map(Taxonomy::terms)
        .filter(|t| parent.is_none() && words_match(t.label(), &p.search))
        .map(TaxonomyTerm::of)
        .collect();
    Ok(json(&paged(items, &p)))
}

pub async fn taxonomy_term(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    published(&state, &slug).await?;
    let id: uuid::Uuid = id.parse().map_err(|_| ApiError::NotFound)?;
    Ok(json(&TaxonomyTerm::of(Term::from_uuid(id).ok_or(ApiError::NotFound)?)))
}

pub async fn organizations(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let scope = published(&state, &slug).await?;
    let p = parse(&q)?;
    let words: Vec<String> = p.search.split_whitespace().map(str::to_owned).collect();
    let (list, total) = state.db.providers_page(&scope, &words, (p.page - 1) * p.per_page, p.per_page).await?;
    let items: Vec<Organization> = list.iter().map(Organization::of).collect();
    Ok(json(&Page::new(items, total, p.page, p.per_page)))
}

pub async fn organization(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let scope = published(&state, &slug).await?;
    let id: ProviderId = id.parse().map_err(|_| ApiError::NotFound)?;
    Ok(json(&Organization::of(&state.db.provider(&scope, id).await?)))
}
