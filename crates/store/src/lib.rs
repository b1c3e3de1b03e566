//! Linkwell's storage: one schema and one repository API over SQLite and PostgreSQL.
//!
//! `Db` holds a pool for one engine or the other. Each SQL string is written once, with
//! `$1` placeholders that both engines accept; the `on_db!`/`on_tx!` macros expand the
//! code that binds and reads rows once per engine, because sqlx's row and argument types
//! differ by engine (see STACK.md for why not sqlx's `Any` driver or generic functions).
//! Where the engines need different SQL, the difference is spelled out beside the
//! `Db::Sqlite`/`Db::Postgres` match arm so it can be found with grep.
//!
//! Tenant data is reached only through an [`OrgScope`]: there is no function that reads a
//! tenant table without one.

#[macro_use]
mod macros;
pub mod audit;
mod db;
mod error;
mod migrate;
pub mod organisations;
pub mod practices;
mod scope;
pub mod sessions;
pub mod testing;
pub mod tokens;
pub mod users;

pub use db::{Db, Engine, Tx};
pub use error::StoreError;
pub use migrate::{MIGRATIONS, Migration};
pub use scope::OrgScope;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The current instant as stored: epoch milliseconds, UTC.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A page of results and the opaque cursor of the next page, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Build a page from up to `limit + 1` fetched rows: the extra row only proves that a
    /// next page exists.
    pub fn from_overfetch(
        mut rows: Vec<T>,
        limit: usize,
        cursor_of: impl Fn(&T) -> String,
    ) -> Self {
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(cursor_of)
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}
