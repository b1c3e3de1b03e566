//! Loading open data and other directories: postcode coordinates (ONS Postcode Directory,
//! OS Code-Point Open).

pub mod postcodes;
