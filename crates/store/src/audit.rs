//! The audit trail's storage: append under the chain head's lock, browse, verify.

use linkwell_domain::audit::{AuditEntry, AuditEvent, ChainBreak, ChainVerifier, chain_hash};

use crate::{Db, OrgScope, Page, Result, StoreError, Tx, now_ms};

/// Filters for browsing the trail; all optional and ANDed.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub actor_user_id: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

/// The result of verifying one organisation's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    Intact {
        entries: i64,
    },
    Broken(ChainBreak),
    /// Entries after the recorded head were removed.
    Truncated {
        entries: i64,
        head_seq: i64,
    },
}

row_struct! {
    /// An `audit_log` row as read. Every column is as the entry holds it: nothing to parse.
    struct AuditEntryRow {
        seq: i64,
        at: i64,
        actor_user_id: Option<String>,
        action: String,
        entity_type: String,
        entity_id: Option<String>,
        request_id: Option<String>,
        detail: Option<String>,
        prev_hash: String,
        hash: String,
    }
}

impl From<AuditEntryRow> for AuditEntry {
    fn from(r: AuditEntryRow) -> AuditEntry {
        AuditEntry {
            seq: r.seq,
            at_ms: r.at,
            actor_user_id: r.actor_user_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            request_id: r.request_id,
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

impl Db {
    /// Append an event in a transaction of its own.
    pub async fn audit(&self, scope: &OrgScope, event: &AuditEvent) -> Result<AuditEntry> {
        let mut tx = self.begin().await?;
        append_in(&mut tx, scope, event);
        tx.commit_audited().await?.pop().ok_or(StoreError::NotFound)
    }

    /// Entries newest first, `limit` at a time before the `before` cursor (a sequence number).
    ///
    /// Only the filters given become predicates: a catch-all `($n IS NULL OR col = $n)`
    /// form makes PostgreSQL's generic plan scan the whole table.
    pub async fn audit_page(
        &self,
        scope: &OrgScope,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Page<AuditEntry>> {
        let rows: Vec<AuditEntry> = on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT seq, at, actor_user_id, action, entity_type, entity_id, request_id, detail, prev_hash, hash FROM audit_log WHERE organisation_id = ",
            );
            qb.push_bind(scope.key());
            if let Some(b) = before {
                qb.push(" AND seq < ").push_bind(b);
            }
            for (column, value) in [
                ("action", &filter.action),
                ("actor_user_id", &filter.actor_user_id),
                ("entity_type", &filter.entity_type),
                ("entity_id", &filter.entity_id),
            ] {
                if let Some(v) = value {
                    qb.push(" AND ").push(column).push(" = ").push_bind(v.clone());
                }
            }
            if let Some(from) = filter.from_ms {
                qb.push(" AND at >= ").push_bind(from);
            }
            if let Some(to) = filter.to_ms {
                qb.push(" AND at <= ").push_bind(to);
            }
            qb.push(" ORDER BY seq DESC LIMIT ").push_bind((limit + 1) as i64);
            let rows = qb.build_query_as::<AuditEntryRow>().fetch_all(pool).await?;
            rows.into_iter().map(AuditEntry::from).collect::<Vec<_>>()
        });
        Ok(Page::from_overfetch(rows, limit, |e| e.seq.to_string()))
    }

    /// Walk the organisation's chain from the start, 1,000 entries at a time.
    pub async fn verify_audit_chain(&self, scope: &OrgScope) -> Result<ChainReport> {
        let org = scope.key();
        let mut verifier = ChainVerifier::new(&org);
        let mut after = 0i64;
        loop {
            let batch: Vec<AuditEntry> = on_db!(self, pool => {
                let rows = sqlx::query_as::<_, AuditEntryRow>("SELECT seq, at, actor_user_id, action, entity_type, entity_id, request_id, detail, prev_hash, hash FROM audit_log WHERE organisation_id = $1 AND seq > $2 ORDER BY seq LIMIT 1000")
                    .bind(&org).bind(after).fetch_all(pool).await?;
                rows.into_iter().map(AuditEntry::from).collect::<Vec<_>>()
            });
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for e in &batch {
                if let Err(b) = verifier.feed(e) {
                    return Ok(ChainReport::Broken(b));
                }
            }
        }
        let (head_seq, head_hash): (i64, String) = on_db!(self, pool => {
            sqlx::query_as("SELECT seq, hash FROM audit_heads WHERE organisation_id = $1").bind(&org).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?
        });
        if head_seq != verifier.verified() || head_hash != verifier.head() {
            return Ok(ChainReport::Truncated { entries: verifier.verified(), head_seq });
        }
        Ok(ChainReport::Intact { entries: verifier.verified() })
    }
}

impl Db {
    /// The organisation's chain head now: its sequence number and hash.
    pub async fn audit_head(&self, scope: &OrgScope) -> Result<(i64, String)> {
        on_db!(self, pool => {
            Ok(sqlx::query_as("SELECT seq, hash FROM audit_heads WHERE organisation_id = $1").bind(scope.key()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?)
        })
    }

    /// The hash of the entry at `seq`, if there is one.
    pub async fn audit_hash_at(&self, scope: &OrgScope, seq: i64) -> Result<Option<String>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT hash FROM audit_log WHERE organisation_id = $1 AND seq = $2")
                .bind(scope.key()).bind(seq).fetch_optional(pool).await?
        }))
    }
}

