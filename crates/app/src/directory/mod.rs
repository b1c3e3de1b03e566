//! The community directory's bulk ways in and out, and the search index that follows it:
//! CSV sheets (`csv`), Open Referral UK feeds (`oruk_import`) and the index follower
//! (`search`).

pub mod csv;
pub mod oruk_import;
pub mod search;
