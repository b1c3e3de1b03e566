//! People: create, find by NHS number, find possible duplicates, merge.

use jiff::civil::Date;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::people::{ContactChannel, EthnicCategory, NhsNumber, PersonInput, Sex, possibly_same};
use linkwell_domain::{PersonId, PracticeId};

use crate::audit::append_in;
use crate::error::stored;
use crate::versioned::expect_version;
use crate::{Actor, Db, OrgScope, Result, StoreError, Tx, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Person {
    pub id: PersonId,
    /// Ten digits, as stored.
    pub nhs_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Date,
    pub sex: Sex,
    pub gender_identity: Option<String>,
    pub ethnic_category: Option<EthnicCategory>,
    pub postcode: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub preferred_channel: ContactChannel,
    pub access_needs: String,
    pub practice_id: Option<PracticeId>,
    pub consent_contact: bool,
    pub consent_share: bool,
    pub consent_share_practice: bool,
    pub consent_feedback: bool,
    pub consents_recorded_at: i64,
    pub consents_recorded_by: Option<String>,
    pub merged_into: Option<PersonId>,
    /// An NHS number a referrer or the person gave that belongs to another record whose
    /// details differ: not trusted as this person's until a coordinator merges or corrects.
    pub unconfirmed_nhs_number: Option<String>,
    /// When they are free, for matching them to groups (`tu-morning`, …).
    pub free_times: Vec<linkwell_domain::directory::WeekSlot>,
    /// What the link worker recorded that some listings are only for (new parent, carer,
    /// bereaved, veteran): suggestions leave out listings for people they are not.
    pub circumstances: std::collections::BTreeSet<linkwell_domain::directory::Audience>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

pub(crate) const COLUMNS: &str = "id, nhs_number, given_name, family_name, date_of_birth, sex, gender_identity, ethnic_category, postcode, address, phone, email, preferred_channel, access_needs, practice_id, consent_contact, consent_share, consent_share_practice, consent_feedback, consents_recorded_at, consents_recorded_by, merged_into, unconfirmed_nhs_number, free_times, circumstances, created_at, updated_at, version";

/// Bind a person's fields, in the order both INSERT and UPDATE list them: nhs_number,
/// given_name, family_name, date_of_birth, sex, gender_identity, ethnic_category,
/// postcode, address, phone, email, preferred_channel, access_needs, practice_id.
macro_rules! bind_person {
    ($q:expr, $p:expr) => {{
        let p: &PersonInput = $p;
        $q.bind(p.nhs_number.map(|n| n.digits()))
            .bind(&p.given_name)
            .bind(&p.family_name)
            .bind(p.date_of_birth.to_string())
            .bind(p.sex.code())
            .bind(&p.gender_identity)
            .bind(p.ethnic_category.map(|e| e.code()))
            .bind(p.postcode.as_ref().map(|c| c.as_str()))
            .bind(&p.address)
            .bind(&p.phone)
            .bind(p.email.as_ref().map(|e| e.as_str()))
            .bind(p.preferred_channel.code())
            .bind(&p.access_needs)
            .bind(p.practice_id.map(|p| p.to_string()))
    }};
}

row_struct! {
    /// A `people` row as read (the columns of `COLUMNS`).
    pub(crate) struct PersonRow {
        id: String,
        nhs_number: Option<String>,
        given_name: String,
        family_name: String,
        date_of_birth: String,
        sex: String,
        gender_identity: Option<String>,
        ethnic_category: Option<String>,
        postcode: Option<String>,
        address: String,
        phone: Option<String>,
        email: Option<String>,
        preferred_channel: String,
        access_needs: String,
        practice_id: Option<String>,
        consent_contact: bool,
        consent_share: bool,
        consent_share_practice: bool,
        consent_feedback: bool,
        consents_recorded_at: i64,
        consents_recorded_by: Option<String>,
        merged_into: Option<String>,
        unconfirmed_nhs_number: Option<String>,
        free_times: String,
        circumstances: String,
        created_at: i64,
        updated_at: i64,
        version: i64,
    }
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;

    fn try_from(r: PersonRow) -> Result<Person> {
        Ok(Person {
            id: stored(r.id.parse())?,
            nhs_number: r.nhs_number,
            given_name: r.given_name,
            family_name: r.family_name,
            date_of_birth: stored(r.date_of_birth.parse())?,
            sex: stored(Sex::parse(&r.sex))?,
            gender_identity: r.gender_identity,
            ethnic_category: r.ethnic_category.map(|c| stored(EthnicCategory::parse(&c))).transpose()?,
            postcode: r.postcode,
            address: r.address,
            phone: r.phone,
            email: r.email,
            preferred_channel: stored(ContactChannel::parse(&r.preferred_channel))?,
            access_needs: r.access_needs,
            practice_id: r.practice_id.map(|s| stored(s.parse())).transpose()?,
            consent_contact: r.consent_contact,
            consent_share: r.consent_share,
            consent_share_practice: r.consent_share_practice,
            consent_feedback: r.consent_feedback,
            consents_recorded_at: r.consents_recorded_at,
            consents_recorded_by: r.consents_recorded_by,
            merged_into: r.merged_into.map(|s| stored(s.parse())).transpose()?,
            unconfirmed_nhs_number: r.unconfirmed_nhs_number,
            free_times: r.free_times.split(',').filter_map(linkwell_domain::directory::WeekSlot::parse).collect(),
            circumstances: r
                .circumstances
                .split(',')
                .filter_map(|c| linkwell_domain::directory::Audience::parse(c).ok())
                .collect(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Db {
    /// Add a person. The same NHS number twice in one organisation is a `Duplicate`: look
    /// the person up instead (`person_by_nhs_number`).
    pub async fn create_person(&self, scope: &OrgScope, actor: &Actor, p: &PersonInput) -> Result<Person> {
        let mut tx = self.begin().await?;
        let id = create_person_in(&mut tx, scope, actor, p, NhsNumberAs::Confirmed).await?;
        tx.commit().await?;
        self.person(scope, id).await
    }

    pub async fn person(&self, scope: &OrgScope, id: PersonId) -> Result<Person> {
        let sql = format!("SELECT {COLUMNS} FROM people WHERE organisation_id = $1 AND id = $2");
        on_db!(self, pool => {
            let r = sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(id.to_string()).fetch_optional(pool).await?.ok_or(StoreError::NotFound)?;
            r.try_into()
        })
    }

    /// The person with this NHS number, following merges to the record that was kept.
    pub async fn person_by_nhs_number(&self, scope: &OrgScope, nhs: &NhsNumber) -> Result<Option<Person>> {
        let sql = format!("SELECT {COLUMNS} FROM people WHERE organisation_id = $1 AND nhs_number = $2");
        let found: Option<Person> = on_db!(self, pool => {
            sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(nhs.digits()).fetch_optional(pool).await?.map(Person::try_from).transpose()?
        });
        match found {
            Some(p) => match p.merged_into {
                Some(kept) => self.person(scope, kept).await.map(Some),
                None => Ok(Some(p)),
            },
            None => Ok(None),
        }
    }

    /// The record that holds the NHS number this person's referral gave but could not be
    /// trusted with (`unconfirmed_nhs_number`), for the coordinator to merge at triage.
    pub async fn nhs_number_match_of(&self, scope: &OrgScope, p: &Person) -> Result<Option<Person>> {
        let Some(claimed) = p.unconfirmed_nhs_number.as_deref() else {
            return Ok(None);
        };
        let Ok(nhs) = NhsNumber::parse(claimed, true) else {
            return Ok(None);
        };
        Ok(self.person_by_nhs_number(scope, &nhs).await?.filter(|m| m.id != p.id))
    }

    /// People who might be the one described, to show before creating a new record: the
    /// same date of birth and a similar name or the same postcode (see
    /// `linkwell_domain::people::possibly_same`). Merged records are left out.
    pub async fn possible_duplicates(&self, scope: &OrgScope, p: &PersonInput) -> Result<Vec<Person>> {
        let postcode = p.postcode.as_ref().map(|c| c.as_str());
        self.possibly_same_as(scope, (&p.given_name, &p.family_name, p.date_of_birth, postcode)).await
    }

    /// Other records that might be the same as a stored person (for triage to merge).
    pub async fn possible_duplicates_of(&self, scope: &OrgScope, p: &Person) -> Result<Vec<Person>> {
        let wanted = (p.given_name.as_str(), p.family_name.as_str(), p.date_of_birth, p.postcode.as_deref());
        Ok(self.possibly_same_as(scope, wanted).await?.into_iter().filter(|c| c.id != p.id).collect())
    }

    async fn possibly_same_as(
        &self,
        scope: &OrgScope,
        wanted: (&str, &str, Date, Option<&str>),
    ) -> Result<Vec<Person>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM people WHERE organisation_id = $1 AND date_of_birth = $2 AND merged_into IS NULL ORDER BY id LIMIT 200"
        );
        let same_day: Vec<Person> = on_db!(self, pool => {
            let rows = sqlx::query_as::<_, PersonRow>(sqlx::AssertSqlSafe(sql)).bind(scope.key()).bind(wanted.2.to_string()).fetch_all(pool).await?;
            rows.into_iter().map(Person::try_from).collect::<Result<Vec<_>>>()
        })?;
        Ok(same_day
            .into_iter()
            .filter(|c| possibly_same(wanted, (&c.given_name, &c.family_name, c.date_of_birth, c.postcode.as_deref())))
            .collect())
    }

    /// Change a person's details if the record is still at `expected`. When the consents
    /// change, when and by whom they were recorded changes with them.
    pub async fn update_person(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: PersonId,
        expected: linkwell_domain::Version,
        p: &PersonInput,
    ) -> Result<Person> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            let q = sqlx::query(
                "UPDATE people SET nhs_number = $1, given_name = $2, family_name = $3, date_of_birth = $4, sex = $5, gender_identity = $6, ethnic_category = $7, \
                 postcode = $8, address = $9, phone = $10, email = $11, preferred_channel = $12, access_needs = $13, practice_id = $14, \
                 consents_recorded_at = CASE WHEN consent_contact <> $15 OR consent_share <> $16 OR consent_feedback <> $17 OR consent_share_practice <> $23 THEN $18 ELSE consents_recorded_at END, \
                 consents_recorded_by = CASE WHEN consent_contact <> $15 OR consent_share <> $16 OR consent_feedback <> $17 OR consent_share_practice <> $23 THEN $19 ELSE consents_recorded_by END, \
                 consent_contact = $15, consent_share = $16, consent_feedback = $17, consent_share_practice = $23, updated_at = $18, version = version + 1 \
                 WHERE organisation_id = $20 AND id = $21 AND version = $22 AND merged_into IS NULL",
            );
            bind_person!(q, p)
            .bind(p.consent_contact)
            .bind(p.consent_share)
            .bind(p.consent_feedback)
            .bind(now)
            .bind(&actor.user_id)
            .bind(scope.key())
            .bind(id.to_string())
            .bind(expected.0)
            .bind(p.consent_share_practice)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::unique_as("nhs_number"))?
            .rows_affected()
        });
        expect_version(&mut tx, "people", scope, id, n).await?;
        crate::people_search::index_name_in(&mut tx, scope, id, &p.given_name, &p.family_name).await?;
        append_in(&mut tx, scope, &actor.event(AuditAction::RecordChanged, "person", id, Some("details".into())));
        tx.commit().await?;
        self.person(scope, id).await
    }

    /// Record when the person is free and, if given, their circumstances (each replacing
    /// what was recorded), if the record is still at `expected`.
    pub async fn set_free_times_and_circumstances(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        id: PersonId,
        expected: linkwell_domain::Version,
        slots: &std::collections::BTreeSet<linkwell_domain::directory::WeekSlot>,
        circumstances: Option<&std::collections::BTreeSet<linkwell_domain::directory::Audience>>,
    ) -> Result<Person> {
        let text = slots.iter().map(|s| s.code()).collect::<Vec<_>>().join(",");
        let circumstances = circumstances.map(|c| c.iter().map(|a| a.code()).collect::<Vec<_>>().join(","));
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE people SET free_times = $1, circumstances = COALESCE($6, circumstances), updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4 AND version = $5 AND merged_into IS NULL")
                .bind(&text).bind(now_ms()).bind(scope.key()).bind(id.to_string()).bind(expected.0).bind(&circumstances)
                .execute(&mut *conn).await?.rows_affected()
        });
        expect_version(&mut tx, "people", scope, id, n).await?;
        let detail = if circumstances.is_some() { "free_times,circumstances" } else { "free_times" };
        append_in(&mut tx, scope, &actor.event(AuditAction::RecordChanged, "person", id, Some(detail.into())));
        tx.commit().await?;
        self.person(scope, id).await
    }

    /// Merge `duplicate` into `keep`: the duplicate is kept, marked as merged, and every
    /// lookup of it leads to `keep`. Both must be current (not already merged), and the
    /// duplicate must still be at `expected`.
    pub async fn merge_people(
        &self,
        scope: &OrgScope,
        actor: &Actor,
        keep: PersonId,
        duplicate: PersonId,
        expected: linkwell_domain::Version,
    ) -> Result<Person> {
        if keep == duplicate {
            return Err(StoreError::Conflict);
        }
        let mut tx = self.begin().await?;
        // Lock both records, lower id first, before reading either (a row lock on
        // PostgreSQL; SQLite's write transaction is already exclusive): concurrent merges
        // A→B and B→A then run one after the other, and the second finds its kept record
        // merged — never a cycle, never a deadlock.
        let (first, second) =
            if keep.to_string() < duplicate.to_string() { (keep, duplicate) } else { (duplicate, keep) };
        let (kept_current, n) = on_tx!(&mut tx, conn => {
            for id in [first, second] {
                sqlx::query("UPDATE people SET version = version WHERE organisation_id = $1 AND id = $2")
                    .bind(scope.key()).bind(id.to_string()).execute(&mut *conn).await?;
            }
            let kept_current: Option<bool> = sqlx::query_scalar("SELECT merged_into IS NULL FROM people WHERE organisation_id = $1 AND id = $2")
                .bind(scope.key()).bind(keep.to_string()).fetch_optional(&mut *conn).await?;
            let n = match kept_current {
                Some(true) => sqlx::query("UPDATE people SET merged_into = $1, updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND id = $4 AND version = $5 AND merged_into IS NULL")
                    .bind(keep.to_string()).bind(now_ms()).bind(scope.key()).bind(duplicate.to_string()).bind(expected.0)
                    .execute(&mut *conn).await?.rows_affected(),
                _ => 0,
            };
            (kept_current, n)
        });
        match kept_current {
            None => return Err(StoreError::NotFound),
            Some(false) => return Err(StoreError::Conflict),
            Some(true) => {}
        }
        expect_version(&mut tx, "people", scope, duplicate, n).await?;
        // The duplicate's referrals now belong to the kept record, so caseloads count the
        // person once; the duplicate record itself stays, marked as merged.
        // Not expect_version: this moves all the person's referrals, of which there may be none.
        let moved = on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE referrals SET person_id = $1, updated_at = $2, version = version + 1 WHERE organisation_id = $3 AND person_id = $4")
                .bind(keep.to_string()).bind(now_ms()).bind(scope.key()).bind(duplicate.to_string())
                .execute(&mut *conn).await?.rows_affected()
        });
        append_in(
            &mut tx,
            scope,
            &actor.event(
                AuditAction::PeopleMerged,
                "person",
                duplicate,
                Some(format!("into={keep} referrals_moved={moved}")),
            ),
        );
        tx.commit().await?;
        self.person(scope, keep).await
    }
}

