//! Linkwell's storage: one schema and one repository API over SQLite and PostgreSQL.
//!
//! `Db` holds a pool for one engine or the other. Each SQL string is written once, with
//! `$1` placeholders that both engines accept; the `on_db!`/`on_tx!` macros expand the
//! code that binds and reads rows once per engine, because sqlx's row and argument types
//! differ by engine (see the project's STACK notes for why not sqlx's `Any` driver or generic functions).
//! Rows are read into private row structs (`row_struct!`: `sqlx::FromRow` for both
//! engines' rows) and parsed into their types by a `TryFrom` beside them. Where the engines need different SQL, the difference is in `dialect`,
//! the one place that returns each engine's text.
//!
//! Tenant data is reached only through an [`OrgScope`]: there is no function that reads a
//! tenant table without one.

#[macro_use]
mod macros;
pub mod audit;
pub mod case_notes;
pub mod caseload;
mod db;
mod dialect;
pub mod diary;
pub mod directory;
mod error;
pub mod group_feedback;
pub mod group_members;
pub mod group_registers;
pub mod group_stories;
pub mod groups;
mod migrate;
pub mod organisations;
pub mod outbox;
pub mod outcomes;
pub mod own_questionnaires;
pub mod people;
pub mod people_search;
pub mod plans;
pub mod practices;
pub mod programmes;
pub mod questionnaire_links;
pub mod referrals;
pub mod reports;
mod scope;
/// Sessions with a link worker: booking, outcomes, working hours.
pub mod sessions;
pub mod testing;
pub mod tokens;
pub mod users;
mod versioned;
/// Browser sign-in sessions (tower-sessions), not to be confused with `sessions`.
pub mod web_sessions;

pub use db::{Db, Engine, SqliteDb, Tx};
pub use error::StoreError;
pub use migrate::{MIGRATIONS, Migration};
pub use scope::OrgScope;

/// Who makes a change, for the audit entry that the same transaction writes. Every
/// mutation of tenant data takes one, so a change cannot be stored without its entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// The signed-in user, or `None` for the command line and the system itself.
    pub user_id: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// The command line or a background task.
    pub fn system() -> Actor {
        Actor::default()
    }

    pub fn user(user_id: impl ToString, request_id: Option<String>) -> Actor {
        Actor { user_id: Some(user_id.to_string()), request_id }
    }

    pub fn event(
        &self,
        action: linkwell_domain::audit::AuditAction,
        entity_type: &str,
        entity_id: impl ToString,
        detail: Option<String>,
    ) -> linkwell_domain::audit::AuditEvent {
        linkwell_domain::audit::AuditEvent {
            actor_user_id: self.user_id.clone(),
            action,
            entity_type: entity_type.to_owned(),
            entity_id: Some(entity_id.to_string()),
            request_id: self.request_id.clone(),
            detail,
        }
    }
}

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
    pub fn from_overfetch(mut rows: Vec<T>, limit: usize, cursor_of: impl Fn(&T) -> String) -> Self {
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(cursor_of)
        } else {
            None
        };
        Page { items: rows, next_cursor }
    }
}

/// Append the test that a column is one of `ids`: the one way a list of ids is queried
/// (each engine's form is in `dialect::IdList`).
pub(crate) fn push_in_list<DB: dialect::IdList>(qb: &mut sqlx::QueryBuilder<DB>, ids: &[String]) {
    DB::push_in_list(qb, ids);
}
