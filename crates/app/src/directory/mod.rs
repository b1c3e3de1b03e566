//! The community directory: changes made by staff (`listings`), its bulk ways in and
//! out — CSV sheets (`csv`) and Open Referral UK feeds (`oruk_import`) — and the search
//! index that follows it (`search`).

pub mod csv;
pub mod listings;
pub mod oruk_import;
pub mod search;
