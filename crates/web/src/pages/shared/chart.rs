//! Charts drawn on the server as SVG (PRODUCT.md: every chart has a title, a description
//! and the same figures as a table beside it). This computes where each mark goes; the
//! template `components/chart.html` draws them, so every text in a chart is escaped like
//! any other text on the page. No script: a chart is an image with words.

use jiff::civil::Date;
use minijinja::Value;

/// The drawing area, in SVG user units; the SVG scales to its container.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 280.0;
/// Room for the value axis' labels on the left and the dates below.
const LEFT: f64 = 48.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;
/// Dates labelled at most along the bottom (every point keeps its mark).
const MAX_DATE_LABELS: usize = 6;

/// One value on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub day: Date,
    pub value: f64,
    /// What the point is, for its tooltip (e.g. "Baseline").
    pub label: String,
}

/// A line chart of `points` (in time order) on a value axis from `range.0` to `range.1`,
/// named by `title` and described by `description`. `id` makes its title's id unique on
/// the page.
pub fn line(id: &str, title: &str, description: &str, range: (f64, f64), points: &[Point]) -> Value {
    let (low, high) = if range.1 > range.0 { range } else { (range.0, range.0 + 1.0) };
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |v: f64| TOP + plot_h * (1.0 - (v.clamp(low, high) - low) / (high - low));
    let (first, last) = match (points.first(), points.last()) {
        (Some(f), Some(l)) => (f.day, l.day),
        _ => return minijinja::context! { id => id, title => title, description => description, empty => true },
    };
    let span = (last - first).get_days().max(0) as f64;
    let x = |d: Date| {
        if span == 0.0 { LEFT + plot_w / 2.0 } else { LEFT + plot_w * ((d - first).get_days() as f64 / span) }
    };
    let ticks: Vec<Value> = value_ticks(low, high)
        .into_iter()
        .map(|v| minijinja::context! { y => round(y(v)), text => number(v) })
        .collect();
    let marks: Vec<Value> = points
        .iter()
        .map(|p| {
            minijinja::context! {
                x => round(x(p.day)), y => round(y(p.value)),
                text => format!("{}: {} on {}", p.label, number(p.value), linkwell_domain::time::display_london_date(p.day)),
            }
        })
        .collect();
    let path =
        points.iter().map(|p| format!("{},{}", round(x(p.day)), round(y(p.value)))).collect::<Vec<_>>().join(" ");
    let step = points.len().div_ceil(MAX_DATE_LABELS).max(1);
    let dates: Vec<Value> = points
        .iter()
        .enumerate()
        .filter(|(i, _)| i % step == 0 || *i == points.len() - 1)
        .map(|(_, p)| p.day)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|d| minijinja::context! { x => round(x(d)), text => d.strftime("%-d %b %y").to_string() })
        .collect();
    minijinja::context! {
        id => id, title => title, description => description, empty => false,
        width => WIDTH, height => HEIGHT, left => LEFT, right => WIDTH - RIGHT, top => TOP, bottom => HEIGHT - BOTTOM,
        ticks => ticks, marks => marks, path => path, dates => dates,
    }
}

/// A horizontal bar chart, a bar a row: `rows` are (label, value), a value of `None`
/// drawn as no bar with `*` (suppressed). Bars are scaled to the largest value.
pub fn bars(id: &str, title: &str, description: &str, rows: &[(String, Option<f64>)]) -> Value {
    const ROW: f64 = 32.0;
    const LABEL: f64 = 220.0;
    const BAR_MAX: f64 = WIDTH - LABEL - 72.0;
    if rows.is_empty() {
        return minijinja::context! { id => id, title => title, description => description, empty => true };
    }
    let top = rows.iter().filter_map(|(_, v)| *v).fold(0.0_f64, f64::max).max(1.0);
    let bars: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let y = TOP + ROW * i as f64;
            let width = v.map_or(0.0, |v| round(BAR_MAX * v.max(0.0) / top));
            minijinja::context! {
                label => label, y => round(y),
                short => if label.chars().count() > 30 { format!("{}…", label.chars().take(29).collect::<String>()) } else { label.clone() }, text_y => round(y + ROW / 2.0 + 5.0), width => width,
                value_x => round(LABEL + width + 8.0), value => v.map_or("*".to_owned(), number),
            }
        })
        .collect();
    minijinja::context! {
        id => id, title => title, description => description, empty => false, width => WIDTH,
        height => round(TOP * 2.0 + ROW * rows.len() as f64), label_x => LABEL - 8.0, bar_x => LABEL, bar_height => ROW - 8.0,
        bars => bars,
    }
}

