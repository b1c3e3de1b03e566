//! Finding people: the name index (each person's name tokens, and each token's one-letter
//! deletions — see `linkwell_domain::people::search`) kept in the transaction that adds a
//! person or changes their name, and the lookups by name tokens, NHS number, date of
//! birth and postcode. A lookup may be narrowed to the people with a referral assigned to
//! one worker (a link worker finds only their own).

use jiff::civil::Date;
use linkwell_domain::people::search::{person_tokens, variants};
use linkwell_domain::people::{NhsNumber, Postcode};
use linkwell_domain::{PersonId, UserId};

use crate::db::Tx;
use crate::people::{COLUMNS, Person, PersonRow};
use crate::{Db, OrgScope, Result, push_in_list};

/// What a lookup matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonLookup {
    NhsNumber(NhsNumber),
    DateOfBirth(Date),
    Postcode(Postcode),
    /// For each typed name, the stored tokens it may be: a person matches with one token
    /// from every set.
    NameTokens(Vec<Vec<String>>),
}

/// Write `person`'s name tokens, replacing any earlier ones, and add the variants of any
/// token the organisation did not have.
pub async fn index_name_in(tx: &mut Tx, scope: &OrgScope, person: PersonId, given: &str, family: &str) -> Result<()> {
    let org = scope.key();
    let id = person.to_string();
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM person_names WHERE organisation_id = $1 AND person_id = $2")
            .bind(&org).bind(&id).execute(&mut *conn).await?;
    });
    let mut rows = NameRows::default();
    rows.add(&org, &id, given, family);
    rows.write_in(tx).await
}

/// Index the names of everyone not yet indexed, in `tx` (when the index is created, and
/// after a bulk load): a thousand people at a time in the primary key's order, each
/// thousand's tokens and variants written in a few statements.
pub async fn index_every_name_in(tx: &mut Tx) -> Result<()> {
    let (mut after_org, mut after_id) = (String::new(), String::new());
    loop {
        let batch: Vec<(String, String, String, String)> = on_tx!(tx, conn => {
            sqlx::query_as(
                "SELECT p.organisation_id, p.id, p.given_name, p.family_name FROM people p \
                 WHERE (p.organisation_id, p.id) > ($1, $2) \
                 AND NOT EXISTS (SELECT 1 FROM person_names n WHERE n.organisation_id = p.organisation_id AND n.person_id = p.id) \
                 ORDER BY p.organisation_id, p.id LIMIT 1000",
            )
            .bind(&after_org).bind(&after_id)
            .fetch_all(&mut *conn)
            .await?
        });
        let Some(last) = batch.last() else { return Ok(()) };
        (after_org, after_id) = (last.0.clone(), last.1.clone());
        let mut rows = NameRows::default();
        for (org, id, given, family) in &batch {
            rows.add(org, id, given, family);
        }
        rows.write_in(tx).await?;
        if batch.len() < 1000 {
            return Ok(());
        }
    }
}

/// Name index rows to write: (organisation, token, person) and, each once,
/// (organisation, variant, token).
#[derive(Default)]
struct NameRows {
    tokens: Vec<(String, String, String)>,
    variants: std::collections::BTreeSet<(String, String, String)>,
}

impl NameRows {
    fn add(&mut self, org: &str, person: &str, given: &str, family: &str) {
        for t in person_tokens(given, family) {
            for v in variants(&t) {
                self.variants.insert((org.to_owned(), v, t.clone()));
            }
            self.tokens.push((org.to_owned(), t, person.to_owned()));
        }
    }

    /// Insert the rows, a thousand to a statement; rows already there are left alone.
    async fn write_in(self, tx: &mut Tx) -> Result<()> {
        let variants: Vec<(String, String, String)> = self.variants.into_iter().collect();
        for (table, columns, rows) in [
            ("person_names", "(organisation_id, token, person_id)", &self.tokens),
            ("person_name_variants", "(organisation_id, variant, token)", &variants),
        ] {
            for chunk in rows.chunks(1000) {
                on_tx!(tx, conn => {
                    let mut qb = sqlx::QueryBuilder::new(format!("INSERT INTO {table} {columns} "));
                    qb.push_values(chunk, |mut b, (a, c, d)| { b.push_bind(a).push_bind(c).push_bind(d); });
                    qb.push(" ON CONFLICT DO NOTHING");
                    qb.build().execute(&mut *conn).await?;
                });
            }
        }
        Ok(())
    }
}

/// The most ids [`Db::find_people`] takes from the name index before it reads the people.
const NAMED_AT_MOST: usize = 1000;

/// The ids of the people with a token from every one of `sets` (not empty), each once: one
/// statement per set, intersected, read from the name index alone.
fn push_named<DB: crate::dialect::IdList>(qb: &mut sqlx::QueryBuilder<DB>, scope: &OrgScope, sets: &[Vec<String>])
where
    String: for<'t> sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    for (i, set) in sets.iter().enumerate() {
        if i > 0 {
            qb.push(" INTERSECT ");
        }
        // INTERSECT keeps each id once; a set of its own needs DISTINCT for that.
        qb.push(if sets.len() == 1 { "SELECT DISTINCT" } else { "SELECT" });
        qb.push(" person_id FROM person_names WHERE organisation_id = ").push_bind(scope.key()).push(" AND token");
        push_in_list(qb, set);
    }
}

