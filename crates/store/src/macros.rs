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
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
