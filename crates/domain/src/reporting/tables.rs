//! A report's tables, as each audience is shown them. The team sees every count as it
//! is; a commissioner sees counts only through small-number suppression with secondary
//! suppression, and statistics over seven people or fewer as `*` (PRODUCT.md §6). There is
//! no other way to show a table, so no figure reaches a commissioner unsuppressed.

use crate::outcomes::suppression::{self, Shown};

/// Who a report is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The team that runs the service: every count as it is.
    Team,
    /// A commissioner: aggregates only, suppressed.
    Commissioner,
}

/// A table of counts: rows, each with a count per column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountTable {
    /// A stable name for the table (its sheet and anchor).
    pub key: &'static str,
    pub title: String,
    /// What the rows are ("Practice", "Need").
    pub row_heading: String,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<u64>)>,
    /// Whether its rows add up to a total (not when one thing counts under several rows,
    /// as a referral under each of its needs).
    pub summable: bool,
}

/// A row as shown, with its total when the table has more than one column.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShownRow {
    pub label: String,
    pub cells: Vec<Shown>,
    pub total: Option<Shown>,
}

/// A table of counts as its audience sees it, with column totals and the grand total.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShownTable {
    pub key: &'static str,
    pub title: String,
    pub row_heading: String,
    pub columns: Vec<String>,
    pub rows: Vec<ShownRow>,
    pub totals: Vec<Shown>,
    pub grand: Option<Shown>,
}

impl CountTable {
    /// The table as `audience` sees it.
    pub fn shown(&self, audience: Audience) -> ShownTable {
        let counts: Vec<Vec<u64>> = self.rows.iter().map(|(_, c)| c.clone()).collect();
        let (cells, row_totals, totals, grand) = match audience {
            Audience::Commissioner => suppression::table(&counts),
            Audience::Team => {
                let width = self.columns.len();
                let at = |r: &Vec<u64>, c: usize| r.get(c).copied().unwrap_or(0);
                (
                    counts.iter().map(|r| (0..width).map(|c| Shown::Count(at(r, c))).collect()).collect(),
                    counts.iter().map(|r| Shown::Count(r.iter().sum())).collect(),
                    (0..width).map(|c| Shown::Count(counts.iter().map(|r| at(r, c)).sum())).collect(),
                    Shown::Count(counts.iter().flatten().sum()),
                )
            }
        };
        let several = self.columns.len() > 1 && self.summable;
        let totals = if self.summable { totals } else { vec![] };
        ShownTable {
            key: self.key,
            title: self.title.clone(),
            row_heading: self.row_heading.clone(),
            columns: self.columns.clone(),
            rows: self
                .rows
                .iter()
                .zip(cells)
                .zip(row_totals)
                .map(|(((label, _), cells), total)| ShownRow {
                    label: label.clone(),
                    cells,
                    total: several.then_some(total),
                })
                .collect(),
            totals,
            grand: several.then_some(grand),
        }
    }
}

/// A row of statistics over `n` people: how many, then each figure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StatRow {
    pub label: String,
    pub n: Shown,
    /// `None`: nothing to show (no pairs, or a figure that needs more).
    pub values: Vec<Option<Shown>>,
}

/// A table of statistics: a row each, its number of people and figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StatTable {
    pub key: &'static str,
    pub title: String,
    pub row_heading: String,
    /// The figures' headings, after "Number".
    pub columns: Vec<String>,
    pub rows: Vec<StatRow>,
}

/// Rounded as reports show figures: two decimal places, or four for a figure under 0.1
/// (a p-value of 0.0059 is not 0.01).
pub fn round2(v: f64) -> f64 {
    let places = if v != 0.0 && v.abs() < 0.1 { 10_000.0 } else { 100.0 };
    (v * places).round() / places
}

/// A row of figures over `n` people as `audience` sees it: a commissioner sees the number
/// suppressed and the figures as `*` over seven people or fewer.
pub fn stat_row(label: &str, n: u64, values: &[Option<f64>], audience: Audience) -> StatRow {
    let values = values
        .iter()
        .map(|v| {
            v.and_then(|v| match audience {
                Audience::Team => Some(Shown::Value(round2(v))),
                Audience::Commissioner => suppression::statistic(n, round2(v)),
            })
        })
        .collect();
    let n = match audience {
        Audience::Team => Shown::Count(n),
        Audience::Commissioner => suppression::count(n),
    };
    StatRow { label: label.to_owned(), n, values }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_practice() -> CountTable {
        CountTable {
            key: "by_practice",
            title: "Referrals received".into(),
            row_heading: "Practice".into(),
            columns: vec!["GP".into(), "Self".into()],
            rows: vec![("Abbey Lane".into(), vec![40, 3]), ("Riverside".into(), vec![22, 12])],
            summable: true,
        }
    }

    #[test]
    fn the_team_sees_every_count_with_totals() {
        let t = by_practice().shown(Audience::Team);
        assert_eq!(t.rows[0].cells, [Shown::Count(40), Shown::Count(3)]);
        assert_eq!(t.rows[0].total, Some(Shown::Count(43)));
        assert_eq!(t.totals, [Shown::Count(62), Shown::Count(15)]);
        assert_eq!(t.grand, Some(Shown::Count(77)));
    }

    #[test]
    fn a_commissioner_sees_small_counts_hidden_with_a_partner() {
        let t = by_practice().shown(Audience::Commissioner);
        // 3 is hidden; its row total would give it away, so 40 goes too; then each
        // column has a lone star, so 12 and 22 go: in two by two, all or nothing.
        assert!(t.rows.iter().all(|r| r.cells == [Shown::Suppressed, Shown::Suppressed]));
        assert_eq!(t.rows[0].total, Some(Shown::Count(45)));
        assert_eq!(t.totals, [Shown::Count(60), Shown::Count(15)], "totals from true counts, rounded");
        // A one-column table has no row totals.
        let one = CountTable { columns: vec!["Referrals".into()], rows: vec![("A".into(), vec![5])], ..by_practice() };
        let shown = one.shown(Audience::Commissioner);
        assert_eq!((shown.rows[0].total, shown.grand), (None, None));
    }

    #[test]
    fn statistics_over_few_people_are_hidden_from_commissioners() {
        let few = stat_row("SWEMWBS", 5, &[Some(2.456), None], Audience::Commissioner);
        assert_eq!((few.n, few.values.clone()), (Shown::Suppressed, vec![Some(Shown::Suppressed), None]));
        let many = stat_row("SWEMWBS", 23, &[Some(2.456)], Audience::Commissioner);
        assert_eq!((many.n, many.values), (Shown::Count(25), vec![Some(Shown::Value(2.46))]));
        assert_eq!(round2(0.005859375), 0.0059, "a p-value keeps four places");
        let team = stat_row("SWEMWBS", 5, &[Some(2.456)], Audience::Team);
        assert_eq!((team.n, team.values), (Shown::Count(5), vec![Some(Shown::Value(2.46))]));
    }
}
