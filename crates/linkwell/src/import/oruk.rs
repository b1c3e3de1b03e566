//! Fetching an ORUK feed's service records, from a file or over HTTP. What the records
//! mean is `linkwell_app::directory::oruk_import`'s business.

use anyhow::{Context, anyhow, bail};
use linkwell_app::directory::oruk_import::records;
use serde_json::Value;

const PER_PAGE: u32 = 100;
/// A feed that claims more pages than this is not believed.
const MAX_PAGES: u32 = 100_000;
/// The most one document (a file, a page, a service) may hold: a page of 100 full
/// records is a few hundred kilobytes.
const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;
/// The most a whole import reads before giving up: the records are held in memory until
/// they are stored, so a feed that never ends must not be read for ever.
const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;
const MAX_RECORDS: usize = 500_000;
/// How long one request may take, and how long to connect.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Every service record at `source`, a file or a feed's URL, within the limits above.
pub async fn read(source: &str) -> anyhow::Result<Vec<Value>> {
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        let size = std::fs::metadata(source).with_context(|| format!("could not read {source}"))?.len();
        if size > MAX_DOCUMENT_BYTES {
            bail!("{source} is {size} bytes, more than the {MAX_DOCUMENT_BYTES} an import reads from one file");
        }
        let text = std::fs::read_to_string(source).with_context(|| format!("could not read {source}"))?;
        return records(&text).map_err(|e| anyhow!("{source}: {e}"));
    }
    let http = reqwest::Client::builder()
        .user_agent(concat!("linkwell/", env!("CARGO_PKG_VERSION")))
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()?;
    let total = std::sync::atomic::AtomicU64::new(0);
    let get = |url: String| {
        let (http, total) = (http.clone(), &total);
        async move {
            let mut r = http.get(&url).send().await.with_context(|| format!("could not fetch {url}"))?;
            if !r.status().is_success() {
                bail!("{url} answered {}", r.status());
            }
            // Read it a chunk at a time, so a body without end stops at the limit.
            let mut body = Vec::new();
            while let Some(chunk) = r.chunk().await.with_context(|| format!("could not read {url}"))? {
                body.extend_from_slice(&chunk);
                if body.len() as u64 > MAX_DOCUMENT_BYTES {
                    bail!("{url} is more than the {MAX_DOCUMENT_BYTES} bytes an import reads from one document");
                }
            }
            let read = total.fetch_add(body.len() as u64, std::sync::atomic::Ordering::Relaxed) + body.len() as u64;
            if read > MAX_TOTAL_BYTES {
                bail!("the feed is more than the {MAX_TOTAL_BYTES} bytes one import reads");
            }
            String::from_utf8(body).map_err(|_| anyhow!("{url} is not UTF-8 text"))
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
                // The id is the feed's text: only a UUID is put into an address.
                let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
                let id = uuid::Uuid::parse_str(id)
                    .map_err(|_| anyhow!("{base}/services page {page}: a service id {id:?} is not a UUID"))?;
                let whole = get(format!("{base}/services/{id}")).await?;
                out.push(serde_json::from_str(&whole).with_context(|| format!("{base}/services/{id} is not JSON"))?);
            } else {
                out.push(item.clone());
            }
            if out.len() > MAX_RECORDS {
                bail!("{base}/services has more than the {MAX_RECORDS} services one import reads");
            }
        }
        let last = doc.get("last_page").and_then(Value::as_bool).unwrap_or(true) || items.is_empty();
        if last {
            return Ok(out);
        }
    }
    bail!("{base}/services has more than {MAX_PAGES} pages")
}
