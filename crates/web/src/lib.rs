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
mod client;
mod download;
mod error;
#[cfg(test)]
mod fuzz;
mod input;
mod ops;
pub mod oruk;
mod pages;
mod pdf;
mod security;
pub mod state;
pub mod templates;

pub use app::{RouteSpec, router, routes, serve};
pub use state::{AppState, Config};
