//! Finding a person by name (a typo forgiven), NHS number, date of birth or postcode.
//! A coordinator finds anyone in the organisation; a link worker only the people with a
//! referral assigned to them — what they may open. Every search is audited with how it
//! searched and the records it showed (ids only, never the text typed).
//!
//! Names are matched token by token: first exactly (the last token typed may be the start
//! of a name, "marg" for Margaret); only when that finds fewer than a page are tokens one
//! typo away tried as well. People are listed closest first — the same names, then names
//! begun, then a typo away —, then by family and given name.

use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::authz::sees_case;
use linkwell_domain::people::search::{PersonQuery, distance, person_tokens, variants};
use linkwell_store::people::Person;
use linkwell_store::people_search::PersonLookup;
use linkwell_store::{Db, OrgScope, StoreError};

use super::CaseError;
use crate::Caller;

/// The most people a search lists.
pub const RESULTS: usize = 50;
/// The most stored names one typed name may stand for (its start, or one typo away).
const TOKENS_PER_NAME: usize = 200;

/// What a search found.
pub struct Found {
    /// How it searched: `name`, `nhs_number`, `date_of_birth` or `postcode`.
    pub kind: &'static str,
    /// Closest first, at most [`RESULTS`].
    pub people: Vec<Person>,
    /// More people match than are listed: a longer name or a date of birth narrows it.
    pub more: bool,
}

/// Search for the people the caller may see; text that cannot be searched for is an
/// error on the field `field`.
pub async fn find_people(db: &Db, caller: &Caller, text: &str, field: &str) -> Result<Found, CaseError> {
    let query = PersonQuery::parse(text, caller.organisation.test_mode)
        .map_err(|e| CaseError::Invalid(ValidationErrors::single(field, e.to_string())))?;
    let scope = caller.scope();
    // A link worker sees only their own cases, so finds only the people on them.
    let worker = (!sees_case(caller.user.role, false)).then_some(caller.user.id);
    let (people, more) = match &query {
        PersonQuery::Name(typed) => by_name(db, &scope, typed, worker).await?,
        PersonQuery::NhsNumber(n) => exactly(db, &scope, PersonLookup::NhsNumber(*n), worker).await?,
        PersonQuery::DateOfBirth(d) => exactly(db, &scope, PersonLookup::DateOfBirth(*d), worker).await?,
        PersonQuery::Postcode(p) => exactly(db, &scope, PersonLookup::Postcode(p.clone()), worker).await?,
    };
    let shown: Vec<String> = people.iter().map(|p| p.id.to_string()).collect();
    let detail =
        format!("by={} found={}{} shown={}", query.kind(), people.len(), if more { "+" } else { "" }, shown.join(","));
    db.audit(&scope, &caller.actor().event(AuditAction::PeopleSearched, "people", query.kind(), Some(detail))).await?;
    Ok(Found { kind: query.kind(), people, more })
}

async fn exactly(
    db: &Db,
    scope: &OrgScope,
    lookup: PersonLookup,
    worker: Option<linkwell_domain::UserId>,
) -> Result<(Vec<Person>, bool), StoreError> {
    let mut people = db.find_people(scope, &lookup, worker, RESULTS + 1).await?;
    let more = people.len() > RESULTS;
    people.truncate(RESULTS);
    Ok((people, more))
}

async fn by_name(
    db: &Db,
    scope: &OrgScope,
    typed: &[String],
    worker: Option<linkwell_domain::UserId>,
) -> Result<(Vec<Person>, bool), StoreError> {
    let last = typed.len() - 1;
    // Exactly, the last name typed perhaps only begun.
    let mut exact = Vec::with_capacity(typed.len());
    for (i, t) in typed.iter().enumerate() {
        let mut set = vec![t.clone()];
        if i == last && t.len() >= 2 {
            set.extend(db.name_tokens_with_prefix(scope, t, TOKENS_PER_NAME).await?);
            set.sort();
            set.dedup();
        }
        exact.push(set);
    }
    let mut people = db.find_people(scope, &PersonLookup::NameTokens(exact.clone()), worker, RESULTS + 1).await?;
    if people.len() <= RESULTS {
        // One typo away too.
        let mut fuzzy = exact;
        for (set, t) in fuzzy.iter_mut().zip(typed) {
            let near = db.name_tokens_by_variant(scope, &variants(t)).await?;
            set.extend(near.into_iter().filter(|stored| distance(t, stored).is_some()).take(TOKENS_PER_NAME));
            set.sort();
            set.dedup();
        }
        let more = db.find_people(scope, &PersonLookup::NameTokens(fuzzy), worker, RESULTS + 1).await?;
        for p in more {
            if !people.iter().any(|q| q.id == p.id) {
                people.push(p);
            }
        }
    }
    people.sort_by_cached_key(|p| (closeness(typed, p), p.family_name.to_lowercase(), p.given_name.to_lowercase()));
    let more = people.len() > RESULTS;
    people.truncate(RESULTS);
    Ok((people, more))
}

/// How far a person's name is from what was typed: for each typed name, its nearest token
/// of theirs (0 the same, 1 begun by it, 2 a typo away, 3 none), summed.
fn closeness(typed: &[String], p: &Person) -> usize {
    let theirs = person_tokens(&p.given_name, &p.family_name);
    typed
        .iter()
        .map(|t| {
            theirs
                .iter()
                .filter_map(|s| match distance(t, s) {
                    Some(0) => Some(0),
                    _ if s.starts_with(t.as_str()) => Some(1),
                    Some(_) => Some(2),
                    None => None,
                })
                .min()
                .unwrap_or(3)
        })
        .sum()
}
