//! The optimistic-concurrency check of a versioned update, written once: what it means
//! when `… version = version + 1 WHERE organisation_id = $ AND id = $ AND version = $`
//! changed no row.

use crate::{OrgScope, Result, StoreError, Tx};

/// After a versioned update of `table` inside `tx` changed `rows_affected` rows: nothing
/// to do if it changed one. Otherwise the record is looked for in the same transaction:
/// one that is there has moved on from the version the change was based on (`Conflict`);
/// one that is not (or is another organisation's) is `NotFound`. (An update with no
/// version to match that changed no row found no record: `NotFound`.)
pub(crate) async fn expect_version(
    tx: &mut Tx,
    table: &'static str,
    scope: &OrgScope,
    id: impl ToString,
    rows_affected: u64,
) -> Result<()> {
    if rows_affected != 0 {
        return Ok(());
    }
    Err(stale_or_missing(tx, table, scope, id).await?)
}

/// As `expect_version`, for an update that returns what it wrote (`RETURNING`): what it
/// returned, or, when it matched no row, `Conflict` or `NotFound` as above.
pub(crate) async fn expect_returned<T>(
    tx: &mut Tx,
    table: &'static str,
    scope: &OrgScope,
    id: impl ToString,
    returned: Option<T>,
) -> Result<T> {
    match returned {
        Some(v) => Ok(v),
        None => Err(stale_or_missing(tx, table, scope, id).await?),
    }
}

/// Why an update of the record `id` matched no row: it is there (`Conflict`) or not.
async fn stale_or_missing(tx: &mut Tx, table: &'static str, scope: &OrgScope, id: impl ToString) -> Result<StoreError> {
    let sql = format!("SELECT id FROM {table} WHERE organisation_id = $1 AND id = $2");
    let exists: Option<String> = on_tx!(tx, conn => {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(scope.key()).bind(id.to_string()).fetch_optional(&mut *conn).await?
    });
    Ok(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound })
}
