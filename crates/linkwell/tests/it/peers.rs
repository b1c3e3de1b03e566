//! Real protocol peers on loopback for the messaging tests: a small SMTP server (RFC 5321
//! as far as a sender needs: greeting, EHLO, MAIL, RCPT, DATA with dot-termination, QUIT)
//! and an SMS gateway's HTTP API. Each records what it received and can refuse the first
//! few attempts, to prove retries.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// What a peer received, and how many more attempts it will refuse.
#[derive(Clone, Default)]
pub struct Peer {
    pub port: u16,
    pub received: Arc<Mutex<Vec<String>>>,
    pub refuse: Arc<AtomicUsize>,
}

impl Peer {
    pub fn messages(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    fn refusing(&self) -> bool {
        self.refuse.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    }
}

/// An SMTP server; refused attempts get `451` (try again later) to MAIL FROM.
pub async fn smtp(refuse_first: usize) -> Peer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let peer = Peer {
        port: listener.local_addr().unwrap().port(),
        refuse: Arc::new(AtomicUsize::new(refuse_first)),
        ..Default::default()
    };
    let p = peer.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let p = p.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 peer.test ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 peer.test\r\n",
                        "MAIL" if p.refusing() => b"451 4.3.0 Try again later\r\n",
                        "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                        "DATA" => {
                            let _ = write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await;
                            let mut data = Vec::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push(l);
                            }
                            p.received.lock().unwrap().push(data.join("\n"));
                            b"250 OK queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 Bye\r\n").await;
                            break;
                        }
                        _ => b"502 Command not implemented\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    peer
}

/// An SMS gateway: `POST /send` with a bearer key; refused attempts get `503`. Records
/// `authorization` and the JSON body.
pub async fn sms_gateway(refuse_first: usize) -> Peer {
    use axum::routing::post;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let peer = Peer {
        port: listener.local_addr().unwrap().port(),
        refuse: Arc::new(AtomicUsize::new(refuse_first)),
        ..Default::default()
    };
    let p = peer.clone();
    let app = axum::Router::new().route(
        "/send",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let p = p.clone();
            async move {
                if p.refusing() {
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                p.received.lock().unwrap().push(format!("{auth}\n{body}"));
                axum::http::StatusCode::ACCEPTED
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    peer
}

/// A server that accepts connections and never says a word: a mail server that hangs.
pub async fn silent() -> Peer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let peer = Peer { port: listener.local_addr().unwrap().port(), ..Default::default() };
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    peer
}
