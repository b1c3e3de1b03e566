#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist in this organisation. Records of other organisations
    /// are reported the same way, so their existence is never revealed.
    #[error("not found")]
    NotFound,
    /// The record changed since the version the caller read.
    #[error("the record was changed by someone else since it was read")]
    Conflict,
    /// The record belongs to a closed referral (discharged, declined, redirected or unable
    /// to contact): it is kept as it was, read-only.
    #[error("the referral is closed")]
    Closed,
    /// The change would contradict the record's own times (`linkwell_domain::chronology`),
    /// checked against the rows as they are inside the change's transaction.
    #[error("{0}")]
    Untimely(#[from] linkwell_domain::chronology::Untimely),
    /// A unique field already holds this value.
    #[error("{field} is already in use")]
    Duplicate { field: &'static str },
    /// A list's cursor that this list did not give (typed, or from another order).
    #[error("the cursor is not one this list gave")]
    BadCursor,
    #[error("unsupported database URL: {0}")]
    BadUrl(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Map a unique-constraint violation to `Duplicate { field }`.
    pub(crate) fn unique_as(field: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |e| match e.as_database_error() {
            Some(d) if d.is_unique_violation() => StoreError::Duplicate { field },
            _ => StoreError::Database(e),
        }
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(what.to_string())
    }
}

/// A value read back from the database that fails to parse means the stored data is bad.
pub(crate) fn stored<T, E: std::fmt::Display>(r: std::result::Result<T, E>) -> crate::Result<T> {
    r.map_err(StoreError::corrupt)
}
