//! Lists of listings and their places matching a `ServiceFilter`, a page at a time: by
//! page number (ORUK's pages and the directory's own lists), after a key (ORUK's NDJSON
//! export, read end to end) and places near a point. Each reads a page of keys from the
//! indexes first and joins only that page to what it shows.

use linkwell_domain::directory::{LatLon, Term};
use linkwell_domain::{ProviderId, ServiceId};

use super::listings::{PLACE_COLUMNS, PlaceRow, SUMMARY_COLUMNS, SummaryRow};
use super::{Location, ServiceSummary};
use crate::{Db, OrgScope, Result, push_in_list};

/// Which services a list shows.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub provider_id: Option<ProviderId>,
    pub term: Option<Term>,
    /// Any term of this taxonomy.
    pub taxonomy: Option<linkwell_domain::directory::Taxonomy>,
    /// Changed at or after this instant (epoch milliseconds).
    pub modified_after: Option<i64>,
    /// Only these ids (the search index's results), in any order.
    pub ids: Option<Vec<ServiceId>>,
}

impl ServiceFilter {
    /// Whether it lets every listing through (so a list of places need not look at them).
    fn is_everything(&self) -> bool {
        let ServiceFilter { provider_id, term, taxonomy, modified_after, ids } = self;
        provider_id.is_none() && term.is_none() && taxonomy.is_none() && modified_after.is_none() && ids.is_none()
    }
}

/// The services (`s`) to filter. Counts and pages of keys read this alone, from indexes;
/// only the page found is joined to what it shows (a deferred join), because at 100,000
/// listings joining every row before counting or skipping cost tens of milliseconds.
const SERVICES_FROM: &str = " FROM services s WHERE s.organisation_id = ";

/// Each listing's places (ORUK service_at_location, `sl`) with their locations (`l`) and
/// services (`s`), to filter by where they are. Read from the locations in the box first
/// (`CROSS JOIN` fixes the order; the organisation is bound on `l` so its point index
/// applies): left to itself SQLite walked every place of the organisation (1.4 s at
/// 100,000 listings).
const SERVICE_LOCATIONS_WITH_PLACES_FROM: &str = " FROM locations l CROSS JOIN service_locations sl JOIN services s ON s.organisation_id = sl.organisation_id AND s.id = sl.service_id WHERE sl.organisation_id = l.organisation_id AND sl.location_id = l.id AND l.organisation_id = ";

/// `from` (ending with the organisation to bind) and the conditions of a `ServiceFilter`,
/// written once for the lists of services and of their places.
macro_rules! filtered {
    ($qb:expr, $from:expr, $scope:expr, $filter:expr, $ids:expr) => {{
        let qb = $qb;
        let filter: &ServiceFilter = $filter;
        let ids: &Option<Vec<String>> = $ids;
        qb.push($from).push_bind($scope.key());
        if let Some(pid) = filter.provider_id {
            qb.push(" AND s.provider_id = ").push_bind(pid.to_string());
        }
        if let Some(t) = filter.term {
            qb.push(" AND EXISTS (SELECT 1 FROM service_terms t WHERE t.organisation_id = s.organisation_id AND t.service_id = s.id AND t.term = ").push_bind(t.key()).push(")");
        }
        if let Some(taxonomy) = filter.taxonomy {
            qb.push(" AND EXISTS (SELECT 1 FROM service_terms t WHERE t.organisation_id = s.organisation_id AND t.service_id = s.id AND t.term LIKE ").push_bind(format!("{}:%", taxonomy.code())).push(")");
        }
        // ORUK: modified on or after.
        if let Some(after) = filter.modified_after {
            qb.push(" AND s.updated_at >= ").push_bind(after);
        }
        if let Some(ids) = ids {
            qb.push(" AND s.id");
            push_in_list(qb, ids);
        }
    }};
}

/// The places (`sl`) of the listings `filter` lets through. Unfiltered, the places alone
/// are read: counting them through their services cost 100 ms at 100,000 listings.
fn push_places_filtered<DB: crate::dialect::IdList>(
    qb: &mut sqlx::QueryBuilder<DB>,
    scope: &OrgScope,
    filter: &ServiceFilter,
    ids: &Option<Vec<String>>,
) where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    qb.push(" FROM service_locations sl WHERE sl.organisation_id = ").push_bind(scope.key());
    if !filter.is_everything() {
        qb.push(" AND sl.service_id IN (SELECT s.id");
        filtered!(&mut *qb, SERVICES_FROM, scope, filter, ids);
        qb.push(")");
    }
}

