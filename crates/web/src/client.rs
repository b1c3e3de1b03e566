//! Who is on the other end of a request: the client's address (through trusted proxies),
//! and the per-client throttle on failed sign-ins.
//!
//! Behind a load balancer every request comes from the balancer's address. Only when the
//! direct peer is one of the deployment's trusted proxies is `X-Forwarded-For` believed,
//! read from the right (the nearest hop first) past the trusted ones; otherwise anyone
//! could pick their own address by sending the header.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest
/// untrusted address in `X-Forwarded-For`.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // A header too long to be a real chain of proxies is not read at all.
    if hops.len() > 32 {
        return Some(peer);
    }
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

/// The key a client is counted under: its IPv4 address, or its IPv6 /64 (one household
/// or one machine gets a whole /64, so counting single IPv6 addresses counts nothing).
pub fn client_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".into(),
    }
}

/// The client key of a request, from its connection and headers.
pub fn request_client(parts: &Parts, trusted: &[IpNet]) -> String {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    client_key(client_ip(peer, &parts.headers, trusted))
}

/// Attempts per client, as a token bucket: a client may try `burst` times, and earns one
/// more try every `every`. A try is taken before any work is done and given back when the
/// attempt succeeds, so only failures are spent (a practice where everyone signs in from
/// one address is never slowed by its own successful sign-ins), while attempts sent all at
/// once cannot outrun the count. The table holds at most `MAX_CLIENTS`: clients whose
/// bucket has refilled are forgotten first; when it is still full, new clients share one
/// overflow bucket rather than the table growing or everyone being refused.
pub struct FailureThrottle {
    burst: f64,
    every: Duration,
    clients: Mutex<HashMap<String, (f64, Instant)>>,
}

const MAX_CLIENTS: usize = 100_000;
/// Where clients go when the table is full of clients still spending their tries.
const OVERFLOW: &str = "(overflow)";

impl FailureThrottle {
    pub fn new(burst: u32, every: Duration) -> FailureThrottle {
        FailureThrottle {
            burst: f64::from(burst.max(1)),
            every: every.max(Duration::from_millis(1)),
            clients: Mutex::default(),
        }
    }

    fn tries_left(&self, (tries, at): (f64, Instant), now: Instant) -> f64 {
        (tries + now.duration_since(at).as_secs_f64() / self.every.as_secs_f64()).min(self.burst)
    }

    /// Take a try for `client`: `false` when it has none left.
    pub fn take(&self, client: &str) -> bool {
        let Ok(mut clients) = self.clients.lock() else { return false };
        let now = Instant::now();
        let mut key = client;
        if !clients.contains_key(client) && clients.len() >= MAX_CLIENTS {
            let burst = self.burst;
            clients.retain(|k, entry| k == OVERFLOW || self.tries_left(*entry, now) < burst);
            if clients.len() >= MAX_CLIENTS {
                key = OVERFLOW;
            }
        }
        let left = clients.get(key).map_or(self.burst, |e| self.tries_left(*e, now));
        if left < 1.0 {
            return false;
        }
        clients.insert(key.to_owned(), (left - 1.0, now));
        true
    }

    /// `client`'s attempt succeeded: its try comes back.
    pub fn give_back(&self, client: &str) {
        let Ok(mut clients) = self.clients.lock() else { return };
        let now = Instant::now();
        if let Some(entry) = clients.get_mut(client) {
            *entry = ((self.tries_left(*entry, now) + 1.0).min(self.burst), now);
        }
    }

    /// Forget clients whose tries have all come back.
    pub fn forget_recovered(&self) {
        let Ok(mut clients) = self.clients.lock() else { return };
        let now = Instant::now();
        let burst = self.burst;
        clients.retain(|_, entry| self.tries_left(*entry, now) < burst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let client = |peer: &str, xff: &str, trusted: &[IpNet]| {
            client_ip(Some(peer.parse().unwrap()), &headers(xff), trusted).map(|ip| ip.to_string())
        };
        // Not from a trusted proxy: the header is the client's own claim, ignored.
        assert_eq!(client("203.0.113.9", "198.51.100.1", &trusted).as_deref(), Some("203.0.113.9"));
        assert_eq!(client(&proxy.to_string(), "198.51.100.1", &[]).as_deref(), Some("10.0.0.5"));
        // Through the proxy: the nearest untrusted hop, whatever the client put in front.
        assert_eq!(client("10.0.0.5", "1.2.3.4, 198.51.100.1", &trusted).as_deref(), Some("198.51.100.1"));
        assert_eq!(client("10.0.0.5", "198.51.100.1, 10.0.0.7", &trusted).as_deref(), Some("198.51.100.1"));
        assert_eq!(client("10.0.0.5", "not-an-address", &trusted).as_deref(), Some("10.0.0.5"));
        assert_eq!(client_key(Some("2001:db8:1:2:3:4:5:6".parse().unwrap())), "2001:db8:1:2::/64");
    }

    #[test]
    fn only_failures_spend_tries_and_they_come_back() {
        let t = FailureThrottle::new(3, Duration::from_millis(200));
        for _ in 0..10 {
            assert!(t.take("a"));
            t.give_back("a");
        }
        for _ in 0..3 {
            assert!(t.take("a"));
        }
        assert!(!t.take("a"), "three failures spent the tries");
        assert!(t.take("b"), "another client is not limited");
        std::thread::sleep(Duration::from_millis(250));
        assert!(t.take("a"), "a try came back");
        t.forget_recovered();
    }
}

/// The client key of this request (see [`client_key`]), through the deployment's trusted proxies.
pub struct ClientKey(pub String);

impl axum::extract::FromRequestParts<crate::state::AppState> for ClientKey {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &crate::state::AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientKey(request_client(parts, &state.config.trusted_proxies)))
    }
}

/// tower_governor's key for throttled public forms (self-referrals): the client key, so a
/// deployment behind a proxy throttles people, not the proxy.
#[derive(Clone)]
pub struct ClientKeyExtractor(pub std::sync::Arc<Vec<IpNet>>);

impl tower_governor::key_extractor::KeyExtractor for ClientKeyExtractor {
    type Key = String;
    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<Self::Key, tower_governor::GovernorError> {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(client_key(client_ip(peer, req.headers(), &self.0)))
    }
}
