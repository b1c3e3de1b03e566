//! One integration test binary: each test starts the real application on a random port
//! against a fresh database. Tests that touch storage run on both engines, as
//! `<name>::sqlite` and `<name>::postgres` (PostgreSQL from `TEST_DATABASE_URL`, which
//! `scripts/test` provides).

#[macro_use]
extern crate linkwell_store;

mod support;

mod access_points;
mod admin;
mod api;
mod api_admin;
mod api_bodies;
mod api_casework;
mod api_conformance;
mod api_directory;
mod api_prescriptions;
mod api_records;
mod api_sessions;
mod authz;
mod browser;
mod casework;
mod cli;
mod crash;
mod diary;
mod directory;
mod find_people;
mod groups;
mod home;
mod hostile;
mod hostile_surface;
mod ops;
mod oruk;
mod outcomes;
mod peers;
mod prescribing;
mod public_pages;
mod questionnaires;
mod reminders;
mod reports;
mod sign_in;
mod team_lists;
mod time_true;
mod timeline;
