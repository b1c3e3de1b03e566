//! Linkwell's web layer: server-rendered pages, the JSON API under `/api/v1/`, health and
//! metrics, on one axum router.
//!
//! Start reading at [`app::router`]: it lists every route with the [`access::Access`] it
//! needs, and that table is both what the server enforces and what the role × route matrix
//! test walks.

pub mod access;
mod api;
pub mod app;
mod auth;
pub mod casework;
mod client;
pub mod directory_csv;
pub mod directory_search;
mod error;
#[cfg(test)]
mod fuzz;
pub mod identity;
mod input;
mod ops;
pub mod oruk;
mod pages;
pub mod reminders;
mod security;
pub mod state;
pub mod templates;

pub use app::{RouteSpec, router, routes, serve};

/// Today's date on the London clock: the "today" of every date rule (dates of birth,
/// staleness, follow-ups), whatever zone the server runs in.
pub fn today() -> jiff::civil::Date {
    jiff::Zoned::now().with_time_zone(linkwell_domain::time::london()).date()
}
pub use state::{AppState, Config};
