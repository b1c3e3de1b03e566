//! How a group is doing, from its members and registers: what a commissioner and the team
//! ask of a group the service runs ("over 100 signed up", "eight a week", "most still come
//! after three months"). Figures count only what happened: sessions whose register was
//! taken, members from the day they joined.

use std::collections::BTreeMap;

use jiff::civil::Date;

/// Weeks after joining at which retention is read.
pub const RETENTION_WEEKS: [i64; 2] = [4, 12];

const WEEK_MS: i64 = 7 * 86_400_000;

/// A member as the figures need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFacts {
    /// When they got a place (`None`: never, only waited).
    pub joined_at: Option<i64>,
    pub left_at: Option<i64>,
    /// On the waiting list or offered a place now.
    pub waiting: bool,
    pub prescribed: bool,
    /// The start of the last session they came to.
    pub last_came_at: Option<i64>,
}

/// A past session as the figures need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    pub on_date: Date,
    pub starts_at: i64,
    pub cancelled: bool,
    /// How many came, if its register was taken.
    pub came: Option<u32>,
}

/// How a group is doing.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupFigures {
    /// Everyone who ever had a place.
    pub signed_up: u32,
    /// Members now.
    pub members: u32,
    /// Signed up in each month (`2026-11`), oldest first.
    pub signups_by_month: Vec<(String, u32)>,
    /// Sessions held (register taken) and called off.
    pub sessions_held: u32,
    pub sessions_cancelled: u32,
    /// Mean number who came to a session held; `None` with none held.
    pub average_attendance: Option<f64>,
    /// Who came over who were members on the day of each session held, as a share of 1.
    pub attendance_rate: Option<f64>,
    /// Of those who joined at least 4 (12) weeks ago, the share who came to a session 4
    /// (12) or more weeks after joining.
    pub retention_4_weeks: Option<f64>,
    pub retention_12_weeks: Option<f64>,
    /// Waiting or offered a place now.
    pub waiting: u32,
    /// Of everyone who ever had a place, the share who came by social prescription.
    pub prescribed_share: Option<f64>,
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

fn count(it: impl Iterator<Item = bool>) -> u32 {
    u32::try_from(it.filter(|b| *b).count()).unwrap_or(u32::MAX)
}

/// The figures at `now` from the group's members and its past sessions.
pub fn figures(members: &[MemberFacts], sessions: &[SessionFacts], now: i64) -> GroupFigures {
    let joined: Vec<&MemberFacts> = members.iter().filter(|m| m.joined_at.is_some()).collect();
    let signed_up = u32::try_from(joined.len()).unwrap_or(u32::MAX);
    let mut by_month: BTreeMap<String, u32> = BTreeMap::new();
    for m in &joined {
        if let Some(at) = m.joined_at {
            *by_month.entry(crate::time::london_date(at).strftime("%Y-%m").to_string()).or_default() += 1;
        }
    }
    let held: Vec<&SessionFacts> = sessions.iter().filter(|s| !s.cancelled && s.came.is_some()).collect();
    let came: u32 = held.iter().filter_map(|s| s.came).sum();
    // A member from the day they joined (a walk-in joins during the session): each
    // member's day is read once, not once for every session.
    let member_from: Vec<(Date, Option<i64>)> =
        joined.iter().filter_map(|m| Some((crate::time::london_date(m.joined_at?), m.left_at))).collect();
    let expected: u32 = held
        .iter()
        .map(|s| count(member_from.iter().map(|(day, left)| *day <= s.on_date && left.is_none_or(|l| l > s.starts_at))))
        .sum();
    let retention = |weeks: i64| {
        let old_enough: Vec<&&MemberFacts> =
            joined.iter().filter(|m| m.joined_at.is_some_and(|j| j + weeks * WEEK_MS <= now)).collect();
        let kept = count(old_enough.iter().map(|m| match (m.joined_at, m.last_came_at) {
            (Some(j), Some(last)) => last >= j + weeks * WEEK_MS,
            _ => false,
        }));
        share(kept, u32::try_from(old_enough.len()).unwrap_or(u32::MAX))
    };
    GroupFigures {
        signed_up,
        members: count(joined.iter().map(|m| m.left_at.is_none())),
        signups_by_month: by_month.into_iter().collect(),
        sessions_held: u32::try_from(held.len()).unwrap_or(u32::MAX),
        sessions_cancelled: count(sessions.iter().map(|s| s.cancelled)),
        average_attendance: (!held.is_empty()).then(|| f64::from(came) / held.len() as f64),
        attendance_rate: share(came.min(expected), expected),
        retention_4_weeks: retention(RETENTION_WEEKS[0]),
        retention_12_weeks: retention(RETENTION_WEEKS[1]),
        waiting: count(members.iter().map(|m| m.waiting)),
        prescribed_share: share(count(joined.iter().map(|m| m.prescribed)), signed_up),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const DAY: i64 = 86_400_000;

    fn member(
        joined_day: Option<i64>,
        left_day: Option<i64>,
        last_came_day: Option<i64>,
        prescribed: bool,
    ) -> MemberFacts {
        MemberFacts {
            joined_at: joined_day.map(|d| d * DAY),
            left_at: left_day.map(|d| d * DAY),
            waiting: joined_day.is_none(),
            prescribed,
            last_came_at: last_came_day.map(|d| d * DAY),
        }
    }

    #[test]
    fn a_groups_figures_count_what_happened() {
        // Day 0 is 1 January 1970; sessions on days 10, 17, 24 (one cancelled) and 31.
        let members = [
            member(Some(1), None, Some(31), true),
            member(Some(1), Some(20), Some(17), false),
            member(Some(15), None, Some(31), false),
            member(None, None, None, false),
        ];
        let session = |day: i64, cancelled: bool, came: Option<u32>| SessionFacts {
            on_date: date(1970, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap(),
            starts_at: day * DAY,
            cancelled,
            came,
        };
        let sessions = [
            session(10, false, Some(2)),
            session(17, false, Some(3)),
            session(24, true, None),
            session(31, false, Some(2)),
        ];
        let f = figures(&members, &sessions, 100 * DAY);
        assert_eq!((f.signed_up, f.members, f.waiting), (3, 2, 1));
        assert_eq!(f.signups_by_month, [("1970-01".to_owned(), 3)]);
        assert_eq!((f.sessions_held, f.sessions_cancelled), (3, 1));
        assert_eq!(f.average_attendance, Some(7.0 / 3.0));
        // Members at each: day 10 two, day 17 three, day 31 two (one left on day 20).
        assert_eq!(f.attendance_rate, Some(1.0));
        // At 4 weeks: the first came on day 31 (>= 29), the second last on 17, the third on 31 (< 43).
        assert_eq!(f.retention_4_weeks, Some(1.0 / 3.0));
        assert_eq!(f.retention_12_weeks, Some(0.0));
        assert_eq!(f.prescribed_share, Some(1.0 / 3.0));
        // Nothing yet: no shares made up.
        let empty = figures(&[], &[], 0);
        assert_eq!(
            (empty.average_attendance, empty.attendance_rate, empty.retention_4_weeks, empty.prescribed_share),
            (None, None, None, None)
        );
    }
}
