//! The router: every route with the access it needs, and the middleware around them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::input::Path;
use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use linkwell_domain::authz::Action;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::access::{Access, enforce};
use crate::error::error_page;
use crate::state::AppState;
use crate::{api, auth, ops, oruk, pages, security};

/// One route: method, path template and the access it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

type Entry = (RouteSpec, MethodRouter<AppState>);

fn route(method: Method, path: &'static str, access: Access, mr: MethodRouter<AppState>) -> Entry {
    (RouteSpec { method, path, access }, mr)
}

use Access::{Allowed, Public, SignedIn};

/// The route table. Adding a route means adding a line here with its access; the matrix
/// test (crates/linkwell/tests/it/authz.rs) fails until it states what every role gets.
#[rustfmt::skip]
fn table(state: &AppState) -> Vec<Entry> {
    let g = Method::GET;
    let p = Method::POST;
    vec![
        // Operations and public pages.
        route(g.clone(), "/healthz", Public, get(ops::healthz)),
        route(g.clone(), "/readyz", Public, get(ops::readyz)),
        route(g.clone(), "/metrics", Public, get(ops::metrics)),
        route(g.clone(), "/assets/{*path}", Public, get(asset)),
        route(g.clone(), "/api/v1/openapi.json", Public, get(api::openapi)),
        route(g.clone(), "/sign-in", Public, get(pages::sign_in::form)),
        // Sign-in counts failures per client itself (AppState::sign_in_throttle).
        route(p.clone(), "/sign-in", Public, post(pages::sign_in::submit)),
        route(g.clone(), "/reset-password/{token}", Public, get(pages::account::reset_form)),
        route(p.clone(), "/reset-password/{token}", Public, post(pages::account::reset_submit)),
        route(g.clone(), "/accessibility", Public, get(pages::sign_in::accessibility)),
        route(g.clone(), "/privacy", Public, get(pages::sign_in::privacy)),
        route(g.clone(), "/self-referral/{slug}", Public, get(pages::self_referral::form)),
        route(p.clone(), "/self-referral/{slug}", Public, post(pages::self_referral::submit).layer(throttle(state, "Too many referrals", "There have been too many referrals sent from this device. Wait a minute, then try again."))),
        route(g.clone(), "/calendar/{file}", Public, get(pages::diary::feed)),
        route(g.clone(), "/group-links/{token}", Public, get(pages::groups::members::link)),
        route(p.clone(), "/group-links/{token}", Public, post(pages::groups::members::act).layer(throttle(state, "Too many tries", "There have been too many tries from this device. Wait a minute, then try again."))),
        route(g.clone(), "/group-feedback/{token}", Public, get(pages::groups::feedback::show)),
        route(p.clone(), "/group-feedback/{token}", Public, post(pages::groups::feedback::give).layer(throttle(state, "Too many tries", "There have been too many tries from this device. Wait a minute, then try again."))),
        route(g.clone(), "/questionnaire/{token}", Public, get(pages::outcomes::link)),
        route(p.clone(), "/questionnaire/{token}", Public, post(pages::outcomes::answer_link).layer(throttle(state, "Too many tries", "There have been too many tries from this device. Wait a minute, then try again."))),
        // Everyone signed in.
        route(g.clone(), "/", SignedIn, get(pages::home::home)),
        route(p.clone(), "/sign-out", SignedIn, post(pages::sign_in::sign_out)),
        route(g.clone(), "/account", SignedIn, get(pages::account::account)),
        route(p.clone(), "/account/password", SignedIn, post(pages::account::change_password)),
        route(g.clone(), "/api/v1/me", SignedIn, get(api::me::me)),
        route(g.clone(), "/api/v1/home", SignedIn, get(api::home::home)),
        // Practices.
        route(g.clone(), "/practices", Allowed(Action::ViewPractices), get(pages::practices::list)),
        route(g.clone(), "/practices/new", Allowed(Action::ManagePractices), get(pages::practices::new)),
        route(p.clone(), "/practices", Allowed(Action::ManagePractices), post(pages::practices::create)),
        route(g.clone(), "/practices/{id}/edit", Allowed(Action::ManagePractices), get(pages::practices::edit)),
        route(p.clone(), "/practices/{id}", Allowed(Action::ManagePractices), post(pages::practices::update)),
        route(g.clone(), "/api/v1/practices", Allowed(Action::ViewPractices), get(api::practices::list)),
        route(p.clone(), "/api/v1/practices", Allowed(Action::ManagePractices), post(api::practices::create)),
        route(g.clone(), "/api/v1/practices/{id}", Allowed(Action::ViewPractices), get(api::practices::get)),
        route(Method::PUT, "/api/v1/practices/{id}", Allowed(Action::ManagePractices), put(api::practices::update)),
        // Sites and rooms.
        route(g.clone(), "/admin/sites", Allowed(Action::ManageSitesAndRooms), get(pages::practices::sites)),
        route(p.clone(), "/admin/sites", Allowed(Action::ManageSitesAndRooms), post(pages::practices::create_site)),
        route(p.clone(), "/admin/sites/{id}/rooms", Allowed(Action::ManageSitesAndRooms), post(pages::practices::create_room)),
        route(g.clone(), "/api/v1/sites", Allowed(Action::WorkCases), get(api::organisation::sites)),
        route(p.clone(), "/api/v1/sites", Allowed(Action::ManageSitesAndRooms), post(api::organisation::create_site)),
        route(p.clone(), "/api/v1/sites/{id}/rooms", Allowed(Action::ManageSitesAndRooms), post(api::organisation::create_room)),
        // Users.
        route(g.clone(), "/admin/users", Allowed(Action::ViewUsers), get(pages::users::list)),
        route(g.clone(), "/admin/users/new", Allowed(Action::ManageUsers), get(pages::users::new)),
        route(p.clone(), "/admin/users", Allowed(Action::ManageUsers), post(pages::users::create)),
        route(g.clone(), "/admin/users/{id}", Allowed(Action::ViewUsers), get(pages::users::show)),
        route(p.clone(), "/admin/users/{id}/disable", Allowed(Action::ManageUsers), post(pages::users::disable)),
        route(p.clone(), "/admin/users/{id}/enable", Allowed(Action::ManageUsers), post(pages::users::enable)),
        route(p.clone(), "/admin/users/{id}/reset-link", Allowed(Action::ManageUsers), post(pages::users::reset_link)),
        route(p.clone(), "/admin/users/{id}/role", Allowed(Action::ManageUsers), post(pages::users::change_role)),
        route(g.clone(), "/api/v1/users", Allowed(Action::ViewUsers), get(api::users::list)),
        route(p.clone(), "/api/v1/users", Allowed(Action::ManageUsers), post(api::users::create)),
        route(g.clone(), "/api/v1/users/{id}", Allowed(Action::ViewUsers), get(api::users::get)),
        route(Method::PUT, "/api/v1/users/{id}/role", Allowed(Action::ManageUsers), put(api::users::change_role)),
        route(p.clone(), "/api/v1/users/{id}/disable", Allowed(Action::ManageUsers), post(api::users::disable)),
        route(p.clone(), "/api/v1/users/{id}/enable", Allowed(Action::ManageUsers), post(api::users::enable)),
        route(p.clone(), "/api/v1/users/{id}/reset-link", Allowed(Action::ManageUsers), post(api::users::reset_link)),
        // Settings.
        route(g.clone(), "/admin/settings", Allowed(Action::ManageSettings), get(pages::settings::show)),
        route(p.clone(), "/admin/settings", Allowed(Action::ManageSettings), post(pages::settings::save)),
        route(p.clone(), "/admin/settings/messaging", Allowed(Action::ManageSettings), post(pages::settings::save_messaging)),
        route(p.clone(), "/admin/settings/directory", Allowed(Action::ManageSettings), post(pages::settings::save_directory)),
        route(g.clone(), "/admin/outbox", Allowed(Action::ManageSettings), get(pages::settings::outbox)),
        route(g.clone(), "/api/v1/settings", Allowed(Action::ManageSettings), get(api::settings::get)),
        route(Method::PUT, "/api/v1/settings/self-referral", Allowed(Action::ManageSettings), put(api::settings::set_self_referral)),
        route(Method::PUT, "/api/v1/settings/directory", Allowed(Action::ManageSettings), put(api::settings::set_directory)),
        route(Method::PUT, "/api/v1/settings/messaging", Allowed(Action::ManageSettings), put(api::settings::set_messaging)),
        route(g.clone(), "/api/v1/outbox", Allowed(Action::ManageSettings), get(api::settings::outbox)),
        // Diaries and calendar feeds.
        route(g.clone(), "/diary", Allowed(Action::WorkCases), get(pages::diary::worker)),
        route(g.clone(), "/diary/book", Allowed(Action::WorkCases), get(pages::diary::book_from_diary)),
        route(g.clone(), "/rooms", Allowed(Action::WorkCases), get(pages::diary::rooms)),
        route(g.clone(), "/rooms/{id}/diary", Allowed(Action::WorkCases), get(pages::diary::room)),
        route(g.clone(), "/account/hours", Allowed(Action::WorkCases), get(pages::diary::hours)),
        route(p.clone(), "/account/hours", Allowed(Action::WorkCases), post(pages::diary::save_hours)),
        route(g.clone(), "/api/v1/working-hours", Allowed(Action::WorkCases), get(api::organisation::working_hours)),
        route(Method::PUT, "/api/v1/working-hours", Allowed(Action::WorkCases), put(api::organisation::set_working_hours)),
        route(g.clone(), "/api/v1/diary", Allowed(Action::WorkCases), get(api::diary::worker)),
        route(g.clone(), "/api/v1/rooms/{id}/diary", Allowed(Action::WorkCases), get(api::diary::room)),
        route(p.clone(), "/api/v1/calendar-feed", Allowed(Action::WorkCases), post(api::diary::create_feed)),
        route(Method::DELETE, "/api/v1/calendar-feed", Allowed(Action::WorkCases), delete(api::diary::revoke_feed)),
        route(g.clone(), "/account/calendar", Allowed(Action::WorkCases), get(pages::diary::feed_page)),
        route(p.clone(), "/account/calendar", Allowed(Action::WorkCases), post(pages::diary::create_feed)),
        route(p.clone(), "/account/calendar/revoke", Allowed(Action::WorkCases), post(pages::diary::revoke_feed)),
        // Programmes.
        route(g.clone(), "/admin/programmes", Allowed(Action::ManageProgrammes), get(pages::programmes::list)),
        route(p.clone(), "/admin/programmes", Allowed(Action::ManageProgrammes), post(pages::programmes::create)),
        route(p.clone(), "/api/v1/programmes", Allowed(Action::ManageProgrammes), post(api::organisation::create_programme)),
        route(g.clone(), "/admin/tools", Allowed(Action::ManageProgrammes), get(pages::tools::list)),
        route(p.clone(), "/admin/tools", Allowed(Action::ManageProgrammes), post(pages::tools::add)),
        route(p.clone(), "/admin/tools/{id}/retire", Allowed(Action::ManageProgrammes), post(pages::tools::retire)),
        route(g.clone(), "/api/v1/tools", Allowed(Action::ManageProgrammes), get(api::organisation::tools)),
        route(p.clone(), "/api/v1/tools", Allowed(Action::ManageProgrammes), post(api::organisation::create_tool)),
        route(Method::PUT, "/api/v1/tools/{id}/offered", Allowed(Action::ManageProgrammes), put(api::organisation::set_tool_offered)),
        // Referrals: intake, lists, the case page, triage and contact.
        route(g.clone(), "/referrals", Allowed(Action::ViewReferrals), get(pages::referrals::list)),
        route(g.clone(), "/referrals/new", Allowed(Action::ReferPeople), get(pages::referrals::new)),
        route(p.clone(), "/referrals", Allowed(Action::ReferPeople), post(pages::referrals::create)),
        route(g.clone(), "/referrals/{id}", Allowed(Action::ViewReferrals), get(pages::referrals::show)),
        route(p.clone(), "/referrals/{id}/accept", Allowed(Action::TriageReferrals), post(pages::referrals::accept)),
        route(p.clone(), "/referrals/{id}/assign", Allowed(Action::TriageReferrals), post(pages::referrals::assign)),
        route(p.clone(), "/referrals/{id}/decline", Allowed(Action::TriageReferrals), post(pages::referrals::decline)),
        route(p.clone(), "/referrals/{id}/redirect", Allowed(Action::TriageReferrals), post(pages::referrals::redirect)),
        route(p.clone(), "/referrals/{id}/extend", Allowed(Action::TriageReferrals), post(pages::referrals::extend)),
        route(p.clone(), "/referrals/{id}/questionnaire-links", Allowed(Action::WorkCases), post(pages::referrals::send_questionnaire_link)),
        route(p.clone(), "/referrals/{id}/contact", Allowed(Action::WorkCases), post(pages::referrals::contact)),
        route(g.clone(), "/referrals/{id}/timeline", Allowed(Action::WorkCases), get(pages::referrals::timeline)),
        route(p.clone(), "/referrals/{id}/notes", Allowed(Action::WorkCases), post(pages::referrals::add_note)),
        route(g.clone(), "/referrals/{id}/notes/{note}", Allowed(Action::WorkCases), get(pages::referrals::note)),
        route(p.clone(), "/referrals/{id}/notes/{note}", Allowed(Action::WorkCases), post(pages::referrals::correct_note)),
        route(g.clone(), "/waiting-list", Allowed(Action::TriageReferrals), get(pages::caseload::waiting_list)),
        route(g.clone(), "/caseload", Allowed(Action::WorkCases), get(pages::caseload::caseload)),
        route(g.clone(), "/caseloads", Allowed(Action::TriageReferrals), get(pages::caseload::team)),
        route(g.clone(), "/people", Allowed(Action::WorkCases), get(pages::people::find)),
        route(g.clone(), "/people/{id}", Allowed(Action::WorkCases), get(pages::people::show)),
        route(p.clone(), "/people/{id}/merge", Allowed(Action::TriageReferrals), post(pages::people::merge)),
        route(g.clone(), "/people/{id}/edit", Allowed(Action::WorkCases), get(pages::people::edit)),
        route(p.clone(), "/people/{id}", Allowed(Action::WorkCases), post(pages::people::update)),
        // Sessions.
        route(g.clone(), "/referrals/{id}/sessions/new", Allowed(Action::WorkCases), get(pages::sessions::new)),
        route(p.clone(), "/referrals/{id}/sessions", Allowed(Action::WorkCases), post(pages::sessions::create)),
        route(g.clone(), "/sessions/{id}/outcome", Allowed(Action::WorkCases), get(pages::sessions::outcome_form)),
        route(p.clone(), "/sessions/{id}/outcome", Allowed(Action::WorkCases), post(pages::sessions::record_outcome)),
        route(g.clone(), "/sessions/{id}/move", Allowed(Action::WorkCases), get(pages::sessions::move_form)),
        route(p.clone(), "/sessions/{id}/move", Allowed(Action::WorkCases), post(pages::sessions::move_session)),
        route(g.clone(), "/sessions/{id}/questionnaires/new", Allowed(Action::WorkCases), get(pages::outcomes::form)),
        route(p.clone(), "/sessions/{id}/questionnaires", Allowed(Action::WorkCases), post(pages::outcomes::record)),
        route(g.clone(), "/people/{id}/outcomes", Allowed(Action::WorkCases), get(pages::outcomes::person)),
        route(g.clone(), "/questionnaires", Allowed(Action::DefineQuestionnaires), get(pages::questionnaires::list)),
        route(p.clone(), "/questionnaires", Allowed(Action::DefineQuestionnaires), post(pages::questionnaires::create)),
        route(g.clone(), "/questionnaires/new", Allowed(Action::DefineQuestionnaires), get(pages::questionnaires::new)),
        route(g.clone(), "/questionnaires/thresholds", Allowed(Action::DefineQuestionnaires), get(pages::questionnaires::thresholds)),
        route(p.clone(), "/questionnaires/thresholds", Allowed(Action::DefineQuestionnaires), post(pages::questionnaires::save_thresholds)),
        route(g.clone(), "/questionnaires/{code}", Allowed(Action::DefineQuestionnaires), get(pages::questionnaires::show)),
        route(p.clone(), "/questionnaires/{code}", Allowed(Action::DefineQuestionnaires), post(pages::questionnaires::save_version)),
        route(g.clone(), "/questionnaires/{code}/edit", Allowed(Action::DefineQuestionnaires), get(pages::questionnaires::edit)),
        route(p.clone(), "/questionnaires/{code}/retire", Allowed(Action::DefineQuestionnaires), post(pages::questionnaires::retire)),
        route(g.clone(), "/reports", Allowed(Action::ViewReports), get(pages::reports::show)),
        route(g.clone(), "/reports/export.csv", Allowed(Action::ViewReports), get(pages::reports::csv)),
        route(g.clone(), "/reports/export.xlsx", Allowed(Action::ViewReports), get(pages::reports::xlsx)),
        route(g.clone(), "/reports/dataset.csv", Allowed(Action::ExportDataset), get(pages::reports::dataset)),
        // Plans.
        route(g.clone(), "/referrals/{id}/plan", Allowed(Action::WorkCases), get(pages::plans::show)),
        route(g.clone(), "/referrals/{id}/plan/edit", Allowed(Action::WorkCases), get(pages::plans::edit)),
        route(p.clone(), "/referrals/{id}/plan", Allowed(Action::WorkCases), post(pages::plans::save)),
        route(g.clone(), "/referrals/{id}/plan/versions/{version}", Allowed(Action::WorkCases), get(pages::plans::version)),
        route(g.clone(), "/referrals/{id}/plan/versions/{version}/pdf", Allowed(Action::WorkCases), get(pages::plans::pdf)),
        // Discharge.
        route(g.clone(), "/referrals/{id}/discharge", Allowed(Action::WorkCases), get(pages::discharge::form)),
        route(p.clone(), "/referrals/{id}/discharge", Allowed(Action::WorkCases), post(pages::discharge::discharge)),
        route(g.clone(), "/referrals/{id}/discharge-summary", Allowed(Action::ViewReferrals), get(pages::discharge::summary)),
        route(g.clone(), "/referrals/{id}/discharge-summary.txt", Allowed(Action::ViewReferrals), get(pages::discharge::download)),
        // Referrals, sessions and plans through the API.
        route(g.clone(), "/api/v1/programmes", Allowed(Action::ReferPeople), get(api::programmes::list)),
        route(g.clone(), "/api/v1/referrals", Allowed(Action::ViewReferrals), get(api::referrals::list)),
        route(p.clone(), "/api/v1/referrals", Allowed(Action::ReferPeople), post(api::referrals::create)),
        route(g.clone(), "/api/v1/referrals/{id}", Allowed(Action::ViewReferrals), get(api::referrals::get)),
        route(p.clone(), "/api/v1/referrals/{id}/triage", Allowed(Action::TriageReferrals), post(api::referrals::triage)),
        route(g.clone(), "/api/v1/referrals/{id}/timeline", Allowed(Action::WorkCases), get(api::timeline::timeline)),
        route(p.clone(), "/api/v1/referrals/{id}/notes", Allowed(Action::WorkCases), post(api::timeline::add_note)),
        route(g.clone(), "/api/v1/referrals/{id}/notes/{note}", Allowed(Action::WorkCases), get(api::timeline::note)),
        route(p.clone(), "/api/v1/referrals/{id}/notes/{note}/corrections", Allowed(Action::WorkCases), post(api::timeline::correct_note)),
        route(p.clone(), "/api/v1/referrals/{id}/follow-up-extension", Allowed(Action::TriageReferrals), post(api::referrals::extend_follow_ups)),
        route(p.clone(), "/api/v1/referrals/{id}/contact-attempts", Allowed(Action::WorkCases), post(api::referrals::contact_attempt)),
        route(p.clone(), "/api/v1/referrals/{id}/discharge", Allowed(Action::WorkCases), post(api::referrals::discharge)),
        route(g.clone(), "/api/v1/waiting-list", Allowed(Action::TriageReferrals), get(api::referrals::waiting_list)),
        route(g.clone(), "/api/v1/caseload", Allowed(Action::WorkCases), get(api::referrals::caseload)),
        route(g.clone(), "/api/v1/caseloads", Allowed(Action::TriageReferrals), get(api::home::caseloads)),
        route(g.clone(), "/api/v1/referrals/{id}/sessions", Allowed(Action::WorkCases), get(api::sessions::list)),
        route(p.clone(), "/api/v1/referrals/{id}/sessions", Allowed(Action::WorkCases), post(api::sessions::book)),
        route(g.clone(), "/api/v1/sessions/{id}", Allowed(Action::WorkCases), get(api::sessions::get)),
        route(p.clone(), "/api/v1/sessions/{id}/outcome", Allowed(Action::WorkCases), post(api::sessions::outcome)),
        route(p.clone(), "/api/v1/sessions/{id}/reschedule", Allowed(Action::WorkCases), post(api::sessions::reschedule)),
        route(g.clone(), "/api/v1/questionnaires", Allowed(Action::WorkCases), get(api::outcomes::questionnaires)),
        route(p.clone(), "/api/v1/questionnaires", Allowed(Action::DefineQuestionnaires), post(api::outcomes::define)),
        route(p.clone(), "/api/v1/questionnaires/{code}/versions", Allowed(Action::DefineQuestionnaires), post(api::outcomes::new_version)),
        route(p.clone(), "/api/v1/questionnaires/{code}/retire", Allowed(Action::DefineQuestionnaires), post(api::outcomes::retire)),
        route(g.clone(), "/api/v1/questionnaires/thresholds", Allowed(Action::DefineQuestionnaires), get(api::outcomes::thresholds)),
        route(Method::PUT, "/api/v1/questionnaires/thresholds", Allowed(Action::DefineQuestionnaires), put(api::outcomes::set_thresholds)),
        route(g.clone(), "/api/v1/questionnaires/{code}/versions/{version}", Allowed(Action::WorkCases), get(api::outcomes::version)),
        route(g.clone(), "/api/v1/reports", Allowed(Action::ViewReports), get(api::reports::report)),
        route(g.clone(), "/api/v1/reports/export.csv", Allowed(Action::ViewReports), get(api::reports::csv)),
        route(g.clone(), "/api/v1/reports/export.xlsx", Allowed(Action::ViewReports), get(api::reports::xlsx)),
        route(g.clone(), "/api/v1/reports/dataset.csv", Allowed(Action::ExportDataset), get(api::reports::dataset)),
        route(p.clone(), "/api/v1/sessions/{id}/questionnaires", Allowed(Action::WorkCases), post(api::outcomes::record)),
        route(g.clone(), "/api/v1/people/{id}/outcomes", Allowed(Action::WorkCases), get(api::outcomes::person)),
        route(p.clone(), "/api/v1/referrals/{id}/questionnaire-links", Allowed(Action::WorkCases), post(api::outcomes::send_link)),
        route(g.clone(), "/api/v1/people", Allowed(Action::WorkCases), get(api::people::find)),
        route(g.clone(), "/api/v1/people/{id}", Allowed(Action::WorkCases), get(api::people::get)),
        route(Method::PUT, "/api/v1/people/{id}", Allowed(Action::WorkCases), put(api::people::put)),
        route(p.clone(), "/api/v1/people/{id}/merge", Allowed(Action::TriageReferrals), post(api::people::merge)),
        route(g.clone(), "/api/v1/referrals/{id}/plan", Allowed(Action::WorkCases), get(api::plans::get)),
        route(Method::PUT, "/api/v1/referrals/{id}/plan", Allowed(Action::WorkCases), put(api::plans::put)),
        route(g.clone(), "/api/v1/referrals/{id}/plan/versions", Allowed(Action::WorkCases), get(api::plans::versions)),
        route(g.clone(), "/api/v1/referrals/{id}/plan/versions/{version}", Allowed(Action::WorkCases), get(api::plans::version)),
        route(g.clone(), "/api/v1/referrals/{id}/plan/versions/{version}/pdf", Allowed(Action::WorkCases), get(api::plans::version_pdf)),
        route(g.clone(), "/api/v1/referrals/{id}/discharge-summary", Allowed(Action::ViewReferrals), get(api::plans::discharge_summary)),
        // Groups the team runs.
        route(g.clone(), "/groups", Allowed(Action::RunGroups), get(pages::groups::list)),
        route(p.clone(), "/groups", Allowed(Action::RunGroups), post(pages::groups::create)),
        route(g.clone(), "/groups/figures.csv", Allowed(Action::RunGroups), get(pages::groups::figures_csv)),
        route(g.clone(), "/groups/{id}", Allowed(Action::RunGroups), get(pages::groups::show)),
        route(p.clone(), "/groups/{id}", Allowed(Action::RunGroups), post(pages::groups::update)),
        route(p.clone(), "/groups/{id}/facilitators", Allowed(Action::RunGroups), post(pages::groups::set_facilitators)),
        route(p.clone(), "/groups/{id}/members", Allowed(Action::RunGroups), post(pages::groups::members::add)),
        route(p.clone(), "/groups/{id}/members/{member}/remove", Allowed(Action::RunGroups), post(pages::groups::members::remove)),
        route(p.clone(), "/groups/{id}/stories", Allowed(Action::RunGroups), post(pages::groups::stories::record)),
        route(p.clone(), "/groups/{id}/stories/{story}/withdraw", Allowed(Action::RunGroups), post(pages::groups::stories::withdraw)),
        route(g.clone(), "/groups/{id}/sessions/{session}", Allowed(Action::RunGroups), get(pages::groups::sessions::show)),
        route(p.clone(), "/groups/{id}/sessions/{session}", Allowed(Action::RunGroups), post(pages::groups::sessions::change)),
        route(g.clone(), "/api/v1/groups", Allowed(Action::RunGroups), get(api::groups::list)),
        route(p.clone(), "/api/v1/groups", Allowed(Action::RunGroups), post(api::groups::create)),
        route(g.clone(), "/api/v1/groups/{id}", Allowed(Action::RunGroups), get(api::groups::get)),
        route(Method::PUT, "/api/v1/groups/{id}", Allowed(Action::RunGroups), put(api::groups::update)),
        route(Method::PUT, "/api/v1/groups/{id}/facilitators", Allowed(Action::RunGroups), put(api::groups::set_facilitators)),
        route(g.clone(), "/api/v1/groups/{id}/figures", Allowed(Action::RunGroups), get(api::groups::figures)),
        route(g.clone(), "/api/v1/groups/{id}/members", Allowed(Action::RunGroups), get(api::groups::members)),
        route(p.clone(), "/api/v1/groups/{id}/members", Allowed(Action::RunGroups), post(api::groups::add_member)),
        route(Method::DELETE, "/api/v1/groups/{id}/members/{member}", Allowed(Action::RunGroups), delete(api::groups::remove_member)),
        route(p.clone(), "/api/v1/groups/{id}/sessions/{session}/change", Allowed(Action::RunGroups), post(api::groups::change_session)),
        route(g.clone(), "/api/v1/groups/{id}/feedback", Allowed(Action::RunGroups), get(api::group_feedback::feedback)),
        route(g.clone(), "/api/v1/groups/{id}/stories", Allowed(Action::RunGroups), get(api::group_feedback::stories)),
        route(p.clone(), "/api/v1/groups/{id}/stories", Allowed(Action::RunGroups), post(api::group_feedback::record_story)),
        route(p.clone(), "/api/v1/groups/{id}/stories/{story}/withdraw", Allowed(Action::RunGroups), post(api::group_feedback::withdraw_story)),
        // Registers: facilitators (their own groups') and the team.
        route(g.clone(), "/registers", Allowed(Action::TakeRegisters), get(pages::groups::registers::list)),
        route(g.clone(), "/registers/{session}", Allowed(Action::TakeRegisters), get(pages::groups::registers::show).layer(phone_sized())),
        route(p.clone(), "/registers/{session}", Allowed(Action::TakeRegisters), post(pages::groups::registers::submit)),
        route(p.clone(), "/registers/{session}/feedback", Allowed(Action::TakeRegisters), post(pages::groups::feedback::record)),
        route(g.clone(), "/api/v1/registers", Allowed(Action::TakeRegisters), get(api::registers::list)),
        route(g.clone(), "/api/v1/registers/{session}", Allowed(Action::TakeRegisters), get(api::registers::get)),
        route(p.clone(), "/api/v1/registers/{session}", Allowed(Action::TakeRegisters), post(api::registers::take)),
        route(p.clone(), "/api/v1/registers/{session}/feedback", Allowed(Action::TakeRegisters), post(api::registers::record_feedback)),
        // The community directory.
        route(g.clone(), "/directory", Allowed(Action::ViewDirectory), get(pages::directory::index)),
        route(g.clone(), "/directory/check", Allowed(Action::ViewDirectory), get(pages::directory::to_check)),
        route(g.clone(), "/directory/export.csv", Allowed(Action::ViewDirectory), get(pages::directory::export_csv)),
        route(g.clone(), "/directory/template.csv", Allowed(Action::ViewDirectory), get(pages::directory::template_csv)),
        route(g.clone(), "/directory/import", Allowed(Action::EditDirectory), get(pages::directory::import_form)),
        route(p.clone(), "/directory/import", Allowed(Action::EditDirectory), post(pages::directory::import_csv)),
        route(g.clone(), "/directory/providers", Allowed(Action::ViewDirectory), get(pages::directory::providers)),
        route(p.clone(), "/directory/providers", Allowed(Action::EditDirectory), post(pages::directory::create_provider)),
        route(g.clone(), "/directory/providers/{id}/edit", Allowed(Action::EditDirectory), get(pages::directory::edit_provider)),
        route(p.clone(), "/directory/providers/{id}", Allowed(Action::EditDirectory), post(pages::directory::update_provider)),
        route(g.clone(), "/directory/services/new", Allowed(Action::EditDirectory), get(pages::directory::new)),
        route(p.clone(), "/directory/services", Allowed(Action::EditDirectory), post(pages::directory::create)),
        route(g.clone(), "/directory/services/{id}", Allowed(Action::ViewDirectory), get(pages::directory::show)),
        route(g.clone(), "/directory/services/{id}/edit", Allowed(Action::EditDirectory), get(pages::directory::edit)),
        route(p.clone(), "/directory/services/{id}", Allowed(Action::EditDirectory), post(pages::directory::update)),
        route(g.clone(), "/directory/services/{id}/pause", Allowed(Action::EditDirectory), get(pages::directory::pause_form)),
        route(p.clone(), "/directory/services/{id}/pause", Allowed(Action::EditDirectory), post(pages::directory::pause)),
        route(g.clone(), "/directory/services/{id}/close", Allowed(Action::EditDirectory), get(pages::directory::close_form)),
        route(p.clone(), "/directory/services/{id}/close", Allowed(Action::EditDirectory), post(pages::directory::close)),
        route(p.clone(), "/directory/services/{id}/reopen", Allowed(Action::EditDirectory), post(pages::directory::reopen)),
        route(p.clone(), "/directory/services/{id}/verify", Allowed(Action::EditDirectory), post(pages::directory::verify)),
        route(p.clone(), "/directory/services/{id}/exceptions", Allowed(Action::EditDirectory), post(pages::directory::exception)),
        // Social prescribing: suggestions live on the person's page.
        route(g.clone(), "/api/v1/directory/providers", Allowed(Action::ViewDirectory), get(api::directory::providers)),
        route(p.clone(), "/api/v1/directory/providers", Allowed(Action::EditDirectory), post(api::directory::create_provider)),
        route(g.clone(), "/api/v1/directory/providers/{id}", Allowed(Action::ViewDirectory), get(api::directory::provider)),
        route(Method::PUT, "/api/v1/directory/providers/{id}", Allowed(Action::EditDirectory), put(api::directory::update_provider)),
        route(g.clone(), "/api/v1/directory/services", Allowed(Action::ViewDirectory), get(api::directory::services)),
        route(p.clone(), "/api/v1/directory/services", Allowed(Action::EditDirectory), post(api::directory::create_service)),
        route(g.clone(), "/api/v1/directory/services/{id}", Allowed(Action::ViewDirectory), get(api::directory::service)),
        route(Method::PUT, "/api/v1/directory/services/{id}", Allowed(Action::EditDirectory), put(api::directory::update_service)),
        route(p.clone(), "/api/v1/directory/services/{id}/status", Allowed(Action::EditDirectory), post(api::directory::set_status)),
        route(p.clone(), "/api/v1/directory/services/{id}/verify", Allowed(Action::EditDirectory), post(api::directory::verify)),
        route(Method::PUT, "/api/v1/directory/services/{id}/dates-off/{date}", Allowed(Action::EditDirectory), put(api::directory::set_date_off)),
        route(Method::DELETE, "/api/v1/directory/services/{id}/dates-off/{date}", Allowed(Action::EditDirectory), delete(api::directory::remove_date_off)),
        route(g.clone(), "/api/v1/directory/to-check", Allowed(Action::ViewDirectory), get(api::directory::to_check)),
        route(g.clone(), "/api/v1/directory/services.csv", Allowed(Action::ViewDirectory), get(api::directory::export_csv)),
        route(p.clone(), "/api/v1/directory/services.csv", Allowed(Action::EditDirectory), post(api::directory::import_csv)),

        route(Method::PUT, "/api/v1/people/{id}/free-times", Allowed(Action::WorkCases), put(api::prescriptions::set_free_times)),
        route(g.clone(), "/api/v1/referrals/{id}/prescriptions", Allowed(Action::WorkCases), get(api::prescriptions::list)),
        route(p.clone(), "/api/v1/referrals/{id}/prescriptions", Allowed(Action::WorkCases), post(api::prescriptions::create)),
        route(g.clone(), "/api/v1/prescriptions/{id}", Allowed(Action::WorkCases), get(api::prescriptions::get)),
        route(p.clone(), "/api/v1/prescriptions/{id}/outcome", Allowed(Action::WorkCases), post(api::prescriptions::outcome)),
        route(g.clone(), "/api/v1/unmet-needs", Allowed(Action::WorkCases), get(api::prescriptions::unmet_needs)),
        route(p.clone(), "/api/v1/unmet-needs", Allowed(Action::WorkCases), post(api::prescriptions::record_unmet_need)),
        route(p.clone(), "/people/{id}/free-times", Allowed(Action::WorkCases), post(pages::prescriptions::save_free_times)),
        route(g.clone(), "/referrals/{id}/prescriptions/new", Allowed(Action::WorkCases), get(pages::prescriptions::new)),
        route(p.clone(), "/referrals/{id}/prescriptions", Allowed(Action::WorkCases), post(pages::prescriptions::create)),
        route(g.clone(), "/prescriptions/{id}/outcome", Allowed(Action::WorkCases), get(pages::prescriptions::outcome_form)),
        route(p.clone(), "/prescriptions/{id}/outcome", Allowed(Action::WorkCases), post(pages::prescriptions::record_outcome)),
        route(g.clone(), "/unmet-needs", Allowed(Action::WorkCases), get(pages::prescriptions::unmet_needs)),
        route(p.clone(), "/unmet-needs", Allowed(Action::WorkCases), post(pages::prescriptions::record_unmet_need)),
        // The published directory for the public, without signing in.
        route(g.clone(), "/community/{slug}", Public, get(pages::public_directory::search)),
        route(g.clone(), "/community/{slug}/services/{id}", Public, get(pages::public_directory::service)),
        route(g.clone(), "/community/{slug}/services/{id}/calendar.ics", Public, get(pages::groups::members::calendar)),
        route(p.clone(), "/community/{slug}/services/{id}/join", Public, post(pages::groups::members::join).layer(throttle(state, "Too many sign-ups", "There have been too many sign-ups sent from this device. Wait a minute, then try again."))),
        // The published directory as Open Referral UK 3.0 (anonymous, any origin).
        route(g.clone(), "/oruk/{slug}", Public, get(oruk::api_details).layer(cors())),
        route(g.clone(), "/oruk/{slug}/", Public, get(oruk::api_details).layer(cors())),
        route(g.clone(), "/oruk/{slug}/services", Public, get(oruk::services).layer(cors())),
        route(g.clone(), "/oruk/{slug}/services/{id}", Public, get(oruk::service).layer(cors())),
        route(g.clone(), "/oruk/{slug}/service_at_locations", Public, get(oruk::service_at_locations).layer(cors())),
        route(g.clone(), "/oruk/{slug}/service_at_locations/{id}", Public, get(oruk::service_at_location).layer(cors())),
        route(g.clone(), "/oruk/{slug}/taxonomies", Public, get(oruk::taxonomies).layer(cors())),
        route(g.clone(), "/oruk/{slug}/taxonomies/{id}", Public, get(oruk::taxonomy).layer(cors())),
        route(g.clone(), "/oruk/{slug}/taxonomy_terms", Public, get(oruk::taxonomy_terms).layer(cors())),
        route(g.clone(), "/oruk/{slug}/taxonomy_terms/{id}", Public, get(oruk::taxonomy_term).layer(cors())),
        route(g.clone(), "/oruk/{slug}/organizations", Public, get(oruk::organizations).layer(cors())),
        route(g.clone(), "/oruk/{slug}/organizations/{id}", Public, get(oruk::organization).layer(cors())),
        // Audit.
        route(g.clone(), "/admin/audit", Allowed(Action::ViewAudit), get(pages::audit::audit)),
        route(g, "/api/v1/audit", Allowed(Action::ViewAudit), get(api::audit::list)),
    ]
}