impl Db {
    /// Listings matching `filter`, by name, the `limit` after `after` (a name and id from
    /// the last one read): a feed read from end to end in batches reads each listing once
    /// from the index, where an OFFSET would walk every earlier one again for each batch.
    pub async fn services_after(
        &self,
        scope: &OrgScope,
        filter: &ServiceFilter,
        after: Option<(&str, ServiceId)>,
        limit: u64,
    ) -> Result<Vec<ServiceSummary>> {
        if filter.ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(vec![]);
        }
        let ids: Option<Vec<String>> = filter.ids.as_ref().map(|ids| ids.iter().map(|i| i.to_string()).collect());
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(SUMMARY_COLUMNS);
            qb.push(" FROM (SELECT s.id");
            filtered!(&mut qb, SERVICES_FROM, scope, filter, &ids);
            if let Some((name, id)) = after {
                qb.push(" AND (s.name > ").push_bind(name.to_owned()).push(" OR (s.name = ").push_bind(name.to_owned())
                    .push(" AND s.id > ").push_bind(id.to_string()).push("))");
            }
            qb.push(" ORDER BY s.name, s.id LIMIT ").push_bind(limit as i64);
            qb.push(") AS k CROSS JOIN services s JOIN providers p ON p.organisation_id = s.organisation_id AND p.id = s.provider_id WHERE s.organisation_id = ").push_bind(scope.key());
            qb.push(" AND s.id = k.id ORDER BY s.name, s.id");
            let rows = qb.build_query_as::<SummaryRow>().fetch_all(pool).await?;
            rows.into_iter().map(ServiceSummary::try_from).collect::<Result<Vec<_>>>()
        })
    }

    /// Listings matching `filter`, by name, `limit` from `offset` (ORUK pages by number),
    /// and how many match in all.
    pub async fn services_page(
        &self,
        scope: &OrgScope,
        filter: &ServiceFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<ServiceSummary>, u64)> {
        if filter.ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok((vec![], 0));
        }
        let ids: Option<Vec<String>> = filter.ids.as_ref().map(|ids| ids.iter().map(|i| i.to_string()).collect());
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*) AS n");
            filtered!(&mut qb, SERVICES_FROM, scope, filter, &ids);
            let total: i64 = qb.build_query_scalar().fetch_one(pool).await?;
            let mut qb = sqlx::QueryBuilder::new(SUMMARY_COLUMNS);
            qb.push(" FROM (SELECT s.id");
            filtered!(&mut qb, SERVICES_FROM, scope, filter, &ids);
            qb.push(" ORDER BY s.name, s.id LIMIT ").push_bind(limit as i64).push(" OFFSET ").push_bind(offset as i64);
            // CROSS JOIN makes SQLite read the page of keys first and look each up; with a
            // plain JOIN its planner (3.51) walked every listing by name instead, probing
            // the page for each (230 ms at 100,000 listings).
            qb.push(") AS k CROSS JOIN services s JOIN providers p ON p.organisation_id = s.organisation_id AND p.id = s.provider_id WHERE s.organisation_id = ").push_bind(scope.key());
            qb.push(" AND s.id = k.id ORDER BY s.name, s.id");
            let rows = qb.build_query_as::<SummaryRow>().fetch_all(pool).await?;
            let list = rows.into_iter().map(ServiceSummary::try_from).collect::<Result<Vec<_>>>()?;
            Ok((list, total.max(0) as u64))
        })
    }

    /// Listings' places (ORUK service_at_location) matching `filter`, `limit` from
    /// `offset`, with how many match in all. With `near`, only places within that many
    /// miles, nearest first (an indexed box, then the exact distance); otherwise by id.
    pub async fn service_locations_page(
        &self,
        scope: &OrgScope,
        filter: &ServiceFilter,
        near: Option<(LatLon, f64)>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<(ServiceId, Location)>, u64)> {
        if filter.ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok((vec![], 0));
        }
        let ids: Option<Vec<String>> = filter.ids.as_ref().map(|ids| ids.iter().map(|i| i.to_string()).collect());
        let read = |rows: Vec<PlaceRow>| -> Result<Vec<(ServiceId, Location)>> {
            rows.into_iter().map(<(ServiceId, Location)>::try_from).collect()
        };
        match near {
            Some((point, miles)) => {
                let b = point.bounding_box(miles);
                let rows = on_db!(self, pool => {
                    let mut qb = sqlx::QueryBuilder::new(PLACE_COLUMNS);
                    filtered!(&mut qb, SERVICE_LOCATIONS_WITH_PLACES_FROM, scope, filter, &ids);
                    qb.push(" AND l.latitude BETWEEN ").push_bind(b.min_lat).push(" AND ").push_bind(b.max_lat);
                    qb.push(" AND l.longitude BETWEEN ").push_bind(b.min_lon).push(" AND ").push_bind(b.max_lon);
                    qb.build_query_as::<PlaceRow>().fetch_all(pool).await?
                });
                let mut all: Vec<(f64, (ServiceId, Location))> = read(rows)?
                    .into_iter()
                    .filter_map(|x| x.1.point.map(|p| (point.miles_to(p), x)))
                    .filter(|(d, _)| *d <= miles)
                    .collect();
                all.sort_by(|a, b| {
                    a.0.total_cmp(&b.0).then(a.1.1.service_at_location_id.cmp(&b.1.1.service_at_location_id))
                });
                let total = all.len() as u64;
                Ok((all.into_iter().skip(offset as usize).take(limit as usize).map(|(_, x)| x).collect(), total))
            }
            None => on_db!(self, pool => {
                let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*) AS n");
                push_places_filtered(&mut qb, scope, filter, &ids);
                let total: i64 = qb.build_query_scalar().fetch_one(pool).await?;
                let mut qb = sqlx::QueryBuilder::new(PLACE_COLUMNS);
                qb.push(" FROM (SELECT sl.id");
                push_places_filtered(&mut qb, scope, filter, &ids);
                qb.push(" ORDER BY sl.id LIMIT ").push_bind(limit as i64).push(" OFFSET ").push_bind(offset as i64);
                // CROSS JOIN keeps SQLite reading the page first (see services_page).
                qb.push(") AS k CROSS JOIN service_locations sl JOIN locations l ON l.organisation_id = sl.organisation_id AND l.id = sl.location_id WHERE sl.organisation_id = ").push_bind(scope.key());
                qb.push(" AND sl.id = k.id ORDER BY sl.id");
                let rows = qb.build_query_as::<PlaceRow>().fetch_all(pool).await?;
                Ok((read(rows)?, total.max(0) as u64))
            }),
        }
    }
}
