//! Feedback after a group session: the follow-up message to each member who came, with a
//! link that works once, the feedback it gives, and feedback the facilitator records on
//! the day. A follow-up goes once per member and session however often the register is
//! saved (a unique key, not a check-then-write), and a link gives feedback once even when
//! sent twice at the same moment (the link is spent by the write that records).

use linkwell_domain::audit::AuditAction;
use linkwell_domain::groups::feedback::{Feedback, FeedbackSource, Rating};
use linkwell_domain::groups::members::MemberStatus;
use linkwell_domain::identity::{Secret, SecretHash};
use linkwell_domain::ids::{GroupFeedbackId, GroupMemberId, GroupSessionId};
use linkwell_domain::{ServiceId, UserId};

use crate::audit::append_in;
use crate::error::stored;
use crate::group_members::{Member, Notice, member_in, member_link_in, reach_in, send_in};
use crate::groups::session_in;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// Writes a session's follow-up to a member, given the secret of its feedback link and of
/// their own link (leave the group).
pub type ComposeFollowUp<'a> = &'a (dyn Fn(&Member, &Secret, &Secret) -> Notice + Send + Sync);

/// One piece of feedback on a group's session.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeedbackGiven {
    pub id: GroupFeedbackId,
    pub session_id: GroupSessionId,
    /// The London date of the session.
    pub on_date: jiff::civil::Date,
    pub rating: Rating,
    pub comment: String,
    pub source: FeedbackSource,
    pub created_at: i64,
}

/// A group's feedback: how much there is, its average rating, and the newest.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeedbackSummary {
    pub count: i64,
    /// To one decimal place; `None` before any.
    pub average: Option<f64>,
    pub newest: Vec<FeedbackGiven>,
}

/// What a feedback link is for, as its page needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackLink {
    pub scope: OrgScope,
    pub session_id: GroupSessionId,
    pub service_id: ServiceId,
    pub on_date: jiff::civil::Date,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// Feedback listed at most on a group's page and in the API.
pub const NEWEST_FEEDBACK: usize = 20;

impl Db {
    /// Queue for `due_at` the follow-up of `session` to each of `members` who came (and
    /// is still in the group and may be messaged), with a feedback link that works until
    /// `expires_at`: once per member and session, whatever was sent before. Returns how
    /// many were queued now.
    pub async fn send_follow_ups(
        &self,
        scope: &OrgScope,
        session: GroupSessionId,
        members: &[GroupMemberId],
        (due_at, expires_at): (i64, i64),
        compose: ComposeFollowUp<'_>,
    ) -> Result<usize> {
        let mut tx = self.begin().await?;
        let s = session_in(&mut tx, scope, session).await?;
        let mut sent = 0;
        for id in members {
            let member = member_in(&mut tx, scope, *id).await?;
            if member.service_id != s.service_id || member.status == MemberStatus::Left {
                continue;
            }
            let Some((channel, recipient)) = reach_in(&mut tx, scope, &member).await? else { continue };
            let feedback = Secret::generate("gf_");
            let now = now_ms();
            let made = on_tx!(&mut tx, conn => {
                sqlx::query("INSERT INTO group_feedback_links (organisation_id, key_hash, session_id, member_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) \
                             ON CONFLICT (organisation_id, session_id, member_id) DO NOTHING")
                    .bind(scope.key()).bind(feedback.hash().0).bind(session.to_string()).bind(id.to_string()).bind(now).bind(expires_at)
                    .execute(&mut *conn).await?.rows_affected()
            });
            if made == 0 {
                continue;
            }
            let own = member_link_in(&mut tx, scope, member.id).await?;
            send_in(&mut tx, scope, channel, recipient, compose(&member, &feedback, &own), due_at).await?;
            sent += 1;
        }
        tx.commit().await?;
        Ok(sent)
    }

