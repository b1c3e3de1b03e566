//! Outcomes (PRODUCT.md §3 journeys 7 and 9, §6): validated questionnaires, scored exactly
//! as published, and the disclosure control every figure a commissioner sees goes
//! through.
//!
//! - [`instruments`]: the built-in questionnaires — ONS4, SWEMWBS, WEMWBS, the UCLA
//!   3-item loneliness scale and the direct loneliness question, MYCaW, the Friends and
//!   Family Test, GP appointments in the last three months — each a versioned definition
//!   of items, answer scales and the measures it gives, with when it is given
//!   ([`instruments::Timepoint`]).
//! - [`own`]: an organisation's own questionnaires — Likert, number, single and multiple
//!   choice questions whose scores add up, or a licensed instrument's score alone — each
//!   change a new version.
//! - [`questionnaire`]: any questionnaire, built in or own, seen one way: its questions,
//!   its measures, answers checked and scored. Forms, links and reports use this.
//! - [`scoring`]: answers to measures (SWEMWBS by the official raw-to-metric table, no score
//!   when incomplete; ONS4's items each on their own, with the ONS bands).
//! - [`responses`]: a questionnaire as answered, checked on its scales and scored, and each
//!   case's baseline paired with its latest later score for reports.
//! - [`statistics`]: a measure's change over paired scores — mean with its 95% confidence
//!   interval, the share improving by the meaningful-change threshold, the Wilcoxon
//!   signed-rank p-value.
//! - [`thresholds`]: the built-in measures' meaningful-change thresholds as an organisation
//!   sets them, in place of the published defaults.
//! - [`suppression`]: small-number suppression — 1 to 7 shown as `*`, other counts to the
//!   nearest 5 — with secondary suppression, so a suppressed cell cannot be worked out
//!   from what its row and column show.

pub mod instruments;
pub mod own;
pub mod questionnaire;
pub mod responses;
pub mod scoring;
pub mod statistics;
pub mod suppression;
pub mod thresholds;
