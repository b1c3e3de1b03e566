//! Organisations (tenants), GP practices, sites and rooms.

mod ods;
mod programme;

pub use ods::{OdsCode, OdsCodeError};
pub use programme::{ProgrammeFields, ProgrammeInput};

use crate::validation::{ValidationErrors, required_text};

/// A URL- and CLI-friendly organisation handle, e.g. `riverside-pcn`.
pub fn parse_slug(input: &str) -> Result<String, String> {
    let s = input.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err("Enter a short name".into());
    }
    if s.len() > 60
        || !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || s.starts_with('-')
    {
        return Err("Short name must be 60 characters or fewer: lower-case letters, digits and hyphens".into());
    }
    Ok(s)
}

/// The validated fields of a GP practice, as entered on the practice form or in the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeInput {
    pub name: String,
    pub ods_code: OdsCode,
}

impl PracticeInput {
    pub fn parse(name: &str, ods_code: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", required_text("the practice name", name, 200));
        let ods_code = errors.check("ods_code", OdsCode::parse(ods_code));
        match (name, ods_code) {
            (Some(name), Some(ods_code)) if errors.is_empty() => Ok(Self { name, ods_code }),
            _ => Err(errors),
        }
    }
}

/// A site where rooms are booked for sessions in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteInput {
    pub name: String,
    pub address: String,
}

impl SiteInput {
    /// Errors are named `site_name` and `address` (the site form's fields).
    pub fn parse(name: &str, address: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("site_name", required_text("the site name", name, 200));
        let address = errors.check("address", crate::validation::optional_text("Address", address, 500));
        match (name, address) {
            (Some(name), Some(address)) if errors.is_empty() => Ok(Self { name, address }),
            _ => Err(errors),
        }
    }
}

/// A room's name at its site.
pub fn room_name(input: &str) -> Result<String, String> {
    required_text("the room name", input, 100)
}
