//! Directory search: a tantivy index of every organisation's listings, for full-text search
//! with stemming ("walks" finds "Walk") and typo tolerance ("walkng" finds "Walk and
//! Talk"), filtered by taxonomy term, week slot, cost, wheelchair access, age and
//! distance, and ranked by relevance and distance together.
//!
//! The index is a cache: it holds what the database says, is rebuilt from it when the
//! server starts, and is kept current by re-indexing a listing whenever it changes (the
//! web layer follows `services_changed_since`). It lives in memory — 100,000 listings are
//! tens of megabytes and index in seconds — so there is nothing on disk to go stale or
//! corrupt, and every server instance builds its own.
//!
//! This crate knows nothing of storage or the web: it takes [`Listing`]s (the facts a
//! search needs, already worked out) and answers [`Hit`]s (ids, relevance, miles).

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Mutex;

use linkwell_domain::directory::{DayPart, LatLon, Term, WeekSlot};
use linkwell_domain::{OrganisationId, ServiceId};
use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument,
};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index: a writer panicked while holding the lock")]
    Poisoned,
    #[error("search index: a stored id is not valid")]
    BadId,
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// What a search needs to know about a listing, worked out by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub organisation: OrganisationId,
    pub id: ServiceId,
    pub name: String,
    pub description: String,
    /// The organisation that runs it, so "Ramblers" finds its walks.
    pub provider: String,
    pub terms: Vec<Term>,
    /// When it really runs in the coming weeks.
    pub slots: BTreeSet<WeekSlot>,
    pub free: bool,
    pub wheelchair: bool,
    pub minimum_age: Option<u8>,
    pub maximum_age: Option<u8>,
    pub points: Vec<LatLon>,
    /// Has no place at all (a phone line, an online group): it passes any distance filter.
    /// A listing with a place whose point is unknown is not placeless: it fails them.
    pub placeless: bool,
    /// Running and not full: the only listings offered to people.
    pub offered: bool,
    /// When the listing last changed, and its version: an older copy never replaces a
    /// newer one, whichever reaches the index last.
    pub changed: (i64, i64),
}

/// A search. Every filter given must hold (they are ANDed); lists within a filter are
/// alternatives (any of these needs, any of these times).
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub terms: Vec<Term>,
    /// Days of the week it must run on (any of them); empty for any day.
    pub days: Vec<jiff::civil::Weekday>,
    /// Parts of the day (any of them); empty for any time.
    pub parts: Vec<DayPart>,
    /// When the person is free (any of these slots); empty for any time.
    pub free_slots: Vec<WeekSlot>,
    pub free_only: bool,
    pub wheelchair: bool,
    /// The person's age: the listing's age range must include it.
    pub age: Option<u8>,
    /// Measure distances from here; with `within_miles`, only listings that close.
    pub near: Option<LatLon>,
    pub within_miles: Option<f64>,
    /// Leave out paused, closed and full listings.
    pub offered_only: bool,
    pub limit: usize,
}

/// One listing found, best first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: ServiceId,
    /// The text relevance (BM25, with exact words worth more than near misses); 1 without text.
    pub relevance: f32,
    /// To the nearest of its places, when a point to measure from was given and it has one.
    pub miles: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    org: Field,
    key: Field,
    id: Field,
    name: Field,
    body: Field,
    raw: Field,
    terms: Field,
    slots: Field,
    flags: Field,
    min_age: Field,
    max_age: Field,
    lat: Field,
    lon: Field,
}

/// Unknown ages are stored as the widest range, so a range query needs no special case.
const NO_MAX_AGE: u64 = 255;
/// How quickly distance pulls a listing down: at this many miles, half the score.
const HALF_SCORE_MILES: f64 = 3.0;
const WRITER_HEAP: usize = 50_000_000;
/// A search reads at most this much of its text, and this many words of it.
const MAX_TEXT_CHARS: usize = 500;
const MAX_WORDS: usize = 16;
/// The most hits one search returns, whatever the caller asks for.
pub const MAX_LIMIT: usize = 10_000;

