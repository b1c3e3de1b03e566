//! How an organisation is set up: sites and rooms, programmes, and each worker's hours.

use linkwell_domain::identity::Role;
use linkwell_domain::organisations::{ProgrammeInput, SiteInput};
use linkwell_domain::sessions::Week;
use linkwell_domain::{PracticeId, SiteId, UserId, ValidationErrors};
use linkwell_store::organisations::{Organisation, PublicSwitch};
use linkwell_store::plans::Tool;
use linkwell_store::practices::{Room, Site};
use linkwell_store::programmes::Programme;
use linkwell_store::users::User;
use linkwell_store::{Actor, Db, OrgScope, StoreError};

use crate::Caller;
use crate::casework::CaseError;
use crate::users::check_practice_into;

/// Add a site, at one of the organisation's practices or none. A practice that is not
/// the organisation's is refused under `practice_field`.
pub async fn add_site(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    input: &SiteInput,
    practice: Option<PracticeId>,
    practice_field: &str,
) -> Result<Site, CaseError> {
    let mut errors = ValidationErrors::new();
    check_practice_into(db, scope, practice, practice_field, &mut errors).await?;
    if !errors.is_empty() {
        return Err(CaseError::Invalid(errors));
    }
    Ok(db.create_site(scope, actor, practice, &input.name, &input.address, None).await?)
}

/// Add a room to one of the organisation's sites (another organisation's is not found; a
/// name the site already has is `Duplicate`).
pub async fn add_room(db: &Db, scope: &OrgScope, actor: &Actor, site: SiteId, name: &str) -> Result<Room, StoreError> {
    if !db.sites_with_rooms(scope).await?.iter().any(|(s, _)| s.id == site) {
        return Err(StoreError::NotFound);
    }
    db.create_room(scope, actor, site, name).await
}

/// Add a programme (a name the organisation already uses is `Duplicate`).
pub async fn add_programme(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    input: &ProgrammeInput,
) -> Result<Programme, StoreError> {
    db.create_programme_funded(scope, actor, &input.name, input.rules, &input.commissioner, input.funding).await
}

/// Whose diary or working hours the caller reads or sets: a coordinator's choice of any
/// link worker or coordinator (anyone else is not found); for everyone else, their own,
/// whoever they name.
pub async fn worker_for(db: &Db, caller: &Caller, requested: Option<UserId>) -> Result<User, StoreError> {
    let id = match (caller.user.role, requested) {
        (Role::Coordinator, Some(id)) => id,
        // A link worker's choice of worker is ignored, as the diary page always has.
        _ => caller.user.id,
    };
    let user = db.user(&caller.scope(), id).await?;
    if !crate::casework::holds_cases(user.role) {
        return Err(StoreError::NotFound);
    }
    Ok(user)
}

/// Set a worker's week (see [`worker_for`] for whose).
pub async fn set_hours(db: &Db, caller: &Caller, owner: &User, week: &Week) -> Result<(), StoreError> {
    db.set_week(&caller.scope(), &caller.actor(), owner.id, week).await
}

/// Open or close the public self-referral form, or publish or stop publishing the
/// directory (its public pages and ORUK feed), if the organisation is still at `version`.
pub async fn set_public_switch(
    db: &Db,
    caller: &Caller,
    switch: PublicSwitch,
    enabled: bool,
    version: linkwell_domain::Version,
) -> Result<Organisation, StoreError> {
    db.set_public_switch(&caller.scope(), &caller.actor(), switch, enabled, version).await?;
    db.organisation(&caller.scope()).await
}

/// Add a self-management tool to the list plans give from: a name is required, at most
/// 200 characters, and once on the list (refusals name `name`).
pub async fn add_tool(db: &Db, caller: &Caller, name: &str) -> Result<Tool, CaseError> {
    let name = linkwell_domain::validation::required_text("the tool's name", name, 200)
        .map_err(|m| CaseError::Invalid(ValidationErrors::single("name", m)))?;
    match db.add_tool(&caller.scope(), &caller.actor(), &name).await {
        Err(StoreError::Duplicate { .. }) => {
            Err(CaseError::Invalid(ValidationErrors::single("name", "That tool is already on the list")))
        }
        other => Ok(other?),
    }
}

/// Offer a tool in plans again, or stop offering it (plans that gave it keep it).
pub async fn set_tool_offered(db: &Db, caller: &Caller, id: &str, offered: bool) -> Result<(), StoreError> {
    db.set_tool_retired(&caller.scope(), &caller.actor(), id, !offered).await
}
