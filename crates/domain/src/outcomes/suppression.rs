//! Small-number suppression (NHS Digital's disclosure control for sub-national counts,
//! PRODUCT.md §6): 0 stays 0; 1 to 7 is shown as `*`; every other count is rounded to the
//! nearest 5; an average or median over 1 to 7 values is `*`. Totals are worked out from
//! the true counts and then rounded. Secondary suppression hides one more cell wherever a
//! row or column would otherwise have a single `*`, so it cannot be worked out from the
//! others and the total. Commissioners' views and exports always go through here.

/// The largest count shown as `*`.
pub const SUPPRESS_UP_TO: u64 = 7;

/// A figure as a commissioner may see it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Shown {
    Count(u64),
    Value(f64),
    /// Shown as `*`.
    #[serde(serialize_with = "star")]
    Suppressed,
}

fn star<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("*")
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Count(n) => write!(f, "{n}"),
            Shown::Value(v) => write!(f, "{v}"),
            Shown::Suppressed => f.write_str("*"),
        }
    }
}

/// A count as shown: 0, `*` for 1 to 7, else to the nearest 5.
pub fn count(n: u64) -> Shown {
    match n {
        0 => Shown::Count(0),
        1..=SUPPRESS_UP_TO => Shown::Suppressed,
        _ => Shown::Count(n.saturating_add(2) / 5 * 5),
    }
}

/// An average, median or other figure over `n` values, as shown: `*` over 1 to 7 values
/// (and nothing to show over none).
pub fn statistic(n: u64, value: f64) -> Option<Shown> {
    match n {
        0 => None,
        1..=SUPPRESS_UP_TO => Some(Shown::Suppressed),
        _ => Some(Shown::Value(value)),
    }
}

/// A table of counts, rows of cells, as shown — each row's and column's total after it —
/// with secondary suppression: in any row or column where one cell alone is `*`, the
/// smallest other cell that is not 0 is hidden too, until no line has a single `*`.
/// Returns the cells, then the row totals, then the column totals, then the grand total.
pub fn table(rows: &[Vec<u64>]) -> (Vec<Vec<Shown>>, Vec<Shown>, Vec<Shown>, Shown) {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let cell = |r: usize, c: usize| rows[r].get(c).copied().unwrap_or(0);
    let mut hidden: Vec<Vec<bool>> =
        (0..rows.len()).map(|r| (0..width).map(|c| (1..=SUPPRESS_UP_TO).contains(&cell(r, c))).collect()).collect();
    // Each pass hides at most one more cell per line; it ends, as cells only get hidden.
    loop {
        let mut changed = false;
        let lines: Vec<Vec<(usize, usize)>> = (0..rows.len())
            .map(|r| (0..width).map(|c| (r, c)).collect())
            .chain((0..width).map(|c| (0..rows.len()).map(|r| (r, c)).collect()))
            .collect();
        for line in lines {
            if line.iter().filter(|(r, c)| hidden[*r][*c]).count() != 1 {
                continue;
            }
            let next =
                line.iter().filter(|(r, c)| !hidden[*r][*c] && cell(*r, *c) > 0).min_by_key(|(r, c)| cell(*r, *c));
            if let Some((r, c)) = next {
                hidden[*r][*c] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let shown = (0..rows.len())
        .map(|r| (0..width).map(|c| if hidden[r][c] { Shown::Suppressed } else { count(cell(r, c)) }).collect())
        .collect();
    let row_totals = (0..rows.len()).map(|r| count((0..width).map(|c| cell(r, c)).sum())).collect();
    let column_totals = (0..width).map(|c| count((0..rows.len()).map(|r| cell(r, c)).sum())).collect();
    let grand = count(rows.iter().flatten().sum());
    (shown, row_totals, column_totals, grand)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_are_suppressed_and_rounded() {
        let shown: Vec<String> = [0, 1, 7, 8, 10, 12, 13, 1602].iter().map(|n| count(*n).to_string()).collect();
        assert_eq!(shown, ["0", "*", "*", "10", "10", "10", "15", "1600"]);
        assert_eq!(statistic(7, 2.5), Some(Shown::Suppressed));
        assert_eq!(statistic(8, 2.5), Some(Shown::Value(2.5)));
        assert_eq!(statistic(0, 0.0), None);
        assert_eq!(serde_json::to_string(&[count(3), count(42)]).unwrap(), r#"["*",40]"#);
    }

    #[test]
    fn a_lone_star_takes_another_cell_with_it() {
        // Practice by need: one small cell (3). Its row hides the smallest other (25); its
        // column too (20); each line then with a lone star hides one more, until none has.
        let (cells, rows, columns, grand) = table(&[vec![40, 3, 25], vec![60, 30, 10], vec![50, 20, 15]]);
        let text = |v: &[Shown]| v.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        let shown: Vec<String> = cells.iter().map(|r| text(r)).collect();
        assert_eq!(shown, ["40 * *", "60 * *", "50 * *"]);
        // Totals from the true counts, then rounded.
        assert_eq!(
            (text(&rows), text(&columns), grand.to_string()),
            ("70 100 85".into(), "150 55 50".into(), "255".into())
        );
        // A line whose other cells are all 0 has nothing more to hide.
        let (cells, ..) = table(&[vec![3, 0], vec![0, 0]]);
        assert_eq!(cells[0], [Shown::Suppressed, Shown::Count(0)]);
    }

    proptest! {
        /// A shown count is 0 exactly for 0, `*` exactly for 1 to 7, and otherwise a
        /// multiple of 5 within 2 of the truth.
        #[test]
        fn a_count_is_hidden_or_near(n in 0u64..100_000) {
            match count(n) {
                Shown::Count(0) => prop_assert_eq!(n, 0),
                Shown::Suppressed => prop_assert!((1..=7).contains(&n)),
                Shown::Count(r) => prop_assert!(n > 7 && r % 5 == 0 && r.abs_diff(n) <= 2),
                Shown::Value(_) => prop_assert!(false),
            }
        }

        /// No row or column of a table ends with a single `*` while it has another cell
        /// that could be hidden.
        #[test]
        fn no_line_has_a_lone_star(rows in proptest::collection::vec(proptest::collection::vec(0u64..40, 4), 1..6)) {
            let (cells, ..) = table(&rows);
            let lines: Vec<Vec<(usize, usize)>> = (0..rows.len())
                .map(|r| (0..4).map(|c| (r, c)).collect())
                .chain((0..4).map(|c| (0..rows.len()).map(|r| (r, c)).collect()))
                .collect();
            for line in lines {
                let stars = line.iter().filter(|(r, c)| cells[*r][*c] == Shown::Suppressed).count();
                let others = line.iter().filter(|(r, c)| cells[*r][*c] != Shown::Suppressed && rows[*r][*c] > 0).count();
                prop_assert!(stars != 1 || others == 0, "{rows:?} → {cells:?}");
            }
            // Nothing small is ever shown.
            for (r, row) in rows.iter().enumerate() {
                for (c, n) in row.iter().enumerate() {
                    if (1..=7).contains(n) {
                        prop_assert_eq!(cells[r][c], Shown::Suppressed);
                    }
                }
            }
        }
    }
}
