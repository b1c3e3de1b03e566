//! People: the NHS number, UK postcodes, and the categories recorded about a person.

mod nhs_number;
pub(crate) mod person;
mod postcode;
pub mod search;

pub use nhs_number::{NhsNumber, NhsNumberError};
pub use person::{
    ContactChannel, EthnicCategory, PersonFields, PersonInput, Sex, Voice, date_of_birth, possibly_same, same_details,
};
pub use postcode::{Postcode, PostcodeError};
