//! Keeping the search index true to the database, and the one way to make a listing's
//! search facts.
//!
//! The server rebuilds the index from every organisation's listings when it starts, then
//! follows `services_changed_since` every `Config::search_every`, re-reading the last
//! few seconds each time so a transaction that committed late is not missed (re-indexing
//! is idempotent). When the London date changes it rebuilds, because a listing's week slots
//! are read from its next eight weeks of dates. Pages re-index what they change at once,
//! so the person who made the change sees it in the next search.

use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Date;
use linkwell_search::{DirectoryIndex, Hit, Listing, SearchQuery};
use linkwell_store::directory::Service;
use linkwell_store::{Db, OrgScope};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] linkwell_store::StoreError),
    #[error(transparent)]
    Search(#[from] linkwell_search::SearchError),
    /// The blocking thread running a search stopped before answering.
    #[error("the search did not finish")]
    Unfinished,
}

/// Search an organisation's listings on a blocking thread: a search is CPU work that grows
/// with the directory, and must not hold up the async threads serving other requests.
pub async fn hits(index: &Arc<DirectoryIndex>, scope: &OrgScope, q: SearchQuery) -> Result<Vec<Hit>, SyncError> {
    let (index, organisation) = (index.clone(), scope.organisation_id());
    match tokio::task::spawn_blocking(move || index.search(organisation, &q)).await {
        Ok(found) => Ok(found?),
        Err(_) => Err(SyncError::Unfinished),
    }
}

/// A listing a search found, and how far away it is when the search was near a place.
pub struct Found {
    pub service: Service,
    pub miles: Option<f64>,
}

/// Search, then read what was found from the database (the index is only a cache of it),
/// best match first.
pub async fn find(
    db: &Db,
    index: &Arc<DirectoryIndex>,
    scope: &OrgScope,
    q: SearchQuery,
) -> Result<Vec<Found>, SyncError> {
    let hits = hits(index, scope, q).await?;
    let services = db.services_by_ids(scope, &hits.iter().map(|h| h.id).collect::<Vec<_>>()).await?;
    Ok(services
        .into_iter()
        .map(|service| {
            let miles = hits.iter().find(|h| h.id == service.id).and_then(|h| h.miles);
            Found { service, miles }
        })
        .collect())
}

/// How far back each catch-up re-reads, for transactions that commit after a later one.
const OVERLAP_MS: i64 = 5_000;
const BATCH: u64 = 1_000;

/// What search knows of a listing on `today`.
pub fn listing(scope: &OrgScope, s: &Service, today: Date) -> Listing {
    Listing {
        organisation: scope.organisation_id(),
        id: s.id,
        name: s.name.clone(),
        description: s.description.clone(),
        provider: s.provider_name.clone(),
        terms: s.terms.clone(),
        slots: s.week_slots(today),
        free: s.cost.is_free(),
        wheelchair: s.wheelchair,
        minimum_age: s.minimum_age,
        maximum_age: s.maximum_age,
        points: s.locations.iter().filter_map(|l| l.point).collect(),
        placeless: s.locations.is_empty(),
        changed: (s.updated_at, s.version),
        offered: s.is_offered(),
    }
}

/// Re-index listings just changed by this server.
pub async fn refresh(db: &Db, index: &DirectoryIndex, scope: &OrgScope, ids: &[linkwell_domain::ServiceId]) {
    let today = crate::today();
    let result = async {
        let services = db.services_by_ids(scope, ids).await?;
        index.upsert(&services.iter().map(|s| listing(scope, s, today)).collect::<Vec<_>>())?;
        Ok::<_, SyncError>(())
    }
    .await;
    if let Err(e) = result {
        // The follower will pick the change up; the change itself is stored.
        tracing::warn!(error = %e, "could not re-index a listing");
    }
}

/// Index every listing changed after `cursor`, moving the cursor on. Returns how many.
pub async fn catch_up(db: &Db, index: &DirectoryIndex, cursor: &mut (i64, String)) -> Result<u64, SyncError> {
    let today = crate::today();
    let mut n = 0;
    loop {
        let batch = db.services_changed_since((cursor.0, &cursor.1), BATCH).await?;
        let Some((_, last_id, last_at)) = batch.last().copied() else { break };
        let mut by_org: std::collections::BTreeMap<String, (OrgScope, Vec<linkwell_domain::ServiceId>)> =
            Default::default();
        for (scope, id, _) in &batch {
            by_org.entry(scope.organisation_id().to_string()).or_insert_with(|| (*scope, vec![])).1.push(*id);
        }
        for (scope, ids) in by_org.values() {
            let services = db.services_by_ids(scope, ids).await?;
            index.upsert(&services.iter().map(|s| listing(scope, s, today)).collect::<Vec<_>>())?;
        }
        n += batch.len() as u64;
        *cursor = (last_at, last_id.to_string());
        if (batch.len() as u64) < BATCH {
            break;
        }
    }
    Ok(n)
}

/// Follow the database for as long as the server runs.
pub async fn follow(db: Db, index: std::sync::Arc<DirectoryIndex>, every: Duration, mut cursor: (i64, String)) {
    let mut day = crate::today();
    loop {
        tokio::time::sleep(every).await;
        if crate::today() != day {
            day = crate::today();
            cursor = (0, String::new());
        } else {
            // Re-read the last few seconds of wall-clock time, not of the newest change:
            // after a bulk import the newest change stays put, and re-reading behind it
            // re-indexed the same listings every few seconds for as long as nobody
            // changed anything.
            let window = linkwell_store::now_ms().saturating_sub(OVERLAP_MS);
            if cursor.0 > window {
                cursor = (window, String::new());
            }
        }
        if let Err(e) = catch_up(&db, &index, &mut cursor).await {
            tracing::warn!(error = %e, "could not bring the search index up to date");
        }
    }
}
