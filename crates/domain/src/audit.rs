//! The audit trail: an append-only, hash-chained record of who did what.
//!
//! Each organisation has its own chain. An entry's hash covers the previous entry's hash
//! and every field of the entry, so editing or deleting a row behind the application's
//! back breaks the chain at that row, and `linkwell audit verify` names it. Entries hold
//! ids and action names only — never the personal data itself.

use sha2::{Digest, Sha256};
use std::str::FromStr;

/// The hash that precedes an organisation's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignOut,
    AccountLocked,
    PasswordChanged,
    PasswordResetIssued,
    UserCreated,
    UserDisabled,
    UserEnabled,
    RoleChanged,
    TokenCreated,
    TokenRevoked,
    OrganisationCreated,
    PracticeCreated,
    PracticeUpdated,
    SiteCreated,
    RoomCreated,
    PersonCreated,
    PeopleMerged,
    ProgrammeCreated,
    /// Organisation settings changed (self-referral, messaging).
    SettingsChanged,
    /// A message (a session reminder) was sent to a person.
    MessageSent,
    /// A record about a person was read (used from the referrals issue on).
    RecordViewed,
    /// A record about a person was changed (used from the referrals issue on).
    RecordChanged,
    /// Someone searched for a person: how, and the records the search showed (their ids).
    PeopleSearched,
    /// A directory listing (a provider or a service) was added or changed.
    DirectoryChanged,
    /// A group the team runs changed: its settings, facilitators or sessions.
    GroupChanged,
    /// Open data was loaded (postcode coordinates, an ORUK feed).
    DataImported,
    /// A report was viewed, or exported (the detail says which, its format and filters).
    ReportViewed,
}

impl AuditAction {
    pub const ALL: [AuditAction; 29] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::AccountLocked,
        AuditAction::PasswordChanged,
        AuditAction::PasswordResetIssued,
        AuditAction::UserCreated,
        AuditAction::UserDisabled,
        AuditAction::UserEnabled,
        AuditAction::RoleChanged,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::OrganisationCreated,
        AuditAction::PracticeCreated,
        AuditAction::PracticeUpdated,
        AuditAction::SiteCreated,
        AuditAction::RoomCreated,
        AuditAction::PersonCreated,
        AuditAction::PeopleMerged,
        AuditAction::ProgrammeCreated,
        AuditAction::SettingsChanged,
        AuditAction::MessageSent,
        AuditAction::RecordViewed,
        AuditAction::RecordChanged,
        AuditAction::PeopleSearched,
        AuditAction::DirectoryChanged,
        AuditAction::GroupChanged,
        AuditAction::DataImported,
        AuditAction::ReportViewed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::AccountLocked => "account_locked",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::PasswordResetIssued => "password_reset_issued",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserDisabled => "user_disabled",
            AuditAction::UserEnabled => "user_enabled",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::TokenCreated => "token_created",
            AuditAction::TokenRevoked => "token_revoked",
            AuditAction::OrganisationCreated => "organisation_created",
            AuditAction::PracticeCreated => "practice_created",
            AuditAction::PracticeUpdated => "practice_updated",
            AuditAction::SiteCreated => "site_created",
            AuditAction::RoomCreated => "room_created",
            AuditAction::PersonCreated => "person_created",
            AuditAction::PeopleMerged => "people_merged",
            AuditAction::ProgrammeCreated => "programme_created",
            AuditAction::SettingsChanged => "settings_changed",
            AuditAction::MessageSent => "message_sent",
            AuditAction::RecordViewed => "record_viewed",
            AuditAction::RecordChanged => "record_changed",
            AuditAction::PeopleSearched => "people_searched",
            AuditAction::DirectoryChanged => "directory_changed",
            AuditAction::GroupChanged => "group_changed",
            AuditAction::DataImported => "data_imported",
            AuditAction::ReportViewed => "report_viewed",
        }
    }
}

impl FromStr for AuditAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| format!("unknown audit action {s:?}"))
    }
}

/// What a caller asks to be recorded. Text fields must not hold personal data: use ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub actor_user_id: Option<String>,
    pub action: AuditAction,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub request_id: Option<String>,
    /// A short, non-personal note such as `role=admin` or `reason=locked`.
    pub detail: Option<String>,
}

/// An entry as stored, with its position in the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_user_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry given its predecessor's hash. Fields are length-prefixed so that
/// no two different entries can serialise to the same bytes.
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    organisation_id: &str,
    prev_hash: &str,
    seq: i64,
    at_ms: i64,
    actor_user_id: Option<&str>,
    action: &str,
    entity_type: &str,
    entity_id: Option<&str>,
    request_id: Option<&str>,
    detail: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    let mut field = |v: Option<&str>| match v {
        None => h.update(b"-;"),
        Some(s) => {
            h.update(s.len().to_string().as_bytes());
            h.update(b":");
            h.update(s.as_bytes());
            h.update(b";");
        }
    };
    field(Some(organisation_id));
    field(Some(prev_hash));
    field(Some(&seq.to_string()));
    field(Some(&at_ms.to_string()));
    field(actor_user_id);
    field(Some(action));
    field(Some(entity_type));
    field(entity_id);
    field(request_id);
    field(detail);
    hex::encode(h.finalize())
}