impl Db {
    /// The stored tokens that share a variant with one of `variants`, each once.
    pub async fn name_tokens_by_variant(&self, scope: &OrgScope, variants: &[String]) -> Result<Vec<String>> {
        if variants.is_empty() {
            return Ok(vec![]);
        }
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("SELECT DISTINCT token FROM person_name_variants WHERE organisation_id = ");
            qb.push_bind(scope.key()).push(" AND variant");
            push_in_list(&mut qb, variants);
            qb.push(" LIMIT 1000");
            Ok(qb.build_query_scalar::<String>().fetch_all(pool).await?)
        })
    }

    /// Up to `limit` stored tokens that begin with `prefix` (lower-case letters), in order.
    pub async fn name_tokens_with_prefix(&self, scope: &OrgScope, prefix: &str, limit: usize) -> Result<Vec<String>> {
        // Tokens are lower-case ASCII letters, so the prefix's range ends before "{prefix}{".
        let end = format!("{prefix}{{");
        on_db!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT DISTINCT token FROM person_names WHERE organisation_id = $1 AND token >= $2 AND token < $3 ORDER BY token LIMIT $4",
            )
            .bind(scope.key()).bind(prefix).bind(&end).bind(limit as i64)
            .fetch_all(pool).await?)
        })
    }

    /// Up to `limit` current (not merged) people a lookup matches, by family then given
    /// name; with `worker`, only people with a referral assigned to them.
    pub async fn find_people(
        &self,
        scope: &OrgScope,
        lookup: &PersonLookup,
        worker: Option<UserId>,
        limit: usize,
    ) -> Result<Vec<Person>> {
        // A name's people are found in two steps: the ids every typed name's tokens share,
        // read from the name index alone, then those people by primary key. In one
        // statement, a planner guesses how many share them from the average token: for a
        // given name one typo away and a family name among 250,000 people (22 found), SQLite
        // read the person of every id of the commoner name (3,623) and PostgreSQL the
        // whole table; in two, 8 → 2 ms and 63 → 3 ms. Only a name shared by more than
        // `NAMED_AT_MOST` is asked in one statement.
        let named = match lookup {
            PersonLookup::NameTokens(sets) if sets.is_empty() || sets.iter().any(Vec::is_empty) => return Ok(vec![]),
            PersonLookup::NameTokens(sets) => {
                Some(self.people_named(scope, sets, NAMED_AT_MOST + 1).await?).filter(|ids| ids.len() <= NAMED_AT_MOST)
            }
            _ => None,
        };
        if named.as_ref().is_some_and(Vec::is_empty) {
            return Ok(vec![]);
        }
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {COLUMNS} FROM people WHERE organisation_id = "));
            qb.push_bind(scope.key()).push(" AND merged_into IS NULL");
            match (lookup, &named) {
                (_, Some(ids)) => { qb.push(" AND id"); push_in_list(&mut qb, ids); }
                (PersonLookup::NhsNumber(n), None) => { qb.push(" AND nhs_number = ").push_bind(n.digits()); }
                (PersonLookup::DateOfBirth(d), None) => { qb.push(" AND date_of_birth = ").push_bind(d.to_string()); }
                (PersonLookup::Postcode(p), None) => { qb.push(" AND postcode = ").push_bind(p.to_string()); }
                (PersonLookup::NameTokens(sets), None) => {
                    qb.push(" AND id IN (");
                    push_named(&mut qb, scope, sets);
                    qb.push(")");
                }
            }
            if let Some(w) = worker {
                qb.push(" AND id IN (SELECT person_id FROM referrals WHERE organisation_id = ").push_bind(scope.key())
                    .push(" AND assigned_worker_id = ").push_bind(w.to_string()).push(")");
            }
            qb.push(" ORDER BY family_name, given_name, id LIMIT ").push_bind(limit as i64);
            let rows = qb.build_query_as::<PersonRow>().fetch_all(pool).await?;
            rows.into_iter().map(Person::try_from).collect()
        })
    }

    /// Up to `limit` ids of people (merged or not) with a token from every one of `sets`.
    async fn people_named(&self, scope: &OrgScope, sets: &[Vec<String>], limit: usize) -> Result<Vec<String>> {
        on_db!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("");
            push_named(&mut qb, scope, sets);
            qb.push(" LIMIT ").push_bind(limit as i64);
            Ok(qb.build_query_scalar::<String>().fetch_all(pool).await?)
        })
    }

    /// Index the names of everyone not yet indexed (after a bulk load that wrote people
    /// directly, as the benchmark does).
    pub async fn index_every_name(&self) -> Result<()> {
        let mut tx = self.begin().await?;
        index_every_name_in(&mut tx).await?;
        tx.commit().await
    }
}
