//! The response window: the service aims to reach a referred person within 14 days of the
//! referral arriving. A referral still waiting to be seen is flagged to the coordinator
//! when few days of that are left, and again once the window has passed, so an urgent
//! or old referral stands out from the rest of the waiting list instead of looking like
//! every other row.

use jiff::civil::Date;

/// Days from a referral's arrival within which the service aims to reach the person.
pub const RESPONSE_WINDOW_DAYS: i64 = 14;
/// A waiting referral is "closing" when this many days of the window, or fewer, are left.
pub const CLOSING_DAYS: i64 = 4;

/// Where a waiting referral stands against the response window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum ResponseWindow {
    /// More than [`CLOSING_DAYS`] left.
    Open { days_left: i64 },
    /// [`CLOSING_DAYS`] days left or fewer (0: the last day is today).
    Closing { days_left: i64 },
    /// The window has passed, by this many days.
    Missed { days_over: i64 },
}

impl ResponseWindow {
    /// Where a referral received on `received` stands on `today` (London dates).
    pub fn of(received: Date, today: Date) -> ResponseWindow {
        let left = RESPONSE_WINDOW_DAYS - days_waiting(received, today);
        if left < 0 {
            ResponseWindow::Missed { days_over: -left }
        } else if left <= CLOSING_DAYS {
            ResponseWindow::Closing { days_left: left }
        } else {
            ResponseWindow::Open { days_left: left }
        }
    }

    /// The referral needs the coordinator's eye: closing or missed.
    pub fn flagged(self) -> bool {
        !matches!(self, ResponseWindow::Open { .. })
    }

    /// How a list says it, such as "2 days left" or "3 days over".
    pub fn label(self) -> String {
        let days = |n: i64| if n == 1 { "1 day".to_owned() } else { format!("{n} days") };
        match self {
            ResponseWindow::Open { days_left } | ResponseWindow::Closing { days_left } if days_left == 0 => {
                "Last day".to_owned()
            }
            ResponseWindow::Open { days_left } | ResponseWindow::Closing { days_left } => {
                format!("{} left", days(days_left))
            }
            ResponseWindow::Missed { days_over } => format!("{} over", days(days_over)),
        }
    }
}

/// Whole London days since the referral arrived: 0 on the day it arrived. A date after
/// `today` (a clock set wrong elsewhere) counts as 0, never as negative waiting.
pub fn days_waiting(received: Date, today: Date) -> i64 {
    (today - received).get_days().max(0).into()
}

/// The arrival dates a window stage covers, for a query over stored referrals: those
/// received on or before `closing_on` are closing or missed; on or before `missed_on`,
/// missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowDates {
    pub closing_on: Date,
    pub missed_on: Date,
}

impl WindowDates {
    pub fn on(today: Date) -> WindowDates {
        let back = |days: i64| today.checked_sub(jiff::Span::new().days(days)).unwrap_or(Date::MIN);
        WindowDates { closing_on: back(RESPONSE_WINDOW_DAYS - CLOSING_DAYS), missed_on: back(RESPONSE_WINDOW_DAYS + 1) }
    }

    /// The instants (ms) a query compares arrival times with: received before the first
    /// is closing or missed; before the second, missed (the ends of those London days).
    pub fn instants(&self) -> (i64, i64) {
        let after = |d: Date| crate::time::london_day_start(d.tomorrow().unwrap_or(d));
        (after(self.closing_on), after(self.missed_on))
    }
}

/// The fewest recent first contacts an expected wait is worked out from: fewer say
/// nothing reliable, and the confirmation gives only the service's aim.
pub const WAIT_SAMPLES_NEEDED: usize = 5;

/// How long people have recently waited to be reached, in whole days (the median, rounded
/// up), from the waits of recent first contacts (ms from receipt to contact); `None` with
/// fewer than [`WAIT_SAMPLES_NEEDED`].
pub fn expected_wait_days(waits_ms: &[i64]) -> Option<i64> {
    if waits_ms.len() < WAIT_SAMPLES_NEEDED {
        return None;
    }
    let mut sorted: Vec<i64> = waits_ms.iter().map(|w| (*w).max(0)).collect();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    Some(((median + 86_399_999) / 86_400_000).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn the_expected_wait_is_the_median_in_whole_days() {
        let day = 86_400_000;
        assert_eq!(expected_wait_days(&[day; 4]), None, "too few to say");
        assert_eq!(expected_wait_days(&[day, 2 * day, 3 * day + 1, 9 * day, 40 * day]), Some(4));
        assert_eq!(expected_wait_days(&[0, 0, 0, 5, -3]), Some(1), "the same day is a day");
    }

    proptest! {
        /// Half the recent waits were at most the expected wait.
        #[test]
        fn at_least_half_waited_no_longer(waits in proptest::collection::vec(0i64..60 * 86_400_000, 5..100)) {
            let days = expected_wait_days(&waits).unwrap();
            let within = waits.iter().filter(|w| **w <= days * 86_400_000).count();
            prop_assert!(within * 2 >= waits.len());
        }
    }

    #[test]
    fn the_window_in_words() {
        let today = date(2026, 12, 3);
        assert_eq!(ResponseWindow::of(today, today), ResponseWindow::Open { days_left: 14 });
        assert_eq!(ResponseWindow::of(date(2026, 11, 23), today), ResponseWindow::Closing { days_left: 4 });
        assert_eq!(ResponseWindow::of(date(2026, 11, 19), today), ResponseWindow::Closing { days_left: 0 });
        assert_eq!(ResponseWindow::of(date(2026, 11, 18), today), ResponseWindow::Missed { days_over: 1 });
        assert_eq!(ResponseWindow::of(date(2026, 11, 24), today).label(), "5 days left");
        assert_eq!(ResponseWindow::of(date(2026, 11, 19), today).label(), "Last day");
        assert_eq!(ResponseWindow::of(date(2026, 11, 16), today).label(), "3 days over");
        assert_eq!(ResponseWindow::of(date(2026, 11, 18), today).label(), "1 day over");
        assert_eq!(days_waiting(date(2026, 12, 4), today), 0);
    }

    fn a_date() -> impl Strategy<Value = Date> {
        (0i64..40_000).prop_map(|d| date(1990, 1, 1).checked_add(jiff::Span::new().days(d)).unwrap())
    }

    proptest! {
        /// The stages follow one another as the days pass, and the query dates agree with
        /// the stage of every arrival date.
        #[test]
        fn stages_agree_with_the_query_dates(received in a_date(), wait in 0i64..60) {
            let today = received.checked_add(jiff::Span::new().days(wait)).unwrap();
            let window = ResponseWindow::of(received, today);
            let dates = WindowDates::on(today);
            prop_assert_eq!(window.flagged(), received <= dates.closing_on);
            prop_assert_eq!(matches!(window, ResponseWindow::Missed { .. }), received <= dates.missed_on);
            let tomorrow = today.tomorrow().unwrap();
            let next = ResponseWindow::of(received, tomorrow);
            let rank = |w: ResponseWindow| match w { ResponseWindow::Open { .. } => 0, ResponseWindow::Closing { .. } => 1, ResponseWindow::Missed { .. } => 2 };
            prop_assert!(rank(next) >= rank(window));
            prop_assert_eq!(days_waiting(received, tomorrow), days_waiting(received, today) + 1);
        }
    }
}
