//! Registers of group sessions: who came to each, taken once per form (its key), and
//! what follows in the same transaction — each expected member's missed sessions in a
//! row, and the flag when they reach three.

use linkwell_domain::audit::AuditAction;
use linkwell_domain::groups::figures::{MemberFacts, SessionFacts};
use linkwell_domain::groups::members::MemberStatus;
use linkwell_domain::groups::registers::{MISSED_TO_FLAG, Register, missed_in_row};
use linkwell_domain::ids::{GroupMemberId, GroupSessionId};
use linkwell_domain::{ServiceId, UserId};

use crate::audit::append_in;
use crate::db::Tx;
use crate::error::stored;
use crate::group_members::{COLUMNS as MEMBER_COLUMNS, Member, MemberRow, lock_group_in};
use crate::groups::{GroupSession, GroupSessionRow, GroupSessionStatus, SESSION_COLUMNS, session_in};
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// A session's register: who is expected (members, and anyone recorded as there), and who
/// was ticked as there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterSheet {
    pub session: GroupSession,
    pub expected: Vec<Member>,
    pub attended: Vec<GroupMemberId>,
}

/// What taking a register did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterTaken {
    pub session: GroupSession,
    /// `false`: this form had been recorded already, and nothing changed.
    pub recorded: bool,
    /// Members ticked as there.
    pub attended: Vec<GroupMemberId>,
    /// Members who reached three missed in a row with this register.
    pub flagged: Vec<Member>,
}

/// Taken registers read back to count missed sessions in a row.
const HISTORY: usize = MISSED_TO_FLAG as usize;

