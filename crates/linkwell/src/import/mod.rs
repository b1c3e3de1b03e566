//! Loading open data and other directories: postcode coordinates (ONS Postcode Directory,
//! OS Code-Point Open) and other directories' Open Referral UK feeds.

pub mod oruk;
pub mod postcodes;
