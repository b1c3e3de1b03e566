//! Reading a request's path, query and body into types, with errors in the product's
//! words. axum's own extractors answer a malformed request with parser text in plain text
//! ("Failed to deserialize query string: duplicate field `limit`"); these answer a page
//! with a styled error and the API with problem details naming the field, and never show
//! a parser's message to anyone.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use serde::de::DeserializeOwned;

use crate::access::is_api;
use crate::error::{ApiError, PageError};

/// Path parameters. One that cannot be read (invalid UTF-8 in `%FF`, say) names no record,
/// so it is "not found", the same as a well-formed id that matches nothing.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let machine = is_api(&parts.uri) || is_oruk(&parts.uri);
        let not_found = move || {
            if machine { ApiError::NotFound.into_response() } else { PageError::NotFound.into_response() }
        };
        // A NUL names no record (and PostgreSQL cannot even compare text holding one).
        if has_nul(parts.uri.path()) {
            return Err(not_found());
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(_) => Err(not_found()),
        }
    }
}

/// Whether percent-encoded text holds a NUL (`%00`).
fn has_nul(encoded: &str) -> bool {
    encoded.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Query parameters, with a bad one named: problem details for the API and ORUK, an error
/// page for pages.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        let refuse = |field: String, message: String| {
            if is_api(&parts.uri) || is_oruk(&parts.uri) {
                ApiError::Invalid(ValidationErrors::single(&field, message)).into_response()
            } else {
                PageError::BadRequest(format!("The address is not valid: {message}.")).into_response()
            }
        };
        if has_nul(raw) {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap_or_default();
            let field =
                pairs.into_iter().find(|(_, v)| v.contains('\0')).map_or_else(|| "query".to_owned(), |(k, _)| k);
            return Err(refuse(field.clone(), format!("{field} must not contain a NUL character")));
        }
        let parameters = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
        match serde_path_to_error::deserialize::<_, T>(parameters) {
            Ok(v) => Ok(Query(v)),
            Err(e) => {
                let path = e.path().to_string();
                let (named, message) = describe(&e.into_inner().to_string(), "parameter");
                // A value of the wrong kind (`limit=ten`) is named by where it was found.
                let field = named.or_else(|| (path != ".").then_some(path)).unwrap_or_else(|| "query".into());
                let message = if message.starts_with("must ") { format!("{field} {message}") } else { message };
                Err(refuse(field, message))
            }
        }
    }
}

fn is_oruk(uri: &axum::http::Uri) -> bool {
    uri.path().starts_with("/oruk/")
}

/// A serde error message turned into the field it names (when it names one) and a message
/// a person can act on. `what` is "parameter" or "field". The parser's own text — types
/// like `i64`, line and column numbers, what it expected — is never passed on.
pub fn describe(serde_message: &str, what: &str) -> (Option<String>, String) {
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_owned);
    let m = serde_message;
    let after = |marker: &str| m.find(marker).map(|i| &m[i + marker.len()..]);
    if let Some(rest) = after("missing field ") {
        let name = quoted(rest);
        let text = match &name {
            Some(n) => format!("{n} is required"),
            None => format!("A required {what} is missing"),
        };
        return (name, text);
    }
    if let Some(rest) = after("unknown field ") {
        let name = quoted(rest);
        let text = match &name {
            Some(n) => format!("{n} is not a {what} this request takes"),
            None => format!("A {what} this request does not take was sent"),
        };
        return (name, text);
    }
    if let Some(rest) = after("duplicate field ") {
        let name = quoted(rest);
        let text = match &name {
            Some(n) => format!("Give {n} only once"),
            None => format!("A {what} was given more than once"),
        };
        return (name, text);
    }
    if m.contains("invalid type") || m.contains("invalid value") || m.contains("invalid length") {
        let expected = m.rsplit("expected ").next().unwrap_or("");
        return (None, format!("must be {}", kind_of(expected)));
    }
    if m.contains("unknown variant") {
        return (None, "is not one of the values this field takes".into());
    }
    if m.contains("recursion limit") {
        return (None, "The body is nested too deeply".into());
    }
    // What the standard library's number parsers say of a query parameter's text.
    if m.contains("invalid digit") || m.contains("cannot parse integer") {
        return (None, "must be a whole number".into());
    }
    if m.contains("invalid float literal") {
        return (None, "must be a number".into());
    }
    if m.contains("too large to fit") || m.contains("too small to fit") || m.contains("number out of range") {
        return (None, "must be a smaller number".into());
    }
    if m.contains("invalid unicode") || m.contains("utf-8") || m.contains("UTF-8") {
        return (None, "must be valid text (UTF-8)".into());
    }
    (None, format!("The {what}s could not be read"))
}

/// What a serde `expected …` means, in words.
fn kind_of(expected: &str) -> &'static str {
    let e = expected.to_ascii_lowercase();
    if e.contains("sequence") || e.contains("array") || e.contains("tuple") {
        "a list"
    } else if e.contains("bool") {
        "true or false"
    } else if ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "integer", "usize"].iter().any(|t| e.contains(t)) {
        "a whole number"
    } else if e.contains("f32") || e.contains("f64") || e.contains("number") {
        "a number"
    } else if e.contains("string") || e.contains("char") {
        "text"
    } else if e.contains("map") || e.contains("struct") || e.contains("object") {
        "an object"
    } else {
        "a value of the right kind"
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn parser_text_becomes_product_words() {
        let cases = [
            ("invalid type: string \"n\", expected a sequence at line 1 column 105", None, "must be a list"),
            ("invalid type: integer `3`, expected a string", None, "must be text"),
            ("invalid type: string \"x\", expected i64", None, "must be a whole number"),
            ("invalid type: null, expected a boolean", None, "must be true or false"),
            ("missing field `version`", Some("version"), "version is required"),
            ("unknown field `nope`, expected one of `a`, `b`", Some("nope"), "nope is not a field this request takes"),
            ("duplicate field `limit`", Some("limit"), "Give limit only once"),
            ("recursion limit exceeded at line 1 column 129", None, "The body is nested too deeply"),
            ("invalid value: integer `-1`, expected u8", None, "must be a whole number"),
            ("Failed to deserialize form body: missing field `email`", Some("email"), "email is required"),
        ];
        for (raw, field, message) in cases {
            let (f, m) = describe(raw, "field");
            assert_eq!(f.as_deref(), field, "{raw}");
            assert_eq!(m, message, "{raw}");
            assert!(!m.contains("line") && !m.contains("column") && !m.contains("i64"), "{m}");
        }
    }
}
