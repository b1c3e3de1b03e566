//! Case notes, versioned: writing one adds version 1; correcting one adds the next version
//! with its reason. Nothing is overwritten.

use jiff::civil::Date;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::ids::{CaseNoteId, ReferralId};
use linkwell_domain::referrals::notes::{NoteInput, NoteKind};

use crate::audit::append_in;
use crate::error::stored;
use crate::{Actor, Db, OrgScope, Result, StoreError, now_ms};

/// One version of a case note.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseNote {
    pub id: CaseNoteId,
    pub version: i64,
    pub referral_id: ReferralId,
    /// The day it is of.
    pub date: Date,
    pub kind: NoteKind,
    pub safeguarding: bool,
    pub text: String,
    pub author_user_id: Option<String>,
    pub recorded_at: i64,
    /// Why this version corrects the one before.
    pub correction_reason: Option<String>,
}

row_struct! {
    /// A `case_notes` row as read.
    struct CaseNoteRow {
        id: String,
        version: i64,
        referral_id: String,
        written_on: String,
        kind: String,
        safeguarding: bool,
        body: String,
        author_user_id: Option<String>,
        recorded_at: i64,
        correction_reason: Option<String>,
    }
}

impl TryFrom<CaseNoteRow> for CaseNote {
    type Error = StoreError;

    fn try_from(r: CaseNoteRow) -> Result<CaseNote> {
        Ok(CaseNote {
            id: stored(r.id.parse())?,
            version: r.version,
            referral_id: stored(r.referral_id.parse())?,
            date: stored(r.written_on.parse())?,
            kind: stored(NoteKind::parse(&r.kind))?,
            safeguarding: r.safeguarding,
            text: r.body,
            author_user_id: r.author_user_id,
            recorded_at: r.recorded_at,
            correction_reason: r.correction_reason,
        })
    }
}

const COLUMNS: &str =
    "id, version, referral_id, written_on, kind, safeguarding, body, author_user_id, recorded_at, correction_reason";

impl Db {
    /// Write a note on a referral of this organisation (another's is `NotFound`).
    pub async fn add_case_note(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        referral: ReferralId,
        note: &NoteInput,
    ) -> Result<CaseNote> {
        let mut tx = self.begin().await?;
        let written = insert_version(&mut tx, scope, actor, referral, CaseNoteId::new(), 1, note, None).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Correct a note whose current version is `expected`, with the reason: a newer
    /// version is a `Conflict`; a note of another referral is `NotFound`.
    #[allow(clippy::too_many_arguments)]
    pub async fn correct_case_note(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        referral: ReferralId,
        id: CaseNoteId,
        expected: i64,
        note: &NoteInput,
        reason: &str,
    ) -> Result<CaseNote> {
        let mut tx = self.begin().await?;
        let current: Option<i64> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT MAX(version) FROM case_notes WHERE organisation_id = $1 AND referral_id = $2 AND id = $3")
                .bind(scope.key()).bind(referral.to_string()).bind(id.to_string())
                .fetch_one(&mut *conn).await?
        });
        match current {
            None => return Err(StoreError::NotFound),
            Some(v) if v != expected => return Err(StoreError::Conflict),
            Some(_) => {}
        }
        let written = insert_version(&mut tx, scope, actor, referral, id, expected + 1, note, Some(reason)).await?;
        tx.commit().await?;
        Ok(written)
    }

    /// Every version of every note on a referral, by note then version.
    pub async fn case_notes(&self, scope: &OrgScope, referral: ReferralId) -> Result<Vec<CaseNote>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM case_notes WHERE organisation_id = $1 AND referral_id = $2 ORDER BY id, version"
        );
        on_db!(self, pool => {
            let rows = sqlx::query_as::<_, CaseNoteRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(referral.to_string()).fetch_all(pool).await?;
            rows.into_iter().map(CaseNote::try_from).collect()
        })
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_version(
    tx: &mut crate::db::Tx,
    scope: &OrgScope,
    actor: &Actor,
    referral: ReferralId,
    id: CaseNoteId,
    version: i64,
    note: &NoteInput,
    reason: Option<&str>,
) -> Result<CaseNote> {
    let now = now_ms();
    on_tx!(tx, conn => {
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM referrals WHERE organisation_id = $1 AND id = $2")
            .bind(scope.key()).bind(referral.to_string()).fetch_optional(&mut *conn).await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        // The next version must not exist yet: the primary key makes a concurrent correction fail.
        sqlx::query(
            "INSERT INTO case_notes (organisation_id, id, version, referral_id, written_on, kind, safeguarding, body, author_user_id, recorded_at, correction_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(scope.key()).bind(id.to_string()).bind(version).bind(referral.to_string()).bind(note.date.to_string())
        .bind(note.kind.code()).bind(note.safeguarding).bind(&note.text).bind(&actor.user_id).bind(now).bind(reason)
        .execute(&mut *conn)
        .await
        .map_err(|e| match StoreError::unique_as("version")(e) {
            StoreError::Duplicate { .. } => StoreError::Conflict,
            other => other,
        })?;
    });
    let detail = format!("referral={referral} version={version}");
    append_in(tx, scope, &actor.event(AuditAction::RecordChanged, "case_note", id, Some(detail)));
    Ok(CaseNote {
        id,
        version,
        referral_id: referral,
        date: note.date,
        kind: note.kind,
        safeguarding: note.safeguarding,
        text: note.text.clone(),
        author_user_id: actor.user_id.clone(),
        recorded_at: now,
        correction_reason: reason.map(str::to_owned),
    })
}