/// Whether a new record's NHS number is known to be the person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NhsNumberAs {
    /// The record holds the number (unique in the organisation).
    Confirmed,
    /// A referral gave a number that another record with other details holds: it is kept
    /// as unconfirmed (see `Person::unconfirmed_nhs_number`), and the coordinator sees the
    /// match at triage.
    Unconfirmed,
}

/// Add a person inside the caller's transaction, audited there. The same NHS number twice
/// in one organisation is a `Duplicate`: look the person up instead (`person_by_nhs_number`).
pub async fn create_person_in(
    tx: &mut Tx,
    scope: &OrgScope,
    actor: &Actor,
    p: &PersonInput,
    nhs: NhsNumberAs,
) -> Result<PersonId> {
    let (p, unconfirmed) = match nhs {
        NhsNumberAs::Confirmed => (std::borrow::Cow::Borrowed(p), None),
        NhsNumberAs::Unconfirmed => {
            (std::borrow::Cow::Owned(PersonInput { nhs_number: None, ..p.clone() }), p.nhs_number)
        }
    };
    let id = PersonId::new();
    let now = now_ms();
    on_tx!(tx, conn => {
        let q = sqlx::query(
            "INSERT INTO people (organisation_id, id, nhs_number, given_name, family_name, date_of_birth, sex, gender_identity, ethnic_category, postcode, address, phone, email, preferred_channel, access_needs, practice_id, consent_contact, consent_share, consent_feedback, consents_recorded_at, consents_recorded_by, unconfirmed_nhs_number, created_at, updated_at, version, consent_share_practice) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $20, $20, 1, $23)",
        )
        .bind(scope.key())
        .bind(id.to_string());
        bind_person!(q, &*p)
        .bind(p.consent_contact)
        .bind(p.consent_share)
        .bind(p.consent_feedback)
        .bind(now)
        .bind(&actor.user_id)
        .bind(unconfirmed.map(|n| n.digits()))
        .bind(p.consent_share_practice)
        .execute(&mut *conn)
        .await
        .map_err(StoreError::unique_as("nhs_number"))?;
    });
    crate::people_search::index_name_in(tx, scope, id, &p.given_name, &p.family_name).await?;
    append_in(tx, scope, &actor.event(AuditAction::PersonCreated, "person", id, None));
    Ok(id)
}
