//! Errors as responses: styled pages for people, RFC 9457 problem details for the API.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use linkwell_domain::ValidationErrors;
use linkwell_store::StoreError;

/// A marker on a response that the error-page middleware replaces with a styled page
/// (it has the templates and the signed-in user, which `IntoResponse` has not).
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: String,
}

/// An error from a page handler.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("page not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Slowed down: too many tries; the message says what to do.
    #[error("too many requests")]
    TooManyRequests(&'static str),
    /// Too busy to answer now (every password-check slot taken).
    #[error("unavailable")]
    Unavailable,
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => PageError::NotFound,
            other => PageError::Store(other),
        }
    }
}

impl From<minijinja::Error> for PageError {
    fn from(e: minijinja::Error) -> Self {
        PageError::Internal(format!("template: {e:#}"))
    }
}

impl From<tower_sessions::session::Error> for PageError {
    fn from(e: tower_sessions::session::Error) -> Self {
        PageError::Internal(format!("session: {e}"))
    }
}

pub fn error_page(status: StatusCode, title: &'static str, message: impl Into<String>) -> Response {
    let mut r = status.into_response();
    r.extensions_mut().insert(ErrorPage { title, message: message.into() });
    r
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "Page not found",
                "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
            ),
            PageError::Forbidden => error_page(
                StatusCode::FORBIDDEN,
                "You do not have permission to see this page",
                "Your role does not allow this. Ask an admin in your organisation if you think you need it.",
            ),
            PageError::BadRequest(m) => error_page(StatusCode::BAD_REQUEST, "There is a problem with your request", m),
            PageError::TooManyRequests(m) => error_page(StatusCode::TOO_MANY_REQUESTS, "Too many attempts", m),
            PageError::Unavailable => error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sorry, the service is busy",
                "Too many people are signing in at this moment. Wait a few seconds, then try again.",
            ),
            PageError::Store(StoreError::Closed) => error_page(
                StatusCode::CONFLICT,
                "This referral is closed",
                "Its record is kept as it was when it closed, so it can no longer be changed. Refer the person again if they need more support.",
            ),
            PageError::Store(StoreError::Conflict) => error_page(
                StatusCode::CONFLICT,
                "Someone else changed this record",
                "Your changes were not saved because the record changed since you opened it. Go back, reload the page and make your changes again.",
            ),
            other => {
                tracing::error!(error = %other, "page failed");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, there is a problem with the service",
                    "Try again later. Nothing you entered has been lost unless the page said so.",
                )
            }
        }
    }
}

/// An RFC 9457 problem details body.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fields that were wrong, when the request body or query was invalid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// The name of the field (a JSON member or query parameter).
    pub field: String,
    pub message: String,
}

/// An error from an API handler.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("authentication required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden(&'static str),
    #[error("invalid request")]
    Invalid(ValidationErrors),
    #[error("conflict")]
    Conflict(String),
    /// The body is larger than any request may be.
    #[error("too large")]
    TooLarge,
    #[error(transparent)]
    Store(StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Conflict => ApiError::Conflict(
                "The record changed since the version you sent. Fetch it again and reapply your change.".into(),
            ),
            StoreError::Closed => ApiError::Conflict(
                "The referral is closed: its record is kept as it was and can no longer be changed.".into(),
            ),
            StoreError::Duplicate { field } => {
                ApiError::Invalid(ValidationErrors::single(field, format!("{field} is already in use")))
            }
            StoreError::Untimely(u) => ApiError::Invalid(ValidationErrors::single(u.field(), u.to_string())),
            other => ApiError::Store(other),
        }
    }
}

impl From<linkwell_app::users::AdminError> for ApiError {
    fn from(e: linkwell_app::users::AdminError) -> Self {
        use linkwell_app::users::AdminError;
        match e {
            AdminError::Invalid(e) => ApiError::Invalid(e),
            AdminError::OwnAccount(why) => ApiError::Conflict(why.into()),
            AdminError::Store(s) => s.into(),
            AdminError::Hashing => ApiError::Internal("hashing".into()),
        }
    }
}

impl From<linkwell_app::casework::CaseError> for ApiError {
    fn from(e: linkwell_app::casework::CaseError) -> Self {
        match e {
            linkwell_app::casework::CaseError::NotFound => ApiError::NotFound,
            // What a principal may not see answers exactly as if it did not exist.
            linkwell_app::casework::CaseError::NotYours => ApiError::NotFound,
            linkwell_app::casework::CaseError::Invalid(e) => ApiError::Invalid(e),
            linkwell_app::casework::CaseError::Store(s) => s.into(),
        }
    }
}

impl From<linkwell_app::audit::TrailError> for ApiError {
    fn from(e: linkwell_app::audit::TrailError) -> Self {
        match e {
            linkwell_app::audit::TrailError::Invalid(e) => ApiError::Invalid(e),
            linkwell_app::audit::TrailError::Store(s) => s.into(),
        }
    }
}

impl From<linkwell_app::directory::search::SyncError> for ApiError {
    fn from(e: linkwell_app::directory::search::SyncError) -> Self {
        match e {
            linkwell_app::directory::search::SyncError::Store(s) => s.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        ApiError::Invalid(e)
    }
}

fn problem(status: StatusCode, slug: &str, title: &str, detail: Option<String>, errors: Vec<ProblemField>) -> Response {
    let body = Problem {
        problem_type: format!("https://linkwell.dev/problems/{slug}"),
        title: title.into(),
        status: status.as_u16(),
        detail,
        errors,
    };
    let mut r = (status, Json(body)).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
    r
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::NotFound => problem(StatusCode::NOT_FOUND, "not-found", "Not found", None, vec![]),
            ApiError::Unauthorized => {
                let mut r = problem(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "Authentication required",
                    Some("Send an API token as `Authorization: Bearer <token>`.".into()),
                    vec![],
                );
                r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
                r
            }
            ApiError::Forbidden(why) => {
                problem(StatusCode::FORBIDDEN, "forbidden", "Forbidden", Some(why.into()), vec![])
            }
            ApiError::Invalid(v) => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-request",
                "The request is not valid",
                Some(v.errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")),
                v.errors.into_iter().map(|e| ProblemField { field: e.field, message: e.message }).collect(),
            ),
            ApiError::Conflict(d) => problem(StatusCode::CONFLICT, "conflict", "Conflict", Some(d), vec![]),
            ApiError::TooLarge => problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "The request is too large",
                Some("A request body may be at most 1 MiB.".into()),
                vec![ProblemField { field: "body".into(), message: "The body is larger than 1 MiB".into() }],
            ),
            other => {
                tracing::error!(error = %other, "api call failed");
                problem(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", None, vec![])
            }
        }
    }
}

impl From<minijinja::Error> for ApiError {
    fn from(e: minijinja::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}
