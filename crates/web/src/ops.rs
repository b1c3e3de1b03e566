//! Operations endpoints: liveness, readiness and Prometheus metrics.
//!
//! Metrics are counted per matched route template (`/admin/users/{id}`), never per
//! concrete path, so no identifier or personal data reaches them.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use linkwell_store::Db;

use crate::state::AppState;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut map) = self.series.lock() else {
            return;
        };
        let s = map.entry((method.to_owned(), route.to_owned(), status)).or_default();
        s.count += 1;
        s.sum_seconds += seconds;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP linkwell_http_requests_total HTTP requests by route template and status.\n# TYPE linkwell_http_requests_total counter\n",
        );
        let Ok(map) = self.series.lock() else {
            return out;
        };
        for ((m, r, st), s) in map.iter() {
            out.push_str(&format!(
                "linkwell_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{st}\"}} {}\n",
                s.count
            ));
        }
        out.push_str("# HELP linkwell_http_request_duration_seconds Request latency by route template.\n# TYPE linkwell_http_request_duration_seconds histogram\n");
        for ((m, r, st), s) in map.iter() {
            let labels = format!("method=\"{m}\",route=\"{r}\",status=\"{st}\"");
            for (i, b) in BUCKETS.iter().enumerate() {
                out.push_str(&format!(
                    "linkwell_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}\n",
                    s.buckets[i]
                ));
            }
            out.push_str(&format!(
                "linkwell_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n",
                s.count
            ));
            out.push_str(&format!("linkwell_http_request_duration_seconds_sum{{{labels}}} {}\n", s.sum_seconds));
            out.push_str(&format!("linkwell_http_request_duration_seconds_count{{{labels}}} {}\n", s.count));
        }
        out
    }
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route =
        req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let method = method_label(req.method());
    let start = Instant::now();
    let res = next.run(req).await;
    state.metrics.observe(method, &route, res.status().as_u16(), start.elapsed().as_secs_f64());
    res
}

/// A method as a metric label: the standard ones by name, anything else as `OTHER`, so a
/// client inventing methods (`FOO1`, `FOO2`, …) cannot grow the series without bound.
pub fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

pub async fn healthz() -> &'static str {
    "ok"
}

#[derive(serde::Serialize)]
struct Ready {
    status: &'static str,
    engine: &'static str,
    schema_version: i64,
    latest_schema_version: i64,
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let engine = match state.db.engine() {
        linkwell_store::Engine::Sqlite => "sqlite",
        linkwell_store::Engine::Postgres => "postgres",
    };
    match (state.db.ping().await, state.db.schema_version().await) {
        (Ok(()), Ok(v)) if v == Db::latest_schema_version() => Json(Ready {
            status: "ready",
            engine,
            schema_version: v,
            latest_schema_version: Db::latest_schema_version(),
        })
        .into_response(),
        (Ok(()), Ok(v)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Ready {
                status: "schema out of date",
                engine,
                schema_version: v,
                latest_schema_version: Db::latest_schema_version(),
            }),
        )
            .into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Ready {
                status: "database unreachable",
                engine,
                schema_version: 0,
                latest_schema_version: Db::latest_schema_version(),
            }),
        )
            .into_response(),
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}
