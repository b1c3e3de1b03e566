//! The OpenAPI schemas of the domain's coded values: each lists its codes, so a client
//! sees every value an enum field may take. The domain types stay free of utoipa; the
//! codes come from the types themselves, so the document cannot drift from the rules.

use linkwell_domain::directory::{ActivityType, PrescriptionKind, PrescriptionOutcome, ProviderKind, WeekSlot};
use linkwell_domain::identity::Role;
use linkwell_domain::referrals::{Need, Urgency};
use linkwell_domain::sessions::{AskedBy, Outcome, SessionKind, SessionMode, SessionStatus};
use utoipa::openapi::schema::{Array, Object, ObjectBuilder, Type};

/// A string that is one of `codes`.
pub fn one_of<C: Into<serde_json::Value>>(codes: impl IntoIterator<Item = C>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(codes)).build()
}

pub fn session_status() -> Object {
    one_of(SessionStatus::ALL.iter().map(|s| s.code()))
}

pub fn session_kind() -> Object {
    one_of(SessionKind::ALL.iter().map(|k| k.code()))
}

pub fn session_mode() -> Object {
    one_of(SessionMode::ALL.iter().map(|m| m.code()))
}

pub fn session_outcome() -> Object {
    one_of(Outcome::ALL.iter().map(|o| o.code()))
}

pub fn asked_by() -> Object {
    one_of(AskedBy::ALL.iter().map(|a| a.code()))
}

/// The clock change's repeated hour: which of the two times is meant.
pub fn fold() -> Object {
    let mut o = one_of(["earlier", "later"]);
    o.description =
        Some("For a time the autumn clock change repeats: earlier (BST) or later (GMT). Omit it otherwise.".into());
    o
}

pub fn role() -> Object {
    one_of(Role::ALL.iter().map(|r| r.as_str()))
}

/// A list whose items are each one of `codes`.
fn list_of<C: Into<serde_json::Value>>(codes: impl IntoIterator<Item = C>) -> Array {
    Array::new(one_of(codes))
}

pub fn provider_kind() -> Object {
    one_of(ProviderKind::ALL.iter().map(|k| k.code()))
}

pub fn urgency() -> Object {
    one_of(Urgency::ALL.iter().map(|u| u.code()))
}

/// The stages of the response window a waiting-list filter may name.
pub fn response_window() -> Object {
    one_of(linkwell_app::casework::WINDOW_FILTERS.iter().map(|(code, _)| *code))
}

/// The status codes a list may be filtered by.
pub fn referral_status() -> Object {
    one_of(linkwell_app::casework::STATUS_FILTERS.iter().map(|(code, _)| *code))
}

/// The columns a list may be sorted by.
pub fn list_sort() -> Object {
    one_of(linkwell_app::casework::SORTS.iter().map(|(code, _)| *code))
}

pub fn user_status() -> Object {
    one_of(["active", "disabled"])
}

pub fn sort_direction() -> Object {
    one_of(["ascending", "descending"])
}

pub fn need() -> Object {
    one_of(Need::ALL.iter().map(|n| n.code()))
}

pub fn needs() -> Array {
    list_of(Need::ALL.iter().map(|n| n.code()))
}

pub fn activity() -> Object {
    one_of(ActivityType::ALL.iter().map(|a| a.code()))
}

pub fn activities() -> Array {
    list_of(ActivityType::ALL.iter().map(|a| a.code()))
}

pub fn circumstances() -> Array {
    list_of(linkwell_domain::directory::Audience::CIRCUMSTANCES.iter().map(|a| a.code()))
}

pub fn audiences() -> Array {
    list_of(linkwell_domain::directory::Audience::ALL.iter().map(|a| a.code()))
}

pub fn cost() -> Object {
    one_of(["free", "paid"])
}

pub fn service_status() -> Object {
    one_of(["active", "paused", "closed"])
}

pub fn check_reason() -> Object {
    one_of(["never_checked", "not_checked_recently", "past_restart_date"])
}

/// A part of a week, like `tu-morning`: what "when they are free" is made of.
pub fn week_slots() -> Array {
    list_of(WeekSlot::all().map(|s| s.code()))
}

pub fn prescription_kind() -> Object {
    one_of(PrescriptionKind::ALL.iter().map(|k| k.code()))
}

pub fn prescription_outcome() -> Object {
    one_of(PrescriptionOutcome::ALL.iter().map(|o| o.code()))
}

pub fn smtp_security() -> Object {
    one_of(["none", "starttls", "tls"])
}

pub fn channel() -> Object {
    one_of(["email", "sms"])
}

pub fn outbox_status() -> Object {
    one_of(["pending", "sent", "failed", "cancelled"])
}