impl Db {
    /// The register of `session`: its group's members and anyone recorded as there.
    pub async fn register_sheet(&self, scope: &OrgScope, session: GroupSessionId) -> Result<RegisterSheet> {
        let s = self.group_session(scope, session).await?;
        let (expected, attended): (Vec<MemberRow>, Vec<String>) = on_db!(self, pool => {
            let expected: Vec<MemberRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {MEMBER_COLUMNS} FROM group_members m WHERE organisation_id = $1 AND service_id = $2 \
                 AND (status = 'member' OR EXISTS (SELECT 1 FROM group_attendance a WHERE a.organisation_id = m.organisation_id AND a.session_id = $3 AND a.member_id = m.id)) \
                 ORDER BY first_name, last_initial, id LIMIT $4"
            )))
            .bind(scope.key()).bind(s.service_id.to_string()).bind(session.to_string())
            .bind(crate::group_members::MAX_MEMBERS as i64).fetch_all(pool).await?;
            let attended: Vec<String> = sqlx::query_scalar("SELECT member_id FROM group_attendance WHERE organisation_id = $1 AND session_id = $2")
                .bind(scope.key()).bind(session.to_string()).fetch_all(pool).await?;
            (expected, attended)
        });
        Ok(RegisterSheet {
            session: s,
            expected: expected.into_iter().map(Member::try_from).collect::<Result<_>>()?,
            attended: attended.into_iter().map(|a| stored(a.parse())).collect::<Result<_>>()?,
        })
    }

    /// Take the register of `session` (members of its group only, each once): who came
    /// replaces what was recorded, unless this very form (`register.key`) recorded it
    /// before, when nothing changes. A cancelled session has no register: `Conflict`.
    /// Then each member's missed sessions in a row are counted again, and those reaching
    /// three are flagged once.
    pub async fn take_register(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        session: GroupSessionId,
        register: &Register,
        by: Option<UserId>,
    ) -> Result<RegisterTaken> {
        let service = self.group_session(scope, session).await?.service_id;
        let mut tx = self.begin().await?;
        lock_group_in(&mut tx, scope, service).await?;
        let before = session_in(&mut tx, scope, session).await?;
        if before.status == GroupSessionStatus::Cancelled {
            return Err(StoreError::Conflict);
        }
        // Every form that recorded this register is remembered: a late retry of an older
        // form never overwrites a newer one.
        let seen: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT COUNT(*) FROM group_register_keys WHERE organisation_id = $1 AND session_id = $2 AND form_key = $3")
                .bind(scope.key()).bind(session.to_string()).bind(&register.key).fetch_one(&mut *conn).await?
        });
        if seen > 0 {
            let attended = attended_in(&mut tx, scope, session).await?;
            return Ok(RegisterTaken { session: before, recorded: false, attended, flagged: vec![] });
        }
        // Only the group's own members can be ticked.
        let ours = group_member_ids_in(&mut tx, scope, service).await?;
        let attended: Vec<GroupMemberId> = register.attended.iter().filter(|m| ours.contains(m)).copied().collect();
        let now = now_ms();
        let org = scope.key();
        let untick: Vec<String> = attended_in(&mut tx, scope, session)
            .await?
            .iter()
            .filter(|m| !attended.contains(m))
            .map(ToString::to_string)
            .collect();
        let tick: Vec<String> = attended.iter().map(ToString::to_string).collect();
        let came = i64::try_from(attended.len()).unwrap_or(i64::MAX);
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM group_attendance WHERE organisation_id = $1 AND session_id = $2")
                .bind(&org).bind(session.to_string()).execute(&mut *conn).await?;
            for chunk in attended.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO group_attendance (organisation_id, session_id, member_id) ");
                qb.push_values(chunk, |mut b, m| {
                    b.push_bind(org.clone()).push_bind(session.to_string()).push_bind(m.to_string());
                });
                qb.build().execute(&mut *conn).await?;
            }
            sqlx::query("INSERT INTO group_register_keys (organisation_id, session_id, form_key, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&org).bind(session.to_string()).bind(&register.key).bind(now).execute(&mut *conn).await?;
            sqlx::query("UPDATE group_sessions SET register_taken_at = COALESCE(register_taken_at, $1), register_note = $2, register_by = $3, came = $4, updated_at = $1, version = version + 1 WHERE organisation_id = $5 AND id = $6")
                .bind(now).bind(&register.note).bind(by.map(|u| u.to_string())).bind(came)
                .bind(&org).bind(session.to_string()).execute(&mut *conn).await?;
            // When each member last came: later for those ticked, read again for anyone
            // ticked before and not now (a correction).
            for chunk in tick.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new("UPDATE group_members SET last_came_at = ");
                qb.push_bind(before.starts_at).push(" WHERE organisation_id = ").push_bind(org.clone())
                    .push(" AND (last_came_at IS NULL OR last_came_at < ").push_bind(before.starts_at).push(") AND id");
                crate::push_in_list(&mut qb, chunk);
                qb.build().execute(&mut *conn).await?;
            }
            for chunk in untick.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new(
                    "UPDATE group_members SET last_came_at = (SELECT MAX(s.starts_at) FROM group_attendance a \
                     JOIN group_sessions s ON s.organisation_id = a.organisation_id AND s.id = a.session_id \
                     WHERE a.organisation_id = group_members.organisation_id AND a.member_id = group_members.id) WHERE organisation_id = ",
                );
                qb.push_bind(org.clone()).push(" AND id");
                crate::push_in_list(&mut qb, chunk);
                qb.build().execute(&mut *conn).await?;
            }
        });
        let flagged = count_missed_in(&mut tx, scope, service, now).await?;
        let detail = format!("register attended={} flagged={}", attended.len(), flagged.len());
        append_in(&mut tx, scope, &actor.event(AuditAction::GroupChanged, "group_session", session, Some(detail)));
        let after = session_in(&mut tx, scope, session).await?;
        tx.commit().await?;
        Ok(RegisterTaken { session: after, recorded: true, attended, flagged })
    }

    /// Sessions of the organisation's groups (only `groups`, when given) starting from
    /// `from` to `to` (epoch ms), in time order.
    pub async fn group_sessions_between(
        &self,
        scope: &OrgScope,
        groups: Option<&[ServiceId]>,
        from: i64,
        to: i64,
    ) -> Result<Vec<GroupSession>> {
        if groups.is_some_and(<[ServiceId]>::is_empty) {
            return Ok(vec![]);
        }
        let rows: Vec<GroupSessionRow> = on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {SESSION_COLUMNS} FROM group_sessions WHERE organisation_id = "));
            qb.push_bind(scope.key()).push(" AND starts_at >= ").push_bind(from).push(" AND starts_at < ").push_bind(to);
            push_groups(&mut qb, groups);
            qb.push(" ORDER BY starts_at, id LIMIT 1000");
            qb.build_query_as().fetch_all(pool).await?
        });
        rows.into_iter().map(GroupSession::try_from).collect()
    }

    /// How many came to each of the group's sessions on `from` to `to` whose register was
    /// taken.
    pub async fn attendance_counts(
        &self,
        scope: &OrgScope,
        service: ServiceId,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<(GroupSessionId, i64)>> {
        let rows: Vec<(String, i64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT id, COALESCE(came, 0) FROM group_sessions \
                 WHERE organisation_id = $1 AND service_id = $2 AND on_date >= $3 AND on_date <= $4 AND register_taken_at IS NOT NULL",
            )
            .bind(scope.key()).bind(service.to_string()).bind(from.to_string()).bind(to.to_string()).fetch_all(pool).await?
        });
        rows.into_iter().map(|(id, n)| Ok((stored(id.parse())?, n))).collect()
    }

    /// What a group's figures are made of: each member who ever asked, and its sessions
    /// on `from` to `to`.
    pub async fn group_figure_facts(
        &self,
        scope: &OrgScope,
        service: ServiceId,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<(Vec<MemberFacts>, Vec<SessionFacts>)> {
        type MemberFactRow = (Option<i64>, Option<i64>, String, String, Option<i64>);
        type SessionFactRow = (String, i64, String, Option<i64>, Option<i64>);
        // Two reads of the group's own rows: how many came to each session and when each
        // member last came are kept as registers are saved, not counted from a year of
        // attendance on every view.
        let (members, sessions): (Vec<MemberFactRow>, Vec<SessionFactRow>) = on_db!(self, pool => {
            let members: Vec<MemberFactRow> = sqlx::query_as(
                "SELECT joined_at, left_at, status, route, last_came_at FROM group_members WHERE organisation_id = $1 AND service_id = $2",
            )
            .bind(scope.key()).bind(service.to_string()).fetch_all(pool).await?;
            let sessions: Vec<SessionFactRow> = sqlx::query_as(
                "SELECT on_date, starts_at, status, register_taken_at, came FROM group_sessions \
                 WHERE organisation_id = $1 AND service_id = $2 AND on_date >= $3 AND on_date <= $4 ORDER BY on_date",
            )
            .bind(scope.key()).bind(service.to_string()).bind(from.to_string()).bind(to.to_string()).fetch_all(pool).await?;
            (members, sessions)
        });
        let members = members
            .into_iter()
            .map(|(joined_at, left_at, status, route, last_came_at)| MemberFacts {
                joined_at,
                left_at,
                waiting: status == "waiting" || status == "offered",
                prescribed: route == "prescription",
                last_came_at,
            })
            .collect();
        let sessions = sessions
            .into_iter()
            .map(|(on_date, starts_at, status, taken, came)| {
                Ok(SessionFacts {
                    on_date: stored(on_date.parse())?,
                    starts_at,
                    cancelled: status == "cancelled",
                    came: taken.map(|_| u32::try_from(came.unwrap_or(0)).unwrap_or(u32::MAX)),
                })
            })
            .collect::<Result<_>>()?;
        Ok((members, sessions))
    }

    /// Members of the organisation's groups flagged for missing three sessions in a row,
    /// newest flag first: of `groups` only, when given, and only those whose open case
    /// `worker` holds, when given.
    pub async fn flagged_group_members(
        &self,
        scope: &OrgScope,
        groups: Option<&[ServiceId]>,
        worker: Option<UserId>,
    ) -> Result<Vec<Member>> {
        if groups.is_some_and(<[ServiceId]>::is_empty) {
            return Ok(vec![]);
        }
        let rows: Vec<MemberRow> = on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {MEMBER_COLUMNS} FROM group_members WHERE organisation_id = "));
            qb.push_bind(scope.key()).push(" AND flagged_at IS NOT NULL AND status = 'member'");
            push_groups(&mut qb, groups);
            if let Some(w) = worker {
                qb.push(" AND person_id IN (SELECT person_id FROM referrals WHERE organisation_id = ").push_bind(scope.key())
                    .push(" AND assigned_worker_id = ").push_bind(w.to_string())
                    .push(" AND status IN ('accepted', 'contacting', 'active'))");
            }
            qb.push(" ORDER BY flagged_at DESC, id LIMIT 500");
            qb.build_query_as().fetch_all(pool).await?
        });
        rows.into_iter().map(Member::try_from).collect()
    }
}

