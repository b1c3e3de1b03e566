//! Members' stories: recorded by the team with the member's consent and what may be shown,
//! published on the group's public page as chosen, and withdrawn — by the member through
//! the link in any message, or by the team for them — from everywhere at once.

use linkwell_domain::groups::stories::{NewStory, StoryFields};
use linkwell_domain::identity::SecretHash;
use linkwell_domain::ids::{GroupMemberId, GroupStoryId};
use linkwell_domain::{ServiceId, ValidationErrors};
use linkwell_store::group_stories::{Story, WithdrawnBy};
use linkwell_store::{Actor, Db, OrgScope, StoreError};

use crate::Caller;
use crate::casework::CaseError;

/// Record a story a member of the group on `service` gave, with their consent.
pub async fn record(db: &Db, caller: &Caller, service: ServiceId, fields: &StoryFields) -> Result<Story, CaseError> {
    let scope = caller.scope();
    db.group(&scope, service).await?;
    let story = NewStory::parse(fields, crate::today()).map_err(CaseError::Invalid)?;
    match db.record_story(&scope, &caller.actor(), service, &story, Some(caller.principal.user.id)).await {
        Err(StoreError::NotFound) => {
            Err(CaseError::Invalid(ValidationErrors::single("member", "Select a member of this group")))
        }
        other => Ok(other?),
    }
}

/// Every story of the group on `service`, for the team (withdrawn ones without words).
pub async fn stories(db: &Db, caller: &Caller, service: ServiceId) -> Result<Vec<Story>, CaseError> {
    let scope = caller.scope();
    db.group(&scope, service).await?;
    Ok(db.group_stories(&scope, service, false).await?)
}

/// The team withdraws `story` of the group on `service` for the member who gave it.
pub async fn withdraw(db: &Db, caller: &Caller, service: ServiceId, story: GroupStoryId) -> Result<Story, CaseError> {
    let scope = caller.scope();
    if db.group_story(&scope, story).await?.service_id != service {
        return Err(CaseError::NotFound);
    }
    let by = WithdrawnBy::User(caller.principal.user.id);
    Ok(db.withdraw_story(&scope, &caller.actor(), story, by).await?)
}

/// The stories of the group on `service` that may be published, for its public page.
pub async fn published(db: &Db, scope: &OrgScope, service: ServiceId) -> Result<Vec<Story>, StoreError> {
    db.group_stories(scope, service, true).await
}

/// The stories `member` gave, for the page their link opens (found by
/// [`super::members::by_link`]).
pub async fn of_member(db: &Db, scope: &OrgScope, member: GroupMemberId) -> Result<Vec<Story>, StoreError> {
    db.member_stories(scope, member).await
}

/// The member withdraws their `story` by the link in a message; `None`: no such link, or
/// not a story of theirs. Withdrawing twice withdraws once.
pub async fn withdraw_by_link(db: &Db, secret: &str, story: GroupStoryId) -> Result<Option<Story>, StoreError> {
    let Some((scope, member)) = db.group_member_by_link(&SecretHash::of(secret)).await? else { return Ok(None) };
    let s = match db.group_story(&scope, story).await {
        Ok(s) if s.member_id == member.id => s,
        Ok(_) | Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(db.withdraw_story(&scope, &Actor::system(), s.id, WithdrawnBy::Member).await?))
}
