//! The change feed: listings changed since a cursor, across every organisation, which the
//! search index follows to keep up with the database.

use linkwell_domain::ServiceId;

use crate::error::stored;
use crate::{Db, Result};

impl Db {
    /// Services changed after the cursor `(updated_at, id)` in every organisation, oldest
    /// first, `limit` at a time: how the search index (one per server, for every tenant)
    /// catches up with the database. Start from `(0, "")`; continue from the last row.
    pub async fn services_changed_since(
        &self,
        since: (i64, &str),
        limit: u64,
    ) -> Result<Vec<(crate::OrgScope, ServiceId, i64)>> {
        on_db!(self, pool => {
            let rows: Vec<(String, String, i64)> = sqlx::query_as("SELECT organisation_id, id, updated_at FROM services WHERE updated_at > $1 OR (updated_at = $1 AND id > $2) ORDER BY updated_at, id LIMIT $3")
                .bind(since.0).bind(since.1).bind(limit as i64).fetch_all(pool).await?;
            rows.into_iter().map(|(organisation_id, id, updated_at)| Ok((
                crate::OrgScope::new(stored(organisation_id.parse())?),
                stored(id.parse())?,
                updated_at,
            ))).collect()
        })
    }
}