/// A match's combined score, its text relevance and its distance in miles.
type Ranked = (f64, f64, Option<f64>);

/// The `changed` stamp of each listing in the index, by (organisation, listing).
type Stamps = HashMap<(OrganisationId, ServiceId), (i64, i64)>;

/// A listing's key in the index. Ids are unique only within an organisation (imports keep
/// the publisher's ids), so the key names both: one organisation importing another's
/// published ids must not replace that organisation's listings.
fn key(organisation: OrganisationId, id: ServiceId) -> String {
    format!("{organisation}/{id}")
}

pub struct DirectoryIndex {
    index: Index,
    reader: IndexReader,
    /// The writer, and the `changed` stamp of every listing indexed.
    writer: Mutex<(IndexWriter, Stamps)>,
    fields: Fields,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let stemmed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let lowered = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("default").set_index_option(IndexRecordOption::Basic),
    );
    let number = NumericOptions::default().set_indexed().set_fast();
    let fields = Fields {
        org: b.add_text_field("org", STRING),
        key: b.add_text_field("key", STRING),
        id: b.add_text_field("id", STRING | STORED),
        name: b.add_text_field("name", stemmed.clone()),
        body: b.add_text_field("body", stemmed),
        raw: b.add_text_field("raw", lowered),
        terms: b.add_text_field("terms", STRING),
        slots: b.add_text_field("slots", STRING),
        flags: b.add_text_field("flags", STRING),
        min_age: b.add_u64_field("min_age", number.clone()),
        max_age: b.add_u64_field("max_age", number.clone()),
        lat: b.add_f64_field("lat", number.clone()),
        lon: b.add_f64_field("lon", number),
    };
    (b.build(), fields)
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(tantivy::Term::from_field_text(field, text), IndexRecordOption::Basic))
}

/// A filter that must hold but adds nothing to the score.
fn must(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
}

fn any_of(field: Field, values: impl IntoIterator<Item = String>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(values.into_iter().map(|v| (Occur::Should, term(field, &v))).collect()))
}

fn range_f64(field: Field, from: f64, to: f64) -> Box<dyn Query> {
    Box::new(RangeQuery::new(
        Bound::Included(tantivy::Term::from_field_f64(field, from)),
        Bound::Included(tantivy::Term::from_field_f64(field, to)),
    ))
}

fn range_u64(field: Field, from: Bound<u64>, to: Bound<u64>) -> Box<dyn Query> {
    let t = |b: Bound<u64>| match b {
        Bound::Included(v) => Bound::Included(tantivy::Term::from_field_u64(field, v)),
        Bound::Excluded(v) => Bound::Excluded(tantivy::Term::from_field_u64(field, v)),
        Bound::Unbounded => Bound::Unbounded,
    };
    Box::new(RangeQuery::new(t(from), t(to)))
}

/// Edits allowed for a typo, by word length (as Lucene's AUTO): none for short words,
/// one from four letters, two from six.
fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4 | 5 => 1,
        _ => 2,
    }
}

