//! A file to save rather than a page to show: one way to answer with one, for pages and
//! the API alike.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// `body` as the file `filename` (ours, never typed by anyone) of `content_type`.
pub fn attachment(filename: &str, content_type: &str, body: impl IntoResponse) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}

/// CSV's content type.
pub const CSV: &str = "text/csv; charset=utf-8";
