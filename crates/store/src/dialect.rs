//! The one place where the two engines need different SQL. Everything else is written
//! once, with `$1` placeholders both accept; what differs is here, as a function of the
//! [`Engine`] that returns each engine's text, and its callers stay in their modules.
//!
//! The schema itself is written once per engine, in `migrations/sqlite/` and
//! `migrations/postgres/`; `migration` picks the script.

use sqlx::{Postgres, QueryBuilder, Sqlite};

use crate::{Engine, Migration};

/// The statement that begins a write transaction. SQLite's `BEGIN IMMEDIATE` takes the
/// write lock up front: a deferred transaction that reads and then writes fails with
/// SQLITE_BUSY when another writer got in between, instead of waiting. PostgreSQL's
/// plain `BEGIN` is what sqlx sends by itself.
pub(crate) fn begin_write(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "BEGIN IMMEDIATE",
        Engine::Postgres => "BEGIN",
    }
}

/// A migration's script for this engine.
pub(crate) fn migration(engine: Engine, m: &Migration) -> &'static str {
    match engine {
        Engine::Sqlite => m.sqlite,
        Engine::Postgres => m.postgres,
    }
}

/// Each postcode district's centroid (the mean point of its full postcodes), inserted or
/// replaced. The engines name "the part before the space" (the outward code, `LS8` of
/// `LS8 2HH`) differently: `substr` and `instr` on SQLite, `split_part` and `position`
/// on PostgreSQL.
pub(crate) fn district_centroids(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => {
            "INSERT INTO postcodes (postcode, latitude, longitude) SELECT substr(postcode, 1, instr(postcode, ' ') - 1), AVG(latitude), AVG(longitude) FROM postcodes WHERE instr(postcode, ' ') > 0 GROUP BY 1 ON CONFLICT (postcode) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude"
        }
        Engine::Postgres => {
            "INSERT INTO postcodes (postcode, latitude, longitude) SELECT split_part(postcode, ' ', 1), AVG(latitude), AVG(longitude) FROM postcodes WHERE position(' ' in postcode) > 0 GROUP BY 1 ON CONFLICT (postcode) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude"
        }
    }
}

/// How each engine tests a column against a list of ids, for queries otherwise built once
/// (`on_db!` expands a builder's code once per engine, so the engine is its type).
pub(crate) trait IdList: sqlx::Database {
    fn push_in_list(qb: &mut QueryBuilder<Self>, ids: &[String]);
}

/// SQLite: ` IN ($n, …)`, a parameter per id (its planner looks each one up in the index).
impl IdList for Sqlite {
    fn push_in_list(qb: &mut QueryBuilder<Self>, ids: &[String]) {
        qb.push(" IN (");
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(id.clone());
        }
        sep.push_unseparated(")");
    }
}

/// PostgreSQL: ` IN (SELECT unnest($n))`, one text array. A statement with a parameter per
/// id is a new statement for every length, parsed and planned again each time; a search's
/// list of up to 1,000 ids made that most of its cost. Unnested, the ids are a set the
/// planner joins to the primary key one probe each: `= ANY($n)` sorted the array first and
/// took twice as long (1,000 ids among 20,000 listings: a count 10.0 → 5.6 ms, a page of
/// them by name 12.0 → 9.7 ms, `EXPLAIN ANALYZE` of the generic plans).
impl IdList for Postgres {
    fn push_in_list(qb: &mut QueryBuilder<Self>, ids: &[String]) {
        qb.push(" IN (SELECT unnest(").push_bind(ids.to_vec()).push("::text[]))");
    }
}
