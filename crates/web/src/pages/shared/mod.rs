//! What several page modules use: form choices, the person's form fields, referral rows,
//! the team's lists and directory listings. Page modules import from here, never from one another.

mod chart;
mod choices;
mod listings;
mod person_form;
mod referral_rows;
mod team_list;

pub use chart::{Point, bars as bar_chart, line as line_chart, number};
pub use choices::items;
pub use listings::{LISTINGS_PER_PAGE, ListQuery, detail_rows, result_row, search_query, term_items};
pub use person_form::{person_choices, person_fields, referral_fields};
pub use referral_rows::{caseload_rows, follow_up_rows, prescription_rows, summary_rows};
pub use team_list::{CLEARED, TeamListQuery, filter_choices, on_the_form, order_label, sort_headers};
