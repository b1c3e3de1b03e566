//! The community directory: providers (organisations that run services), services with
//! their locations, schedules, exceptions and taxonomy terms, and each listing's history.
//!
//! Every change to a service bumps its `version` and `updated_at` (which ORUK's
//! `modified_after` and the search index read), writes a `service_events` row for the
//! listing's history and an audit entry, all in one transaction.
//!
//! - `providers`: the organisations that run services.
//! - `listings`: a service with everything about it, how it is saved and read.
//! - `status`: pausing, closing, reopening and checking a listing, and its history.
//! - `published`: pages of listings and their places matching a `ServiceFilter`.
//! - `feed`: the change feed the search index follows.
//! - `postcodes`: postcode coordinates (open data, not tenant data).
//! - `prescriptions`: social prescriptions and unmet needs.

mod feed;
mod listings;
mod postcodes;
mod prescriptions;
mod providers;
mod published;
mod status;

pub use listings::{
    Location, SaveOrigin, Service, ServiceException, ServiceSave, ServiceSummary, StoredSchedule, save_service_in,
};
pub use postcodes::{Located, PostcodeRow};
pub use prescriptions::{FollowUp, Prescription, UnmetNeed};
pub use providers::{Provider, save_provider_in};
pub use published::ServiceFilter;
pub use status::{ServiceEvent, set_service_status_in};
