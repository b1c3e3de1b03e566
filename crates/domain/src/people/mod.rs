//! People: the NHS number, UK postcodes, and the categories recorded about a person.

mod nhs_number;
mod postcode;

pub use nhs_number::{NhsNumber, NhsNumberError};
pub use postcode::{Postcode, PostcodeError};
