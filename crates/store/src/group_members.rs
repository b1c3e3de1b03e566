//! A group's members, waiting list and offered places, and the one-off changes to its
//! sessions that members are told of. Every change that gives or frees a place runs in one
//! transaction that first locks the group's row, so two sign-ups at the last place never
//! both get it, on either engine; the messages it causes are queued in the same
//! transaction (`outbox::enqueue_in`), so each is sent once and only if the change stands.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::groups::members::{JoinRoute, MemberChannel, MemberStatus, NewMember, OFFER_HOURS};
use linkwell_domain::groups::members::{place_for, places_to_offer};
use linkwell_domain::groups::sessions::SessionChange;
use linkwell_domain::identity::{Secret, SecretHash};
use linkwell_domain::ids::{GroupMemberId, GroupSessionId};
use linkwell_domain::{PersonId, PrescriptionId, ServiceId, Version};

use crate::audit::append_in;
use crate::db::Tx;
use crate::error::stored;
use crate::groups::GroupSession;
use crate::outbox::{Channel, NewMessage, enqueue_in};
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// Someone in a group, waiting for a place in it, offered one, or gone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    pub id: GroupMemberId,
    pub service_id: ServiceId,
    /// Their person record, when they came by social prescription (staff only).
    pub person_id: Option<PersonId>,
    pub prescription_id: Option<PrescriptionId>,
    pub route: JoinRoute,
    pub status: MemberStatus,
    pub first_name: String,
    pub last_initial: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub channel: MemberChannel,
    pub consent_contact: bool,
    pub access_needs: bool,
    pub emergency_contact: Option<String>,
    /// When they asked to join: the waiting list's order.
    pub asked_at: i64,
    pub joined_at: Option<i64>,
    pub offer_expires_at: Option<i64>,
    pub left_at: Option<i64>,
    pub left_reason: String,
    /// Registers in a row they were expected at and missed.
    pub missed_in_row: i64,
    /// When they were flagged for missing three in a row (cleared when they come again).
    pub flagged_at: Option<i64>,
    pub version: i64,
}

impl Member {
    /// Where messages to them go now, or `None`: they have not agreed to be contacted, or
    /// have no address for their channel.
    pub fn reachable_at(&self) -> Option<(Channel, &str)> {
        if !self.consent_contact {
            return None;
        }
        match self.channel {
            MemberChannel::Email => self.email.as_deref().map(|e| (Channel::Email, e)),
            MemberChannel::Sms => self.phone.as_deref().map(|p| (Channel::Sms, p)),
        }
    }
}

/// What a message to a member says; the outbox row is made from it with their channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: String,
    /// What it is for, e.g. `group_cancelled`.
    pub purpose: &'static str,
}

/// Writes the notice to a member, given the secret of the link this message carries
/// (leave the group; take a place offered). Called inside the transaction, once for each
/// member told.
pub type Compose<'a> = &'a (dyn Fn(&Member, &Secret) -> Notice + Send + Sync);

/// Who joins a group, and from where.
#[derive(Debug, Clone)]
pub struct Joining<'a> {
    pub member: &'a NewMember,
    pub route: JoinRoute,
    /// Their person record and the prescription that sent them, for a prescription.
    pub person: Option<(PersonId, PrescriptionId)>,
    /// Someone already in the group (or waiting) with the same email address or mobile
    /// number is not added again: they are told they are in already (public sign-ups).
    pub once_per_contact: bool,
}

/// The same email address (ignoring case) or phone number (its digits).
pub fn same_contact(m: &Member, new: &NewMember) -> bool {
    let digits = |p: &str| p.chars().filter(char::is_ascii_digit).collect::<String>();
    let email = matches!((&m.email, &new.email), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b));
    let phone = matches!((&m.phone, &new.phone), (Some(a), Some(b)) if digits(a) == digits(b));
    email || phone
}

pub(crate) const COLUMNS: &str = "id, service_id, person_id, prescription_id, route, status, first_name, last_initial, email, phone, channel, consent_contact, access_needs, emergency_contact, asked_at, joined_at, offer_expires_at, left_at, left_reason, missed_in_row, flagged_at, version";

/// Members read at most for one group (a register, a list): far above any group's size.
pub const MAX_MEMBERS: usize = 5000;

