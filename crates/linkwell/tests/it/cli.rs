//! The command line, run as the real binary: administration on both engines, clear
//! one-line errors, and audit verification that finds tampering.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use linkwell_store::testing::TestDb;
use linkwell_store::{Db, Engine};

pub fn linkwell(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkwell"))
        .args(args)
        .env_remove("LINKWELL_DATABASE_URL")
        .env("LINKWELL_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run linkwell");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &Output) -> String {
    assert!(!out.status.success(), "should have failed: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

both_engines!(administration_and_audit_verification);

async fn administration_and_audit_verification(engine: Engine) {
    let (url, _dir) = TestDb::fresh_url(engine).await.unwrap();
    let db = url.as_str();
    assert_eq!(
        ok(&linkwell(&["migrate", "--database", db], None)).trim(),
        format!("schema version {}", Db::latest_schema_version())
    );
    ok(&linkwell(&["org", "create", "--database", db, "--slug", "hillside", "--name", "Hillside PCN"], None));
    assert!(
        err(&linkwell(&["org", "create", "--database", db, "--slug", "hillside", "--name", "Again"], None))
            .contains("--slug: an organisation called \"hillside\" already exists")
    );
    assert!(ok(&linkwell(&["org", "list", "--database", db], None)).contains("hillside\tHillside PCN"));

    let out = ok(&linkwell(
        &[
            "user",
            "create",
            "--database",
            db,
            "--org",
            "hillside",
            "--email",
            "Lead@Hillside.example",
            "--name",
            "Lee Admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("correct battery staple horse\n"),
    ));
    assert!(out.contains("created user lead@hillside.example"));
    let out = ok(&linkwell(
        &[
            "user",
            "create",
            "--database",
            db,
            "--org",
            "hillside",
            "--email",
            "w@hillside.example",
            "--name",
            "Wen Worker",
            "--role",
            "link worker",
        ],
        None,
    ));
    assert!(out.contains("one-time link to set a password (72 hours): /reset-password/rs_"));
    let e = err(&linkwell(
        &[
            "user",
            "create",
            "--database",
            db,
            "--org",
            "hillside",
            "--email",
            "x@hillside.example",
            "--name",
            "X",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("password\n"),
    ));
    assert!(e.contains("--password: Password must be 12 characters or more"), "{e}");
    let e = err(&linkwell(
        &["user", "create", "--database", db, "--org", "hillside", "--email", "bad", "--name", "", "--role", "wizard"],
        None,
    ));
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    assert!(e.contains("--name:") && e.contains("--email:") && e.contains("--role:"), "{e}");
    let e = err(&linkwell(&["user", "list", "--database", db, "--org", "nowhere"], None));
    assert!(e.contains("no organisation with the short name \"nowhere\""));

    let listed = ok(&linkwell(&["user", "list", "--database", db, "--org", "hillside"], None));
    assert!(listed.contains("lead@hillside.example\tLee Admin\tadmin\tactive"));
    let out = ok(&linkwell(
        &[
            "token",
            "create",
            "--database",
            db,
            "--org",
            "hillside",
            "--email",
            "lead@hillside.example",
            "--name",
            "GP system",
        ],
        None,
    ));
    let token = out.lines().nth(1).unwrap();
    assert!(token.starts_with("lw_"));
    ok(&linkwell(&["user", "disable", "--database", db, "--org", "hillside", "--email", "w@hillside.example"], None));
    assert!(
        ok(&linkwell(
            &["user", "reset-password", "--database", db, "--org", "hillside", "--email", "w@hillside.example"],
            None
        ))
        .contains("/reset-password/rs_")
    );

    let verified = ok(&linkwell(&["audit", "verify", "--database", db], None));
    assert!(verified.contains("hillside: intact ("), "{verified}");

    // Edit one entry behind the application's back: verify names it and exits 1.
    let raw = Db::connect(db).await.unwrap();
    match &raw {
        Db::Sqlite(p) => {
            sqlx::query("UPDATE audit_log SET detail = 'role=commissioner' WHERE seq = 2").execute(p).await.map(|_| ())
        }
        Db::Postgres(p) => {
            sqlx::query("UPDATE audit_log SET detail = 'role=commissioner' WHERE seq = 2").execute(p).await.map(|_| ())
        }
    }
    .unwrap();
    let out = linkwell(&["audit", "verify", "--database", db], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("hillside: BROKEN at entry 2: its hash does not match its contents (edited)")
    );
}

#[test]
fn bad_arguments_give_one_clear_line_and_fail() {
    let e = err(&linkwell(&["serve", "--database", "mysql://nope", "--listen", "127.0.0.1:0"], None));
    assert!(e.contains("error: could not open the database"), "{e}");
    let e =
        err(&linkwell(&["org", "create", "--database", "sqlite::memory:", "--slug", "Bad Slug!", "--name", "X"], None));
    assert_eq!(
        e.trim(),
        "error: --slug: Short name must be 60 characters or fewer: lower-case letters, digits and hyphens"
    );
    let out = linkwell(&["frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand 'frobnicate'"));
}
