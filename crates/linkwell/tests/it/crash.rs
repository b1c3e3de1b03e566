//! No acknowledged write is lost when the server is killed with SIGKILL, on either engine.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use linkwell_store::Engine;
use linkwell_store::testing::TestDb;
use serde_json::{Value, json};

use crate::cli::linkwell;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(db: &str, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkwell"))
        .args(["serve", "--database", db, "--listen", &format!("127.0.0.1:{port}")])
        .env("LINKWELL_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    for _ in 0..200 {
        let ready = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not become ready");
}

both_engines!(acknowledged_writes_survive_kill_9);

async fn acknowledged_writes_survive_kill_9(engine: Engine) {
    let (url, _dir) = TestDb::fresh_url(engine).await.unwrap();
    let db = url.as_str();
    assert!(linkwell(&["org", "create", "--database", db, "--slug", "k", "--name", "Kill PCN"], None).status.success());
    assert!(
        linkwell(
            &[
                "user",
                "create",
                "--database",
                db,
                "--org",
                "k",
                "--email",
                "a@k.example",
                "--name",
                "A",
                "--role",
                "admin",
                "--password-stdin"
            ],
            Some("plum harbour violin\n")
        )
        .status
        .success()
    );
    let out =
        linkwell(&["token", "create", "--database", db, "--org", "k", "--email", "a@k.example", "--name", "t"], None);
    let token = String::from_utf8_lossy(&out.stdout).lines().nth(1).unwrap().to_owned();

    let port = free_port();
    let mut server = start(db, port).await;
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    // Writes from several clients at once; each one counted only once acknowledged.
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..15 {
                let ods = format!("K{worker}{i:04}");
                let r = client
                    .post(format!("{base}/api/v1/practices"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("Practice {ods}"), "ods_code": ods}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                acknowledged.push(ods);
            }
            acknowledged
        }));
    }
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.extend(t.await.unwrap());
    }
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().unwrap();

    let mut server = start(db, port).await;
    let page: Value = client
        .get(format!("{base}/api/v1/practices?limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut stored: Vec<String> =
        page["items"].as_array().unwrap().iter().map(|p| p["ods_code"].as_str().unwrap().to_owned()).collect();
    stored.sort();
    acknowledged.sort();
    assert_eq!(stored, acknowledged);
    server.kill().unwrap();
    server.wait().unwrap();
    // Every write's audit entry survived too, and the chain is intact.
    let out = linkwell(&["audit", "verify", "--database", db], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
