//! Reporting (PRODUCT.md §3 journeys 7 and 9): the period and filters a report covers,
//! tables of counts and figures, and how each reaches its audience — the team sees every
//! count; a commissioner sees them only through small-number suppression, with secondary
//! suppression, and statistics over too few people as `*`.
//!
//! - [`filter`]: a report's period (dates, or a programme's funding period) and filters.
//! - [`tables`]: tables of counts and of statistics, as each audience is shown them.
//! - [`waits`]: waiting times as a median and 90th percentile.

pub mod dataset;
pub mod filter;
pub mod tables;
pub mod waits;