/// Every route and its access, for the authorization matrix test and the docs.
pub fn routes(state: &AppState) -> Vec<RouteSpec> {
    table(state).into_iter().map(|(spec, _)| spec).collect()
}

/// The ORUK API's `Access-Control-Allow-Origin: *` on every response, errors included,
/// so any site may read the published directory.
fn cors() -> tower_http::set_header::SetResponseHeaderLayer<header::HeaderValue> {
    tower_http::set_header::SetResponseHeaderLayer::overriding(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::HeaderValue::from_static("*"),
    )
}

/// Per-client throttling of a public form post that writes whenever it succeeds (the
/// self-referral), by client through the trusted proxies. `title` and `message` explain
/// the refusal.
fn throttle(
    state: &AppState,
    title: &'static str,
    message: &'static str,
) -> GovernorLayer<
    crate::client::ClientKeyExtractor,
    governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
    axum::body::Body,
> {
    let mut builder = GovernorConfigBuilder::default()
        .key_extractor(crate::client::ClientKeyExtractor(Arc::new(state.config.trusted_proxies.clone())));
    builder
        .per_second(state.config.sign_in_replenish_seconds.max(1))
        .burst_size(state.config.sign_in_burst.max(1))
        .methods(vec![Method::POST]);
    let config = Arc::new(builder.finish().expect("sign-in throttle settings are positive"));
    let limiter = config.limiter().clone();
    // Forget clients that have been quiet, so the table does not grow without bound.
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            limiter.retain_recent();
        }
    });
    GovernorLayer::new(config).error_handler(move |_| error_page(StatusCode::TOO_MANY_REQUESTS, title, message))
}