    /// The session a feedback link asks about, with its organisation; `None` for a link
    /// that was never made (nothing is told of why).
    pub async fn feedback_link(&self, key: &SecretHash) -> Result<Option<FeedbackLink>> {
        type Row = (String, String, String, String, i64, Option<i64>);
        let found: Option<Row> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT l.organisation_id, l.session_id, s.service_id, s.on_date, l.expires_at, l.used_at FROM group_feedback_links l \
                 JOIN group_sessions s ON s.organisation_id = l.organisation_id AND s.id = l.session_id WHERE l.key_hash = $1",
            )
            .bind(&key.0).fetch_optional(pool).await?
        });
        let Some((org, session, service, on, expires_at, used_at)) = found else { return Ok(None) };
        Ok(Some(FeedbackLink {
            scope: OrgScope::new(stored(org.parse())?),
            session_id: stored(session.parse())?,
            service_id: stored(service.parse())?,
            on_date: stored(on.parse())?,
            expires_at,
            used_at,
        }))
    }

    /// Give `feedback` by the link `key` at `now`: `false` when it was used already, has
    /// lapsed, or its member is no longer down as having come, and nothing is recorded.
    pub async fn give_feedback_by_link(&self, key: &SecretHash, feedback: &Feedback, now: i64) -> Result<bool> {
        let Some(link) = self.feedback_link(key).await? else { return Err(StoreError::NotFound) };
        let scope = link.scope;
        let mut tx = self.begin().await?;
        // Spent by the same write that checks it is unspent: two at once record once.
        let member: Option<String> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "UPDATE group_feedback_links SET used_at = $1 WHERE key_hash = $2 AND used_at IS NULL AND expires_at > $1 \
                 AND EXISTS (SELECT 1 FROM group_attendance a WHERE a.organisation_id = group_feedback_links.organisation_id \
                 AND a.session_id = group_feedback_links.session_id AND a.member_id = group_feedback_links.member_id) RETURNING member_id",
            )
                .bind(now).bind(&key.0).fetch_optional(&mut *conn).await?
        });
        let Some(member) = member else { return Ok(false) };
        let member: GroupMemberId = stored(member.parse())?;
        let id = insert_feedback_in(&mut tx, &scope, &link, Some(member), feedback, FeedbackSource::Link, None, now)
            .await?
            .ok_or(StoreError::Conflict)?;
        let detail = format!("feedback rating={} source=link", feedback.rating.get());
        append_in(
            &mut tx,
            &scope,
            &Actor::system().event(AuditAction::GroupChanged, "group_feedback", id, Some(detail)),
        );
        tx.commit().await?;
        Ok(true)
    }

    /// Record feedback someone gave on the day of `session`, as `by` (its facilitator).
    /// The same form (its key) sent twice records once: `false` the second time.
    pub async fn record_feedback(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        session: GroupSessionId,
        feedback: &Feedback,
        by: UserId,
    ) -> Result<bool> {
        let s = self.group_session(scope, session).await?;
        let link = FeedbackLink {
            scope: *scope,
            session_id: session,
            service_id: s.service_id,
            on_date: s.on_date,
            expires_at: 0,
            used_at: None,
        };
        let mut tx = self.begin().await?;
        let now = now_ms();
        let Some(id) =
            insert_feedback_in(&mut tx, scope, &link, None, feedback, FeedbackSource::Facilitator, Some(by), now)
                .await?
        else {
            return Ok(false);
        };
        let detail = format!("feedback rating={} source=facilitator", feedback.rating.get());
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group_feedback", id, Some(detail)));
        tx.commit().await?;
        Ok(true)
    }

    /// The feedback on the group on `service`: its count, average and the newest.
    pub async fn group_feedback(&self, scope: &OrgScope, service: ServiceId) -> Result<FeedbackSummary> {
        type Row = (String, String, String, i64, String, String, i64);
        let ((count, sum), rows): ((i64, Option<i64>), Vec<Row>) = on_db!(self, pool => {
            let totals: (i64, Option<i64>) = sqlx::query_as("SELECT COUNT(*), CAST(SUM(rating) AS BIGINT) FROM group_feedback WHERE organisation_id = $1 AND service_id = $2")
                .bind(scope.key()).bind(service.to_string()).fetch_one(pool).await?;
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT f.id, f.session_id, s.on_date, f.rating, f.comment, f.source, f.created_at FROM group_feedback f \
                 JOIN group_sessions s ON s.organisation_id = f.organisation_id AND s.id = f.session_id \
                 WHERE f.organisation_id = $1 AND f.service_id = $2 ORDER BY f.created_at DESC, f.id DESC LIMIT $3",
            )
            .bind(scope.key()).bind(service.to_string()).bind(NEWEST_FEEDBACK as i64).fetch_all(pool).await?;
            (totals, rows)
        });
        let newest = rows
            .into_iter()
            .map(|(id, session, on, rating, comment, source, created_at)| {
                Ok(FeedbackGiven {
                    id: stored(id.parse())?,
                    session_id: stored(session.parse())?,
                    on_date: stored(on.parse())?,
                    rating: Rating::new(rating).ok_or_else(|| StoreError::corrupt(format!("rating {rating}")))?,
                    comment,
                    source: FeedbackSource::parse(&source).map_err(StoreError::corrupt)?,
                    created_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let average = linkwell_domain::groups::feedback::average(sum.unwrap_or(0), count);
        Ok(FeedbackSummary { count, average, newest })
    }
}

/// Insert feedback; `None` when its form key recorded feedback on the session already.
#[allow(clippy::too_many_arguments)]
async fn insert_feedback_in(
    tx: &mut crate::db::Tx,
    scope: &OrgScope,
    link: &FeedbackLink,
    member: Option<GroupMemberId>,
    feedback: &Feedback,
    source: FeedbackSource,
    by: Option<UserId>,
    now: i64,
) -> Result<Option<GroupFeedbackId>> {
    let id = GroupFeedbackId::new();
    let made = on_tx!(tx, conn => {
        sqlx::query("INSERT INTO group_feedback (organisation_id, id, service_id, session_id, member_id, rating, comment, source, recorded_by, form_key, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (organisation_id, session_id, form_key) DO NOTHING")
            .bind(scope.key()).bind(id.to_string()).bind(link.service_id.to_string()).bind(link.session_id.to_string())
            .bind(member.map(|m| m.to_string())).bind(i64::from(feedback.rating.get())).bind(&feedback.comment)
            .bind(source.code()).bind(by.map(|u| u.to_string())).bind(&feedback.key).bind(now).execute(&mut *conn).await?.rows_affected()
    });
    Ok((made > 0).then_some(id))
}
