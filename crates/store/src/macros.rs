/// Run `$body` against whichever pool `$db` holds, to read. The body is expanded once per
/// engine, so it may bind arguments and read columns with the engine's own types. On
/// SQLite these connections refuse writes: write with `on_writer!` or in a transaction.
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite(sqlite) => {
                let $pool = &sqlite.reads;
                $body
            }
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// As `on_db!`, for one statement that writes outside a transaction: on SQLite it runs on
/// the one writer connection, in turn with every transaction.
macro_rules! on_writer {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite(sqlite) => {
                let $pool = &sqlite.writes;
                $body
            }
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// As `on_db!`, inside a transaction: `$conn` is the transaction's connection.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut ($tx).conn {
            $crate::db::TxConn::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::TxConn::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// A row struct: the columns of a query, by name, with the types they decode to on both
/// engines, and `sqlx::FromRow` for SQLite's and PostgreSQL's rows. Fields after
/// `flatten` are row structs of their own read from the same row (a join's columns).
///
/// This is what `#[derive(sqlx::FromRow)]` writes; a declarative macro instead of sqlx's
/// derive keeps sqlx's proc-macro crate out of the build, which would compile sqlx-core
/// and both drivers (bundled SQLite included) a second time, for the host.
macro_rules! row_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty ),* $(,)?
        }
        $( flatten { $( $(#[$gmeta:meta])* $gvis:vis $inner:ident : $inner_ty:ty ),* $(,)? } )?
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $ty, )*
            $($( $(#[$gmeta])* $gvis $inner: $inner_ty, )*)?
        }

        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $name {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> std::result::Result<Self, sqlx::Error> {
                Ok($name {
                    $( $field: sqlx::Row::try_get(row, stringify!($field))?, )*
                    $($( $inner: sqlx::FromRow::from_row(row)?, )*)?
                })
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> std::result::Result<Self, sqlx::Error> {
                Ok($name {
                    $( $field: sqlx::Row::try_get(row, stringify!($field))?, )*
                    $($( $inner: sqlx::FromRow::from_row(row)?, )*)?
                })
            }
        }
    };
}