/// ` AND service_id IN (…)` when only some groups are asked for.
fn push_groups<DB: crate::dialect::IdList>(qb: &mut sqlx::QueryBuilder<DB>, groups: Option<&[ServiceId]>) {
    if let Some(groups) = groups {
        qb.push(" AND service_id");
        crate::push_in_list(qb, &groups.iter().map(ToString::to_string).collect::<Vec<_>>());
    }
}

async fn attended_in(tx: &mut Tx, scope: &OrgScope, session: GroupSessionId) -> Result<Vec<GroupMemberId>> {
    let ids: Vec<String> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT member_id FROM group_attendance WHERE organisation_id = $1 AND session_id = $2")
            .bind(scope.key()).bind(session.to_string()).fetch_all(&mut *conn).await?
    });
    ids.into_iter().map(|i| stored(i.parse())).collect()
}

/// Every member id the group has had (any status): who may be ticked.
async fn group_member_ids_in(tx: &mut Tx, scope: &OrgScope, service: ServiceId) -> Result<Vec<GroupMemberId>> {
    let ids: Vec<String> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM group_members WHERE organisation_id = $1 AND service_id = $2")
            .bind(scope.key()).bind(service.to_string()).fetch_all(&mut *conn).await?
    });
    ids.into_iter().map(|i| stored(i.parse())).collect()
}

