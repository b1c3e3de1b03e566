//! Shared by the storage test binaries.

/// Run each named `async fn(&Db)` on both engines: `name::sqlite` and `name::postgres`.
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = linkwell_store::testing::TestDb::new(linkwell_store::Engine::Sqlite).await.expect("sqlite test db");
                super::$name(&t.db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = linkwell_store::testing::TestDb::new(linkwell_store::Engine::Postgres).await.expect("postgres test db");
                super::$name(&t.db).await;
            }
        }
    )*};
}