row_struct! {
    pub(crate) struct MemberRow {
        id: String,
        service_id: String,
        person_id: Option<String>,
        prescription_id: Option<String>,
        route: String,
        status: String,
        first_name: String,
        last_initial: String,
        email: Option<String>,
        phone: Option<String>,
        channel: String,
        consent_contact: bool,
        access_needs: bool,
        emergency_contact: Option<String>,
        asked_at: i64,
        joined_at: Option<i64>,
        offer_expires_at: Option<i64>,
        left_at: Option<i64>,
        left_reason: String,
        missed_in_row: i64,
        flagged_at: Option<i64>,
        version: i64,
    }
}

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;

    fn try_from(r: MemberRow) -> Result<Member> {
        Ok(Member {
            id: stored(r.id.parse())?,
            service_id: stored(r.service_id.parse())?,
            person_id: r.person_id.map(|p| stored(p.parse())).transpose()?,
            prescription_id: r.prescription_id.map(|p| stored(p.parse())).transpose()?,
            route: JoinRoute::parse(&r.route).map_err(StoreError::corrupt)?,
            status: MemberStatus::parse(&r.status).map_err(StoreError::corrupt)?,
            first_name: r.first_name,
            last_initial: r.last_initial,
            email: r.email,
            phone: r.phone,
            channel: MemberChannel::parse(&r.channel).map_err(StoreError::corrupt)?,
            consent_contact: r.consent_contact,
            access_needs: r.access_needs,
            emergency_contact: r.emergency_contact,
            asked_at: r.asked_at,
            joined_at: r.joined_at,
            offer_expires_at: r.offer_expires_at,
            left_at: r.left_at,
            left_reason: r.left_reason,
            missed_in_row: r.missed_in_row,
            flagged_at: r.flagged_at,
            version: r.version,
        })
    }
}

