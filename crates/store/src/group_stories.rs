//! Members' stories, kept with their consent to publish and what may be shown of them.
//! Withdrawing one — by the member's link or by the team for them — empties its words in
//! the same write that marks it withdrawn, so nothing that reads stories can show it
//! again; the record that a story was given and withdrawn, and when, stays.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::groups::members::MemberStatus;
use linkwell_domain::groups::stories::{NewStory, StoryDisplay};
use linkwell_domain::ids::{GroupMemberId, GroupStoryId};
use linkwell_domain::{ServiceId, UserId};

use crate::audit::append_in;
use crate::error::stored;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// A member's story, as the team sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Story {
    pub id: GroupStoryId,
    pub service_id: ServiceId,
    pub member_id: GroupMemberId,
    /// The first name of the member who gave it.
    pub first_name: String,
    /// Empty once withdrawn.
    pub story: String,
    pub display: StoryDisplay,
    pub given_on: jiff::civil::Date,
    pub recorded_at: i64,
    pub withdrawn_at: Option<i64>,
    pub version: i64,
}

impl Story {
    /// Who it is shown as where it is published; `None`: it is not (withdrawn, or not to
    /// be shown).
    pub fn published_as(&self) -> Option<String> {
        match self.withdrawn_at {
            Some(_) => None,
            None => self.display.shown_as(&self.first_name),
        }
    }
}

/// Who withdrew a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawnBy {
    /// The member, by the link in a message.
    Member,
    /// Someone of the team, for them.
    User(UserId),
}

/// Stories read at most for one group.
pub const MAX_STORIES: usize = 500;

const COLUMNS: &str = "s.id, s.service_id, s.member_id, m.first_name, s.story, s.display, s.given_on, s.recorded_at, s.withdrawn_at, s.version";

type StoryRow = (String, String, String, String, String, String, String, i64, Option<i64>, i64);

fn story_of(r: StoryRow) -> Result<Story> {
    let (id, service, member, first_name, story, display, given_on, recorded_at, withdrawn_at, version) = r;
    Ok(Story {
        id: stored(id.parse())?,
        service_id: stored(service.parse())?,
        member_id: stored(member.parse())?,
        first_name,
        story,
        display: StoryDisplay::parse(&display).map_err(StoreError::corrupt)?,
        given_on: stored(given_on.parse())?,
        recorded_at,
        withdrawn_at,
        version,
    })
}

impl Db {
    /// Record a story given by a member of the group on `service`, now or before (with
    /// their consent, as [`NewStory`] cannot be made without it). A member of another
    /// group, or someone still waiting for a place, is `NotFound`.
    pub async fn record_story(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        service: ServiceId,
        story: &NewStory,
        by: Option<UserId>,
    ) -> Result<Story> {
        let member = self.group_member(scope, story.member).await?;
        let came = matches!(member.status, MemberStatus::Member | MemberStatus::Left);
        if member.service_id != service || !came {
            return Err(StoreError::NotFound);
        }
        let id = GroupStoryId::new();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO group_stories (organisation_id, id, service_id, member_id, story, display, given_on, recorded_by, recorded_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)")
                .bind(scope.key()).bind(id.to_string()).bind(service.to_string()).bind(story.member.to_string())
                .bind(&story.story).bind(story.display.code()).bind(story.given_on.to_string())
                .bind(by.map(|u| u.to_string())).bind(now_ms()).execute(&mut *conn).await?;
        });
        let detail = format!("story recorded display={}", story.display.code());
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group_story", id, Some(detail)));
        tx.commit().await?;
        self.group_story(scope, id).await
    }

    /// One story of the organisation's groups.
    pub async fn group_story(&self, scope: &OrgScope, story: GroupStoryId) -> Result<Story> {
        let row: Option<StoryRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM group_stories s JOIN group_members m ON m.organisation_id = s.organisation_id AND m.id = s.member_id \
                 WHERE s.organisation_id = $1 AND s.id = $2"
            )))
            .bind(scope.key()).bind(story.to_string()).fetch_optional(pool).await?
        });
        story_of(row.ok_or(StoreError::NotFound)?)
    }

    /// The stories of the group on `service`, newest first: every one for the team
    /// (withdrawn ones without their words), or only those that may be published.
    pub async fn group_stories(
        &self,
        scope: &OrgScope,
        service: ServiceId,
        published_only: bool,
    ) -> Result<Vec<Story>> {
        let published = if published_only { " AND s.withdrawn_at IS NULL AND s.display <> 'not_shown'" } else { "" };
        let rows: Vec<StoryRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM group_stories s JOIN group_members m ON m.organisation_id = s.organisation_id AND m.id = s.member_id \
                 WHERE s.organisation_id = $1 AND s.service_id = $2{published} ORDER BY s.recorded_at DESC, s.id DESC LIMIT $3"
            )))
            .bind(scope.key()).bind(service.to_string()).bind(MAX_STORIES as i64).fetch_all(pool).await?
        });
        rows.into_iter().map(story_of).collect()
    }

    /// The stories `member` gave, newest first (for the page their link opens).
    pub async fn member_stories(&self, scope: &OrgScope, member: GroupMemberId) -> Result<Vec<Story>> {
        let rows: Vec<StoryRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM group_stories s JOIN group_members m ON m.organisation_id = s.organisation_id AND m.id = s.member_id \
                 WHERE s.organisation_id = $1 AND s.member_id = $2 ORDER BY s.recorded_at DESC, s.id DESC LIMIT $3"
            )))
            .bind(scope.key()).bind(member.to_string()).bind(MAX_STORIES as i64).fetch_all(pool).await?
        });
        rows.into_iter().map(story_of).collect()
    }

    /// Withdraw `story`: its words are gone from everywhere in the same write. Withdrawing
    /// twice withdraws once (the first time and who stand).
    pub async fn withdraw_story(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        story: GroupStoryId,
        by: WithdrawnBy,
    ) -> Result<Story> {
        let who = match by {
            WithdrawnBy::Member => "member".to_owned(),
            WithdrawnBy::User(u) => u.to_string(),
        };
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE group_stories SET story = '', withdrawn_at = $1, withdrawn_by = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4 AND withdrawn_at IS NULL")
                .bind(now_ms()).bind(&who).bind(scope.key()).bind(story.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        if n > 0 {
            let detail = format!("story withdrawn by={}", if by == WithdrawnBy::Member { "member" } else { "team" });
            append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group_story", story, Some(detail)));
        }
        tx.commit().await?;
        self.group_story(scope, story).await
    }
}