impl DirectoryIndex {
    pub fn new() -> Result<DirectoryIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        // One indexing thread: the machine serves pages too, and edits are one listing at a time.
        let writer = index.writer_with_num_threads(1, WRITER_HEAP)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(DirectoryIndex { index, reader, writer: Mutex::new((writer, HashMap::new())), fields })
    }

    fn document(&self, l: &Listing) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.org, l.organisation.to_string());
        d.add_text(f.key, key(l.organisation, l.id));
        d.add_text(f.id, l.id.to_string());
        d.add_text(f.name, &l.name);
        let labels: Vec<&str> = l.terms.iter().map(|t| t.label()).collect();
        d.add_text(f.body, format!("{} {} {}", l.description, l.provider, labels.join(" ")));
        d.add_text(f.raw, format!("{} {} {}", l.name, l.provider, labels.join(" ")));
        for t in &l.terms {
            d.add_text(f.terms, t.key());
        }
        for s in &l.slots {
            d.add_text(f.slots, s.code());
        }
        for (on, flag) in
            [(l.free, "free"), (l.wheelchair, "wheelchair"), (l.offered, "offered"), (l.placeless, "placeless")]
        {
            if on {
                d.add_text(f.flags, flag);
            }
        }
        d.add_u64(f.min_age, l.minimum_age.map_or(0, u64::from));
        d.add_u64(f.max_age, l.maximum_age.map_or(NO_MAX_AGE, u64::from));
        for p in &l.points {
            d.add_f64(f.lat, p.lat());
            d.add_f64(f.lon, p.lon());
        }
        d
    }

    /// Add or replace listings (by id) and make them searchable. A copy older than the one
    /// indexed is ignored: the follower and a page may race with the same listing.
    pub fn upsert(&self, listings: &[Listing]) -> Result<()> {
        let mut guard = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        let (w, stamps) = &mut *guard;
        let mut changed = false;
        for l in listings {
            let at = (l.organisation, l.id);
            if stamps.get(&at).is_some_and(|known| *known > l.changed) {
                continue;
            }
            stamps.insert(at, l.changed);
            w.delete_term(tantivy::Term::from_field_text(self.fields.key, &key(l.organisation, l.id)));
            w.add_document(self.document(l))?;
            changed = true;
        }
        if !changed {
            return Ok(());
        }
        w.commit()?;
        drop(guard);
        self.reader.reload()?;
        Ok(())
    }

    /// Take listings of `organisation` out (they no longer exist).
    pub fn remove(&self, organisation: OrganisationId, ids: &[ServiceId]) -> Result<()> {
        let mut guard = self.writer.lock().map_err(|_| SearchError::Poisoned)?;
        let (w, stamps) = &mut *guard;
        for id in ids {
            stamps.remove(&(organisation, *id));
            w.delete_term(tantivy::Term::from_field_text(self.fields.key, &key(organisation, *id)));
        }
        w.commit()?;
        drop(guard);
        self.reader.reload()?;
        Ok(())
    }

    /// How many listings are indexed, in every organisation.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn text_query(&self, text: &str) -> Result<Option<Box<dyn Query>>> {
        let f = &self.fields;
        let mut stemmer = self.index.tokenizer_for_field(f.name)?;
        let mut plain = self.index.tokenizer_for_field(f.raw)?;
        // The web layer refuses long searches with a message; this bounds the work for
        // any other caller: the first words of the first characters, never the whole text.
        let text = match text.char_indices().nth(MAX_TEXT_CHARS) {
            Some((end, _)) => &text[..end],
            None => text,
        };
        let mut stems = vec![];
        stemmer.token_stream(text).process(&mut |t| stems.push(t.text.clone()));
        let mut words = vec![];
        plain.token_stream(text).process(&mut |t| words.push(t.text.clone()));
        stems.truncate(MAX_WORDS);
        words.truncate(MAX_WORDS);
        if words.is_empty() {
            return Ok(None);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![];
        for (i, word) in words.iter().enumerate() {
            let mut variants: Vec<(Occur, Box<dyn Query>)> = vec![];
            if let Some(stem) = stems.get(i) {
                variants.push((Occur::Should, Box::new(BoostQuery::new(term(f.name, stem), 3.0))));
                variants.push((Occur::Should, term(f.body, stem)));
            }
            let d = typo_distance(word);
            if d > 0 {
                // A near miss counts for less than the word itself.
                let fuzzy = FuzzyTermQuery::new(tantivy::Term::from_field_text(f.raw, word), d, true);
                variants.push((Occur::Should, Box::new(BoostQuery::new(Box::new(fuzzy), 0.5))));
            }
            clauses.push((Occur::Should, Box::new(BooleanQuery::new(variants))));
        }
        Ok(Some(Box::new(BooleanQuery::new(clauses))))
    }

    /// Listings of `organisation` matching `q`, best first.
    pub fn search(&self, organisation: OrganisationId, q: &SearchQuery) -> Result<Vec<Hit>> {
        let f = self.fields;
        let mut clauses = vec![must(term(f.org, &organisation.to_string()))];
        let has_text = match self.text_query(&q.text)? {
            Some(t) => {
                clauses.push((Occur::Must, t));
                true
            }
            None => false,
        };
        if !q.terms.is_empty() {
            clauses.push(must(any_of(f.terms, q.terms.iter().map(|t| t.key()))));
        }
        let slots: Vec<String> = WeekSlot::all()
            .filter(|s| q.days.is_empty() || q.days.contains(&s.day))
            .filter(|s| q.parts.is_empty() || q.parts.contains(&s.part))
            .filter(|s| q.free_slots.is_empty() || q.free_slots.contains(s))
            .map(WeekSlot::code)
            .collect();
        if !(q.days.is_empty() && q.parts.is_empty() && q.free_slots.is_empty()) {
            clauses.push(must(any_of(f.slots, slots)));
        }
        for (on, flag) in [(q.free_only, "free"), (q.wheelchair, "wheelchair"), (q.offered_only, "offered")] {
            if on {
                clauses.push(must(term(f.flags, flag)));
            }
        }
        if let Some(age) = q.age {
            clauses.push(must(range_u64(f.min_age, Bound::Unbounded, Bound::Included(u64::from(age)))));
            clauses.push(must(range_u64(f.max_age, Bound::Included(u64::from(age)), Bound::Unbounded)));
        }
        let radius = q.near.zip(q.within_miles);
        if let Some((near, miles)) = radius {
            // Close enough, or with no place at all (a phone line, an online group).
            let b = near.bounding_box(miles);
            let inside = BooleanQuery::new(vec![
                (Occur::Must, range_f64(f.lat, b.min_lat, b.max_lat)),
                (Occur::Must, range_f64(f.lon, b.min_lon, b.max_lon)),
            ]);
            clauses.push(must(Box::new(BooleanQuery::new(vec![
                (Occur::Should, Box::new(inside)),
                (Occur::Should, term(f.flags, "placeless")),
            ]))));
        }
        if !has_text && clauses.len() == 1 {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let query = BooleanQuery::new(clauses);
        let limit = q.limit.clamp(1, MAX_LIMIT);
        let near = q.near;
        // Rank by relevance and distance in one pass over the matches, reading each
        // listing's places from fast fields; those outside the radius sink below zero.
        let collector = TopDocs::with_limit(limit).tweak_score(move |segment: &SegmentReader| {
            let lat = segment.fast_fields().f64("lat").ok();
            let lon = segment.fast_fields().f64("lon").ok();
            move |doc: DocId, score: Score| -> Ranked {
                let relevance = if has_text { f64::from(score) } else { 1.0 };
                let miles = match (near, &lat, &lon) {
                    (Some(n), Some(lat), Some(lon)) => lat
                        .values_for_doc(doc)
                        .zip(lon.values_for_doc(doc))
                        .filter_map(|(a, o)| LatLon::new(a, o))
                        .map(|p| n.miles_to(p))
                        .min_by(f64::total_cmp),
                    _ => None,
                };
                let ranked = match (miles, radius) {
                    (Some(m), Some((_, r))) if m > r => -1.0,
                    (Some(m), _) => relevance / (1.0 + m / HALF_SCORE_MILES),
                    // Without a place, a listing ranks as if it were at the edge of the search.
                    (None, Some((_, r))) => relevance / (1.0 + r / HALF_SCORE_MILES),
                    (None, None) if near.is_some() => relevance / 2.0,
                    (None, None) => relevance,
                };
                (ranked, relevance, miles)
            }
        });
        let searcher = self.reader.searcher();
        let found: Vec<(Ranked, DocAddress)> = searcher.search(&query, &collector)?;
        let mut hits = Vec::with_capacity(found.len());
        for ((ranked, relevance, miles), address) in found {
            if ranked < 0.0 {
                continue;
            }
            let doc: TantivyDocument = searcher.doc(address)?;
            let id =
                doc.get_first(f.id).and_then(|v| v.as_str()).and_then(|s| s.parse().ok()).ok_or(SearchError::BadId)?;
            hits.push(Hit { id, relevance: relevance as f32, miles });
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests;