impl Db {
    /// Sign someone up to the group on `service`: a place if one is free and nobody is
    /// waiting, else the waiting list. `welcome` writes the message that tells them which
    /// (sent only with their consent). A person already in the group is `Duplicate`.
    pub async fn join_group(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        service: ServiceId,
        joining: &Joining<'_>,
        welcome: Compose<'_>,
    ) -> Result<Member> {
        let mut tx = self.begin().await?;
        lock_group_in(&mut tx, scope, service).await?;
        if joining.once_per_contact {
            let mut current = members_in(&mut tx, scope, service, "member").await?;
            for status in ["offered", "waiting"] {
                current.extend(members_in(&mut tx, scope, service, status).await?);
            }
            if let Some(already) = current.into_iter().find(|m| same_contact(m, joining.member)) {
                // Told they are in already, so the answer costs what a sign-up does.
                tell_in(&mut tx, scope, &already, welcome).await?;
                tx.commit().await?;
                return Ok(already);
            }
        }
        let (capacity, holding, waiting) = places_in(&mut tx, scope, service).await?;
        let status = place_for(capacity, holding, waiting);
        // Strictly after everyone who asked before, so the waiting list has one order even
        // when two ask within a millisecond.
        let last: Option<i64> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT MAX(asked_at) FROM group_members WHERE organisation_id = $1 AND service_id = $2")
                .bind(scope.key()).bind(service.to_string()).fetch_one(&mut *conn).await?
        });
        let now = now_ms().max(last.map_or(0, |l| l + 1));
        let m = joining.member;
        let member = Member {
            id: GroupMemberId::new(),
            service_id: service,
            person_id: joining.person.map(|p| p.0),
            prescription_id: joining.person.map(|p| p.1),
            route: joining.route,
            status,
            first_name: m.first_name.clone(),
            last_initial: m.last_initial.clone(),
            email: m.email.clone(),
            phone: m.phone.clone(),
            channel: m.channel,
            consent_contact: m.consent_contact,
            access_needs: m.access_needs,
            emergency_contact: m.emergency_contact.clone(),
            asked_at: now,
            joined_at: (status == MemberStatus::Member).then_some(now),
            offer_expires_at: None,
            left_at: None,
            left_reason: String::new(),
            missed_in_row: 0,
            flagged_at: None,
            version: 1,
        };
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO group_members (organisation_id, id, service_id, person_id, prescription_id, route, status, first_name, last_initial, email, phone, channel, consent_contact, access_needs, emergency_contact, asked_at, joined_at, created_at, updated_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $16, $16, 1)",
            )
            .bind(scope.key()).bind(member.id.to_string()).bind(service.to_string())
            .bind(member.person_id.map(|p| p.to_string())).bind(member.prescription_id.map(|p| p.to_string()))
            .bind(member.route.code()).bind(status.code()).bind(&member.first_name).bind(&member.last_initial)
            .bind(&member.email).bind(&member.phone).bind(member.channel.code()).bind(member.consent_contact)
            .bind(member.access_needs).bind(&member.emergency_contact).bind(now).bind(member.joined_at)
            .execute(&mut *conn).await.map_err(StoreError::unique_as("person_id"))?;
        });
        tell_in(&mut tx, scope, &member, welcome).await?;
        let detail = format!("member joined route={} status={}", member.route.code(), status.code());
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group_member", member.id, Some(detail)));
        tx.commit().await?;
        Ok(member)
    }

    /// Record when a member joined, for members who joined before the group was run here
    /// (an import of its list, the demo): their figures and missed sessions count from
    /// then.
    pub async fn record_joined_at(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        member: GroupMemberId,
        joined_at: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE group_members SET asked_at = $1, joined_at = $1, updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4 AND status = 'member'")
                .bind(joined_at).bind(now_ms()).bind(scope.key()).bind(member.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::GroupChanged, "group_member", member, Some("joined earlier".into())),
        );
        tx.commit().await
    }

    /// The group's members, offers and waiting list (not those who left): members first,
    /// then offers, then the waiting list, each in the order they asked.
    pub async fn group_members(&self, scope: &OrgScope, service: ServiceId) -> Result<Vec<Member>> {
        let rows: Vec<MemberRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM group_members WHERE organisation_id = $1 AND service_id = $2 AND status <> 'left' \
                 ORDER BY CASE status WHEN 'member' THEN 0 WHEN 'offered' THEN 1 ELSE 2 END, asked_at, id LIMIT $3"
            )))
            .bind(scope.key()).bind(service.to_string()).bind(MAX_MEMBERS as i64).fetch_all(pool).await?
        });
        rows.into_iter().map(Member::try_from).collect()
    }

    /// One member of the organisation's groups, whatever their status.
    pub async fn group_member(&self, scope: &OrgScope, member: GroupMemberId) -> Result<Member> {
        let row: Option<MemberRow> = on_db!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM group_members WHERE organisation_id = $1 AND id = $2")))
                .bind(scope.key()).bind(member.to_string()).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// The member a message's link was made for, and their organisation; `None` for a
    /// link that was never made (nothing is told of why).
    pub async fn group_member_by_link(&self, key: &SecretHash) -> Result<Option<(OrgScope, Member)>> {
        let found: Option<(String, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT organisation_id, member_id FROM group_member_links WHERE key_hash = $1")
                .bind(&key.0).fetch_optional(pool).await?
        });
        let Some((org, member)) = found else { return Ok(None) };
        let scope = OrgScope::new(stored(org.parse())?);
        let member = self.group_member(&scope, stored(member.parse())?).await?;
        Ok(Some((scope, member)))
    }

    /// Take `member` out of their group (or off its waiting list) for `reason`; a place
    /// it frees is offered to the first waiting, each told by `offer`. Leaving twice
    /// leaves once: a member already gone is returned as they are.
    pub async fn leave_group(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        member: GroupMemberId,
        reason: &str,
        offer: Compose<'_>,
    ) -> Result<Member> {
        let before = self.group_member(scope, member).await?;
        let mut tx = self.begin().await?;
        lock_group_in(&mut tx, scope, before.service_id).await?;
        let now = now_ms();
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE group_members SET status = 'left', left_at = $1, left_reason = $2, offer_expires_at = NULL, updated_at = $1, version = version + 1 WHERE organisation_id = $3 AND id = $4 AND status <> 'left'")
                .bind(now).bind(reason).bind(scope.key()).bind(member.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return member_in(&mut tx, scope, member).await;
        }
        let offered = offer_places_in(&mut tx, scope, before.service_id, offer).await?;
        let detail = format!("member left; places offered={offered}");
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group_member", member, Some(detail)));
        let after = member_in(&mut tx, scope, member).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Take the place `member` was offered, while the offer stands: `Conflict` once it has
    /// lapsed or they are not offered one. Taking it twice takes it once.
    pub async fn take_offered_place(&self, scope: &OrgScope, actor: &Actor, member: GroupMemberId) -> Result<Member> {
        let service = self.group_member(scope, member).await?.service_id;
        let mut tx = self.begin().await?;
        lock_group_in(&mut tx, scope, service).await?;
        // The capacity may have been lowered since the offer: members alone must still
        // leave room for one more.
        let (capacity, _, _) = places_in(&mut tx, scope, service).await?;
        let members = members_in(&mut tx, scope, service, "member").await?.len() as u64;
        if capacity.is_some_and(|c| members >= u64::from(c)) {
            let current = member_in(&mut tx, scope, member).await?;
            return if current.status == MemberStatus::Member { Ok(current) } else { Err(StoreError::Conflict) };
        }
        let now = now_ms();
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE group_members SET status = 'member', joined_at = $1, offer_expires_at = NULL, updated_at = $1, version = version + 1 WHERE organisation_id = $2 AND id = $3 AND status = 'offered' AND offer_expires_at > $1")
                .bind(now).bind(scope.key()).bind(member.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        let after = member_in(&mut tx, scope, member).await?;
        if n == 0 {
            return if after.status == MemberStatus::Member { Ok(after) } else { Err(StoreError::Conflict) };
        }
        append_in(
            &mut tx,
            scope,
            &actor.event(AuditAction::GroupChanged, "group_member", member, Some("place taken".into())),
        );
        tx.commit().await?;
        Ok(after)
    }

    /// Offers past their time at `now`, across every organisation, the oldest first: up
    /// to `limit` of them.
    pub async fn group_offers_due(&self, now: i64, limit: usize) -> Result<Vec<(OrgScope, ServiceId, GroupMemberId)>> {
        let due: Vec<(String, String, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT organisation_id, service_id, id FROM group_members WHERE status = 'offered' AND offer_expires_at <= $1 ORDER BY offer_expires_at, id LIMIT $2")
                .bind(now).bind(limit as i64).fetch_all(pool).await?
        });
        due.into_iter()
            .map(|(o, s, m)| Ok((OrgScope::new(stored(o.parse())?), stored(s.parse())?, stored(m.parse())?)))
            .collect()
    }

    /// Let the offer to `member` lapse if it is past its time at `now` (they leave the
    /// waiting list) and offer the place to the next in line, told by `offer`. Returns
    /// whether it lapsed (not if it was taken meanwhile).
    pub async fn lapse_group_offer(
        &self,
        scope: &OrgScope,
        service: ServiceId,
        member: GroupMemberId,
        now: i64,
        offer: Compose<'_>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        lock_group_in(&mut tx, scope, service).await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE group_members SET status = 'left', left_at = $1, left_reason = 'The offer of a place lapsed', offer_expires_at = NULL, updated_at = $1, version = version + 1 WHERE organisation_id = $2 AND id = $3 AND status = 'offered' AND offer_expires_at <= $1")
                .bind(now).bind(scope.key()).bind(member.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        if n == 0 {
            return Ok(false);
        }
        let offered = offer_places_in(&mut tx, scope, service, offer).await?;
        let detail = format!("offer lapsed; places offered={offered}");
        append_in(
            &mut tx,
            scope,
            &Actor::system().event(AuditAction::GroupChanged, "group_member", member, Some(detail)),
        );
        tx.commit().await?;
        Ok(true)
    }

    /// Offer whatever places are free in the group to those waiting (after its capacity
    /// grew, say), each told by `offer`. Returns how many were offered.
    pub async fn offer_free_places(&self, scope: &OrgScope, service: ServiceId, offer: Compose<'_>) -> Result<usize> {
        let mut tx = self.begin().await?;
        lock_group_in(&mut tx, scope, service).await?;
        let offered = offer_places_in(&mut tx, scope, service, offer).await?;
        tx.commit().await?;
        Ok(offered)
    }

    /// Move or cancel one session, if it is still at `expected`, and tell each member once
    /// by `notice` (inside the same transaction: a second submission finds the version
    /// moved on and tells nobody again). A session whose register was taken, or that is
    /// already cancelled, cannot change: `Conflict`. Returns the session and how many
    /// members were told.
    pub async fn change_group_session(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        session: GroupSessionId,
        expected: Version,
        change: &SessionChange,
        notice: Compose<'_>,
    ) -> Result<(GroupSession, usize)> {
        let service = self.group_session(scope, session).await?.service_id;
        let mut tx = self.begin().await?;
        // After a regeneration of the group's sessions, not beside it.
        lock_group_in(&mut tx, scope, service).await?;
        let now = now_ms();
        let n = on_tx!(&mut tx, conn => {
            match change {
                SessionChange::Move { at, venue, reason } => sqlx::query(
                    "UPDATE group_sessions SET status = 'moved', starts_at = $1, ends_at = $2, venue = $3, reason = $4, updated_at = $5, version = version + 1 \
                     WHERE organisation_id = $6 AND id = $7 AND version = $8 AND status <> 'cancelled' AND register_taken_at IS NULL",
                )
                .bind(at.starts_at.as_millisecond()).bind(at.ends_at.as_millisecond()).bind(venue).bind(reason).bind(now),
                SessionChange::Cancel { reason } => sqlx::query(
                    "UPDATE group_sessions SET status = 'cancelled', reason = $1, updated_at = $2, version = version + 1 \
                     WHERE organisation_id = $3 AND id = $4 AND version = $5 AND status <> 'cancelled' AND register_taken_at IS NULL",
                )
                .bind(reason).bind(now),
            }
            .bind(scope.key()).bind(session.to_string()).bind(expected.0).execute(&mut *conn).await?.rows_affected()
        });
        let after = crate::groups::session_in(&mut tx, scope, session).await?;
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        let mut members = members_in(&mut tx, scope, after.service_id, "member").await?;
        members.extend(members_in(&mut tx, scope, after.service_id, "offered").await?);
        let mut told = 0;
        for m in &members {
            told += usize::from(tell_in(&mut tx, scope, m, notice).await?);
        }
        let detail = format!("session {} {} members told={told}", after.on_date, after.status.code());
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group_session", session, Some(detail)));
        tx.commit().await?;
        Ok((after, told))
    }
}

/// Lock the group's row for the rest of the transaction (a row lock on PostgreSQL;
/// SQLite's write transaction is exclusive already), so changes to its places and
/// sessions run one after another. `NotFound` if it is not a group.
pub(crate) async fn lock_group_in(tx: &mut Tx, scope: &OrgScope, service: ServiceId) -> Result<()> {
    let n = on_tx!(tx, conn => {
        sqlx::query("UPDATE team_groups SET version = version WHERE organisation_id = $1 AND service_id = $2")
            .bind(scope.key()).bind(service.to_string()).execute(&mut *conn).await?.rows_affected()
    });
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// The group's capacity (its listing's), the places held (members and offers) and the
/// number waiting.
async fn places_in(tx: &mut Tx, scope: &OrgScope, service: ServiceId) -> Result<(Option<u32>, u64, u64)> {
    let (capacity, counts): (Option<i64>, Vec<(String, i64)>) = on_tx!(tx, conn => {
        let capacity: Option<i64> = sqlx::query_scalar("SELECT capacity FROM services WHERE organisation_id = $1 AND id = $2")
            .bind(scope.key()).bind(service.to_string()).fetch_optional(&mut *conn).await?.flatten();
        let counts: Vec<(String, i64)> = sqlx::query_as("SELECT status, COUNT(*) FROM group_members WHERE organisation_id = $1 AND service_id = $2 AND status <> 'left' GROUP BY status")
            .bind(scope.key()).bind(service.to_string()).fetch_all(&mut *conn).await?;
        (capacity, counts)
    });
    let count = |s: &str| counts.iter().filter(|(status, _)| status == s).map(|(_, n)| *n as u64).sum::<u64>();
    let capacity = capacity.map(|c| u32::try_from(c).map_err(StoreError::corrupt)).transpose()?;
    Ok((capacity, count("member") + count("offered"), count("waiting")))
}

/// Offer the free places to the first waiting, in the order they asked, each with
/// [`OFFER_HOURS`] to take it; returns how many were offered.
async fn offer_places_in(tx: &mut Tx, scope: &OrgScope, service: ServiceId, offer: Compose<'_>) -> Result<usize> {
    let (capacity, holding, waiting) = places_in(tx, scope, service).await?;
    let n = places_to_offer(capacity, holding, waiting);
    if n == 0 {
        return Ok(0);
    }
    let now = now_ms();
    let expires = now + OFFER_HOURS * 3_600_000;
    let mut next = members_in(tx, scope, service, "waiting").await?;
    next.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    for m in &mut next {
        on_tx!(tx, conn => {
            sqlx::query("UPDATE group_members SET status = 'offered', offer_expires_at = $1, updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4")
                .bind(expires).bind(now).bind(scope.key()).bind(m.id.to_string()).execute(&mut *conn).await?;
        });
        m.status = MemberStatus::Offered;
        m.offer_expires_at = Some(expires);
        m.version += 1;
        tell_in(tx, scope, m, offer).await?;
    }
    Ok(next.len())
}

/// Queue the message `compose` writes to `member`, with a link of its own, if they can
/// be reached; returns whether one was queued.
async fn tell_in(tx: &mut Tx, scope: &OrgScope, member: &Member, compose: Compose<'_>) -> Result<bool> {
    let Some((channel, recipient)) = reach_in(tx, scope, member).await? else { return Ok(false) };
    let secret = member_link_in(tx, scope, member.id).await?;
    send_in(tx, scope, channel, recipient, compose(member, &secret), now_ms()).await?;
    Ok(true)
}

/// Where a message to `member` goes now, or `None`: they have not agreed to messages, or
/// have no address for their channel.
pub(crate) async fn reach_in(tx: &mut Tx, scope: &OrgScope, member: &Member) -> Result<Option<(Channel, String)>> {
    // Someone who came by prescription is reached as their person record says now: their
    // consent or contact details may have changed since they joined.
    Ok(match member.person_id {
        Some(person) => person_reach_in(tx, scope, person).await?,
        None => member.reachable_at().map(|(c, r)| (c, r.to_owned())),
    })
}

/// How a person may be sent a message now: by text or email as they prefer, if they agreed
/// to be contacted and gave that number or address; `None` otherwise (a phone call or a
/// letter is the team's to make).
pub(crate) async fn person_reach_in(
    tx: &mut Tx,
    scope: &OrgScope,
    person: PersonId,
) -> Result<Option<(Channel, String)>> {
    let row: Option<(bool, String, Option<String>, Option<String>)> = on_tx!(tx, conn => {
        sqlx::query_as("SELECT consent_contact, preferred_channel, phone, email FROM people WHERE organisation_id = $1 AND id = $2")
            .bind(scope.key()).bind(person.to_string()).fetch_optional(&mut *conn).await?
    });
    Ok(row.and_then(|(consent, channel, phone, email)| match (consent, channel.as_str(), phone, email) {
        (true, "sms", Some(p), _) => Some((Channel::Sms, p)),
        (true, "email", _, Some(e)) => Some((Channel::Email, e)),
        _ => None,
    }))
}

/// A new link of `member`'s own (leave the group; take a place offered), for one message.
pub(crate) async fn member_link_in(tx: &mut Tx, scope: &OrgScope, member: GroupMemberId) -> Result<Secret> {
    let secret = Secret::generate("gm_");
    on_tx!(tx, conn => {
        sqlx::query("INSERT INTO group_member_links (key_hash, organisation_id, member_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(secret.hash().0).bind(scope.key()).bind(member.to_string()).bind(now_ms()).execute(&mut *conn).await?;
    });
    Ok(secret)
}

/// Queue `notice` to `recipient` by `channel`, to go at `due_at` (epoch ms).
pub(crate) async fn send_in(
    tx: &mut Tx,
    scope: &OrgScope,
    channel: Channel,
    recipient: String,
    notice: Notice,
    due_at: i64,
) -> Result<()> {
    let message = NewMessage {
        channel,
        recipient,
        subject: notice.subject,
        body: notice.body,
        purpose: notice.purpose,
        session_id: None,
        due_at,
    };
    enqueue_in(tx, scope, &message).await?;
    Ok(())
}

pub(crate) async fn member_in(tx: &mut Tx, scope: &OrgScope, member: GroupMemberId) -> Result<Member> {
    let row: Option<MemberRow> = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM group_members WHERE organisation_id = $1 AND id = $2")))
            .bind(scope.key()).bind(member.to_string()).fetch_optional(&mut *conn).await?
    });
    row.ok_or(StoreError::NotFound)?.try_into()
}

/// The group's people with `status`, in the order they asked.
async fn members_in(tx: &mut Tx, scope: &OrgScope, service: ServiceId, status: &str) -> Result<Vec<Member>> {
    let rows: Vec<MemberRow> = on_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM group_members WHERE organisation_id = $1 AND service_id = $2 AND status = $3 ORDER BY asked_at, id LIMIT $4"
        )))
        .bind(scope.key()).bind(service.to_string()).bind(status).bind(MAX_MEMBERS as i64).fetch_all(&mut *conn).await?
    });
    rows.into_iter().map(Member::try_from).collect()
}