/// Gzip for a page read on a phone with a poor signal: a register of a 500-member group is
/// about 150 kB of HTML and 18 kB sent. Only for pages that echo nothing from the
/// request's address: a page that reflects what an attacker chose beside a secret (a
/// search's words beside the form token) would let its compressed size leak the secret
/// (BREACH), and a register's page reflects only what a same-site form posted.
fn phone_sized() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new()
}

/// The largest body any request may have (an import's upload is the largest by far).
const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let mut router: Router<AppState> = Router::new();
    for (spec, mr) in table(&state) {
        let access = spec.access;
        router = router
            .route(spec.path, mr.route_layer(from_fn(move |req: Request, next: Next| enforce(access, req, next))));
    }
    let sessions = SessionManagerLayer::new(linkwell_store::web_sessions::DbSessionStore::new(state.db.clone()))
        .with_name("linkwell_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(auth::IDLE_SESSION_MINUTES)));
    router
        .fallback(pages::not_found)
        // Innermost first: these run after routing, closest to the handlers.
        .layer(from_fn(security::csrf))
        .layer(from_fn_with_state(state.clone(), security::form_token))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(from_fn(security::answer_too_large))
        .layer(from_fn_with_state(state.clone(), pages::render_error_pages))
        .layer(from_fn_with_state(state.clone(), auth::resolve_principal))
        .layer(sessions)
        .layer(from_fn_with_state(state.clone(), ops::track))
        .layer(from_fn(security::headers))
        .layer(from_fn(log_request))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(from_fn(auth::screen_request_id))
        .with_state(state)
}