impl AuditEntry {
    pub fn expected_hash(&self, organisation_id: &str) -> String {
        chain_hash(
            organisation_id,
            &self.prev_hash,
            self.seq,
            self.at_ms,
            self.actor_user_id.as_deref(),
            &self.action,
            &self.entity_type,
            self.entity_id.as_deref(),
            self.request_id.as_deref(),
            self.detail.as_deref(),
        )
    }
}

/// Where a chain first fails to verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq}: its hash does not match its contents (edited)")]
    Edited { seq: i64 },
    #[error("entry {seq}: expected sequence number {expected_seq} (an entry is missing)")]
    Missing { seq: i64, expected_seq: i64 },
    #[error("entry {seq}: it does not follow the previous entry's hash (reordered or replaced)")]
    Unlinked { seq: i64 },
}

/// One line of a witness file: an organisation's chain head (its sequence number and
/// hash) written down by `linkwell audit head` and kept outside the database. Anyone
/// with write access to the database can rebuild a plain SHA-256 chain; they cannot
/// change what was written elsewhere, so a later `audit verify --against` that finds a
/// different hash at that sequence number shows the trail was rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessedHead {
    pub organisation: String,
    pub seq: i64,
    pub hash: String,
}

impl WitnessedHead {
    /// `slug seq hash`, one head a line.
    pub fn line(&self) -> String {
        format!("{} {} {}", self.organisation, self.seq, self.hash)
    }
}

/// Why a witness file could not be read, with the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct WitnessError {
    pub line: usize,
    pub message: &'static str,
}

/// Read a witness file: lines of `slug seq hash` (blank lines and `#` comments ignored).
pub fn parse_witness(text: &str) -> Result<Vec<WitnessedHead>, WitnessError> {
    let mut heads = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let err = |message| WitnessError { line, message };
        let mut parts = t.split_whitespace();
        let (Some(org), Some(seq), Some(hash), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(err("expected an organisation, a sequence number and a hash"));
        };
        if org.len() > 100 || !org.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(err("the organisation is not a slug"));
        }
        let seq =
            seq.parse::<i64>().ok().filter(|n| *n >= 0).ok_or(err("the sequence number is not a whole number"))?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err("the hash is not 64 hexadecimal digits"));
        }
        heads.push(WitnessedHead { organisation: org.to_owned(), seq, hash: hash.to_ascii_lowercase() });
    }
    Ok(heads)
}

/// Incremental verification over entries in `seq` order, so a long chain can be streamed
/// in pages rather than loaded whole.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    organisation_id: String,
    expected_seq: i64,
    prev_hash: String,
}

impl ChainVerifier {
    pub fn new(organisation_id: &str) -> Self {
        Self { organisation_id: organisation_id.to_owned(), expected_seq: 1, prev_hash: GENESIS_HASH.to_owned() }
    }

    pub fn feed(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(ChainBreak::Missing { seq: e.seq, expected_seq: self.expected_seq });
        }
        if e.prev_hash != self.prev_hash {
            return Err(ChainBreak::Unlinked { seq: e.seq });
        }
        if e.expected_hash(&self.organisation_id) != e.hash {
            return Err(ChainBreak::Edited { seq: e.seq });
        }
        self.expected_seq += 1;
        self.prev_hash = e.hash.clone();
        Ok(())
    }

    /// The number of entries verified so far.
    pub fn verified(&self) -> i64 {
        self.expected_seq - 1
    }

    /// The last verified hash, to compare with the stored chain head (which catches a
    /// truncated tail).
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witness_files_are_read_line_by_line() {
        let h = "a".repeat(64);
        let text = format!("# kept by the Caldicott guardian\n\nriverside-pcn 42 {h}\nother 0 {}\n", "B".repeat(64));
        let heads = parse_witness(&text).unwrap();
        assert_eq!(heads.len(), 2);
        assert_eq!(heads[0].line(), format!("riverside-pcn 42 {h}"));
        assert_eq!(heads[1].hash, "b".repeat(64));
        for (bad, line) in [("x 1", 1), ("x -1 aaaa", 1), (&format!("ok 1 {h}\nx 1 zz"), 2), (&format!("a b 1 {h}"), 1)]
        {
            assert_eq!(parse_witness(bad).unwrap_err().line, line, "{bad}");
        }
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    at_ms: 1_700_000_000_000 + seq,
                    actor_user_id: Some("u1".into()),
                    action: "sign_in".into(),
                    entity_type: "user".into(),
                    entity_id: Some("u1".into()),
                    request_id: None,
                    detail: None,
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.expected_hash("org");
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let mut v = ChainVerifier::new("org");
        for e in chain(5) {
            v.feed(&e).unwrap();
        }
        assert_eq!(v.verified(), 5);
    }

    #[test]
    fn edit_delete_and_reorder_are_found() {
        let mut c = chain(5);
        c[2].action = "user_created".into();
        let mut v = ChainVerifier::new("org");
        let r: Result<(), _> = c.iter().try_for_each(|e| v.feed(e));
        assert_eq!(r, Err(ChainBreak::Edited { seq: 3 }));

        let mut c = chain(5);
        c.remove(1);
        let mut v = ChainVerifier::new("org");
        let r: Result<(), _> = c.iter().try_for_each(|e| v.feed(e));
        assert_eq!(r, Err(ChainBreak::Missing { seq: 3, expected_seq: 2 }));

        // A chain from another organisation does not verify under this one.
        let c = chain(2);
        let mut v = ChainVerifier::new("other");
        assert_eq!(v.feed(&c[0]), Err(ChainBreak::Edited { seq: 1 }));
    }
}