/// Record an event inside the caller's transaction, so a change and its audit entry
/// commit together: the entry is written when the transaction commits (`flush`), or not
/// at all if it does not.
pub fn append_in(tx: &mut Tx, scope: &OrgScope, event: &AuditEvent) {
    tx.audit.push((scope.key(), event.clone()));
}

/// Turns at an organisation's chain head, for PostgreSQL, one per shard of organisations.
///
/// PostgreSQL's row lock on the head is not a fair queue: when its holder commits, a
/// transaction arriving just then can update the new row version before those already
/// waiting wake, so under load some waited through dozens of commits (intake's p99 was
/// 4× its p50 at concurrency 8). Waiting for a turn here first, in order (tokio's mutex
/// is first come, first served), makes this process's appends queue fairly; the row lock
/// still serialises appends across processes. SQLite's one writer is in order already.
static HEAD_TURNS: [tokio::sync::Mutex<()>; 64] = [const { tokio::sync::Mutex::const_new(()) }; 64];

/// Take the turns the entries recorded in `tx` need, in a fixed order (so two
/// transactions that each append for two organisations cannot wait for each other),
/// before `flush`; they are held until the transaction has committed.
pub(crate) async fn turns(tx: &Tx) -> Vec<tokio::sync::MutexGuard<'static, ()>> {
    use std::hash::{Hash, Hasher};
    if !matches!(tx.conn, crate::db::TxConn::Postgres(_)) {
        return vec![];
    }
    let mut shards: Vec<usize> = tx
        .audit
        .iter()
        .map(|(org, _)| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            org.hash(&mut h);
            (h.finish() % HEAD_TURNS.len() as u64) as usize
        })
        .collect();
    shards.sort_unstable();
    shards.dedup();
    let mut held = Vec::with_capacity(shards.len());
    for shard in shards {
        held.push(HEAD_TURNS[shard].lock().await);
    }
    held
}

/// Write the events recorded in `tx`, in order, each organisation's run of them under its
/// chain head's lock: bumping the head row by the run's length takes that lock (a row
/// lock on PostgreSQL; SQLite's one writer holds it already), which serialises appends
/// per organisation until the commit that follows.
pub(crate) async fn flush(tx: &mut Tx) -> Result<Vec<AuditEntry>> {
    let pending = std::mem::take(&mut tx.audit);
    let mut written = Vec::with_capacity(pending.len());
    for run in pending.chunk_by(|a, b| a.0 == b.0) {
        let org = &run[0].0;
        // A transaction's handful of entries.
        let n = run.len() as i64;
        let (last, mut prev_hash): (i64, String) = on_tx!(tx, conn => {
            sqlx::query_as("UPDATE audit_heads SET seq = seq + $1 WHERE organisation_id = $2 RETURNING seq, hash")
                .bind(n)
                .bind(org)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::NotFound)?
        });
        let at = now_ms();
        let entries: Vec<AuditEntry> = run
            .iter()
            .zip(last - n + 1..)
            .map(|((_, event), seq)| {
                let hash = chain_hash(
                    org,
                    &prev_hash,
                    seq,
                    at,
                    event.actor_user_id.as_deref(),
                    event.action.as_str(),
                    &event.entity_type,
                    event.entity_id.as_deref(),
                    event.request_id.as_deref(),
                    event.detail.as_deref(),
                );
                AuditEntry {
                    seq,
                    at_ms: at,
                    actor_user_id: event.actor_user_id.clone(),
                    action: event.action.as_str().to_owned(),
                    entity_type: event.entity_type.clone(),
                    entity_id: event.entity_id.clone(),
                    request_id: event.request_id.clone(),
                    detail: event.detail.clone(),
                    prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
                    hash,
                }
            })
            .collect();
        on_tx!(tx, conn => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO audit_log (organisation_id, seq, at, actor_user_id, action, entity_type, entity_id, request_id, detail, prev_hash, hash) ",
            );
            qb.push_values(&entries, |mut b, e| {
                b.push_bind(org).push_bind(e.seq).push_bind(e.at_ms)
                    .push_bind(e.actor_user_id.as_deref()).push_bind(e.action.as_str()).push_bind(e.entity_type.as_str())
                    .push_bind(e.entity_id.as_deref()).push_bind(e.request_id.as_deref()).push_bind(e.detail.as_deref())
                    .push_bind(e.prev_hash.as_str()).push_bind(e.hash.as_str());
            });
            qb.build().execute(&mut *conn).await?;
            sqlx::query("UPDATE audit_heads SET hash = $1 WHERE organisation_id = $2")
                .bind(&prev_hash).bind(org).execute(&mut *conn).await?;
        });
        written.extend(entries);
    }
    Ok(written)
}