/// Five round values across the axis, ends included.
fn value_ticks(low: f64, high: f64) -> Vec<f64> {
    (0..=4).map(|i| low + (high - low) * f64::from(i) / 4.0).collect()
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A value as people read it: whole numbers without a point, others to two places.
pub fn number(v: f64) -> String {
    linkwell_domain::outcomes::scoring::score_text(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn point(day: Date, value: f64) -> Point {
        Point { day, value, label: "Baseline".into() }
    }

    #[test]
    fn points_fall_inside_the_plot_in_time_order_with_higher_values_higher() {
        let c = line(
            "swemwbs",
            "SWEMWBS",
            "From 16.88 to 23.21",
            (7.0, 35.0),
            &[point(date(2026, 9, 1), 16.88), point(date(2026, 11, 1), 23.21)],
        );
        let marks: Vec<(f64, f64)> = c
            .get_attr("marks")
            .unwrap()
            .try_iter()
            .unwrap()
            .map(|m| {
                (f64::try_from(m.get_attr("x").unwrap()).unwrap(), f64::try_from(m.get_attr("y").unwrap()).unwrap())
            })
            .collect();
        assert_eq!(marks.len(), 2);
        assert_eq!(marks[0].0, LEFT, "the first day at the left edge");
        assert_eq!(marks[1].0, WIDTH - RIGHT, "the last at the right");
        assert!(marks[1].1 < marks[0].1, "a higher value is drawn higher");
        assert!(marks.iter().all(|(_, y)| (TOP..=HEIGHT - BOTTOM).contains(y)));
        let m0 = c.get_attr("marks").unwrap().get_item(&Value::from(0)).unwrap();
        assert_eq!(m0.get_attr("text").unwrap().to_string(), "Baseline: 16.88 on Tuesday 1 September 2026");
    }

    #[test]
    fn one_point_sits_in_the_middle_and_no_points_say_so() {
        let c = line("x", "X", "", (0.0, 10.0), &[point(date(2026, 9, 1), 20.0)]);
        let m0 = c.get_attr("marks").unwrap().get_item(&Value::from(0)).unwrap();
        assert_eq!(f64::try_from(m0.get_attr("x").unwrap()).unwrap(), LEFT + (WIDTH - LEFT - RIGHT) / 2.0);
        assert_eq!(f64::try_from(m0.get_attr("y").unwrap()).unwrap(), TOP, "clamped to the top of the range");
        assert!(line("x", "X", "", (0.0, 10.0), &[]).get_attr("empty").unwrap().is_true());
    }

    #[test]
    fn bars_scale_to_the_largest_and_a_hidden_value_has_no_bar() {
        let c = bars(
            "p",
            "By practice",
            "",
            &[("Abbey".into(), Some(40.0)), ("River".into(), Some(20.0)), ("Hill".into(), None)],
        );
        let width = |i: usize| {
            f64::try_from(c.get_attr("bars").unwrap().get_item(&Value::from(i)).unwrap().get_attr("width").unwrap())
                .unwrap()
        };
        assert_eq!(width(0), 2.0 * width(1));
        assert_eq!(width(2), 0.0);
        let hidden = c.get_attr("bars").unwrap().get_item(&Value::from(2)).unwrap();
        assert_eq!(hidden.get_attr("value").unwrap().to_string(), "*");
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!((number(3.0), number(16.875), number(0.5)), ("3".into(), "16.88".into(), "0.50".into()));
    }
}