/// Count each member's missed sessions in a row again from the group's latest taken
/// registers (only those since they joined count), clear the flag of anyone who came,
/// and flag — once — anyone who reached three. Returns those newly flagged.
async fn count_missed_in(tx: &mut Tx, scope: &OrgScope, service: ServiceId, now: i64) -> Result<Vec<Member>> {
    let org = scope.key();
    let (taken, members): (Vec<(String, i64)>, Vec<MemberRow>) = on_tx!(tx, conn => {
        let taken: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, ends_at FROM group_sessions WHERE organisation_id = $1 AND service_id = $2 AND register_taken_at IS NOT NULL AND status <> 'cancelled' ORDER BY on_date DESC LIMIT $3",
        )
        .bind(&org).bind(service.to_string()).bind(HISTORY as i64).fetch_all(&mut *conn).await?;
        let members: Vec<MemberRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {MEMBER_COLUMNS} FROM group_members WHERE organisation_id = $1 AND service_id = $2 AND status = 'member'"
        )))
        .bind(&org).bind(service.to_string()).fetch_all(&mut *conn).await?;
        (taken, members)
    });
    let mut came: Vec<(String, String)> = Vec::new();
    if !taken.is_empty() {
        on_tx!(tx, conn => {
            let mut qb = sqlx::QueryBuilder::new("SELECT session_id, member_id FROM group_attendance WHERE organisation_id = ");
            qb.push_bind(org.clone()).push(" AND session_id");
            crate::push_in_list(&mut qb, &taken.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>());
            came = qb.build_query_as().fetch_all(&mut *conn).await?;
        });
    }
    let came: std::collections::HashSet<(String, String)> = came.into_iter().collect();
    let mut flagged = Vec::new();
    for row in members {
        let m = Member::try_from(row)?;
        debug_assert_eq!(m.status, MemberStatus::Member);
        let since = m.joined_at.unwrap_or(m.asked_at);
        let id = m.id.to_string();
        let history: Vec<bool> = taken
            .iter()
            .filter(|(_, ends)| *ends >= since)
            .map(|(s, _)| came.contains(&(s.clone(), id.clone())))
            .collect();
        let missed = i64::from(missed_in_row(&history));
        let flag = missed >= i64::from(MISSED_TO_FLAG);
        let flagged_at = match (flag, m.flagged_at) {
            (true, Some(at)) => Some(at),
            (true, None) => Some(now),
            (false, _) => None,
        };
        if missed == m.missed_in_row && flagged_at == m.flagged_at {
            continue;
        }
        on_tx!(tx, conn => {
            sqlx::query("UPDATE group_members SET missed_in_row = $1, flagged_at = $2, updated_at = $3, version = version + 1 WHERE organisation_id = $4 AND id = $5")
                .bind(missed).bind(flagged_at).bind(now).bind(&org).bind(m.id.to_string()).execute(&mut *conn).await?;
        });
        if flag && m.flagged_at.is_none() {
            flagged.push(Member { missed_in_row: missed, flagged_at, ..m });
        }
    }
    Ok(flagged)
}
