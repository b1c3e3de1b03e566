//! Linkwell's web layer.
pub mod templates;