/// One structured log line per request: method, route template, status, latency and
/// request id — never the concrete path or query, which may carry identifiers or tokens.
async fn log_request(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = ops::method_label(req.method());
    let request_id = auth::request_id(req.headers()).unwrap_or_default();
    let start = std::time::Instant::now();
    let res = next.run(req).await;
    tracing::info!(%method, route, status = res.status().as_u16(), ms = start.elapsed().as_millis() as u64, request_id, "request");
    res
}

async fn asset(Path(path): Path<String>) -> Response {
    let Some((_, bytes)) = crate::templates::ASSETS.iter().find(|(name, _)| *name == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], *bytes).into_response()
}

/// Serve until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let store = linkwell_store::web_sessions::DbSessionStore::new(state.db.clone());
    let (db, throttle) = (state.db.clone(), state.sign_in_throttle.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(300)).await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
            // Failures a day old have long stopped counting.
            if let Err(e) = db.delete_old_sign_in_failures(linkwell_store::now_ms() - 86_400_000).await {
                tracing::warn!(error = %e, "could not delete old sign-in failures");
            }
            throttle.forget_recovered();
        }
    });
    // Each group's sessions kept to the horizon, hourly (idempotent: a day's new date is
    // added once), and offers of a place lapsed on time.
    tokio::spawn(linkwell_app::groups::run(
        state.db.clone(),
        Duration::from_secs(3600),
        state.config.public_url.clone(),
    ));
    tokio::spawn(linkwell_app::messaging::reminders::run(
        state.db.clone(),
        state.config.outbox_every,
        state.config.allow_private_messaging_hosts,
    ));
    // Requests wait in the listener's queue until the index holds every listing.
    let mut cursor = (0, String::new());
    match linkwell_app::directory::search::catch_up(&state.db, &state.search, &mut cursor).await {
        Ok(n) => tracing::info!(listings = n, "search index built"),
        Err(e) => tracing::warn!(error = %e, "could not build the search index; it will catch up"),
    }
    tokio::spawn(linkwell_app::directory::search::follow(
        state.db.clone(),
        state.search.clone(),
        state.config.search_every,
        cursor,
    ));
    let app = router(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
