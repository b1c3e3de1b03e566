//! Fetching an ORUK feed's service records, from a file or over HTTP. What the records
//! mean is `linkwell_web::oruk::import`'s business.

use anyhow::{Context, anyhow, bail};
use linkwell_web::oruk::import::records;
use serde_json::Value;

const PER_PAGE: u32 = 100;
/// A feed that claims more pages than this is not believed.
const MAX_PAGES: u32 = 100_000;

/// Every service record at `source`.
pub async fn read(source: &str) -> anyhow::Result<Vec<Value>> {
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        let text = std::fs::read_to_string(source).with_context(|| format!("could not read {source}"))?;
        return records(&text).map_err(|e| anyhow!("{source}: {e}"));
    }
    let http = reqwest::Client::builder().user_agent(concat!("linkwell/", env!("CARGO_PKG_VERSION"))).build()?;
    let get = |url: String| {
        let http = http.clone();
        async move {
            let r = http.get(&url).send().await.with_context(|| format!("could not fetch {url}"))?;
            if !r.status().is_success() {
                bail!("{url} answered {}", r.status());
            }
            r.text().await.with_context(|| format!("could not read {url}"))
        }
    };
    if source.ends_with(".json") || source.ends_with(".ndjson") {
        return records(&get(source.to_owned()).await?).map_err(|e| anyhow!("{source}: {e}"));
    }
    // An ORUK API: walk the pages of /services, asking for full records.
    let base = source.trim_end_matches('/');
    let mut out = vec![];
    for page in 1..=MAX_PAGES {
        let text = get(format!("{base}/services?page={page}&per_page={PER_PAGE}&full=true")).await?;
        let doc: Value =
            serde_json::from_str(&text).with_context(|| format!("{base}/services page {page} is not JSON"))?;
        let items = doc
            .get("contents")
            .and_then(Value::as_array)
            .ok_or_else(|| anyhow!("{base}/services page {page} has no contents"))?;
        for item in items {
            // A feed that ignores `full` gives summaries: fetch each service whole.
            if item.get("schedules").is_none() && item.get("service_at_locations").is_none() {
                let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
                let whole = get(format!("{base}/services/{id}")).await?;
                out.push(serde_json::from_str(&whole).with_context(|| format!("{base}/services/{id} is not JSON"))?);
            } else {
                out.push(item.clone());
            }
        }
        let last = doc.get("last_page").and_then(Value::as_bool).unwrap_or(true) || items.is_empty();
        if last {
            return Ok(out);
        }
    }
    bail!("{base}/services has more than {MAX_PAGES} pages")
}
