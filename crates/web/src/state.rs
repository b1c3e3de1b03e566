use std::sync::Arc;

use linkwell_store::Db;

use crate::ops::Metrics;
use crate::templates::Templates;

/// Settings that come from the command line or the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` (set when Linkwell is served over HTTPS).
    pub secure_cookies: bool,
    /// Sign-in attempts a client may burst before it is slowed down.
    pub sign_in_burst: u32,
    /// Seconds for one sign-in attempt to be replenished.
    pub sign_in_replenish_seconds: u64,
    /// How often the outbox sender looks for messages that are due.
    pub outbox_every: std::time::Duration,
    /// How often the search index catches up with listings changed elsewhere.
    pub search_every: std::time::Duration,
    /// The load balancers and proxies in front of Linkwell: from these (and only these) a
    /// request's `X-Forwarded-For` names the client (throttles and sign-in locks count
    /// clients). Empty: the direct peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Let messaging settings point at loopback, private and link-local addresses (an SMTP
    /// relay on the same network). Off by default: an admin could otherwise aim the
    /// service's own requests, with the stored password, at internal hosts.
    pub allow_private_messaging_hosts: bool,
    /// Where people reach this service (`https://linkwell.example.org`): the start of the
    /// links messages carry.
    pub public_url: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            sign_in_burst: 10,
            sign_in_replenish_seconds: 6,
            outbox_every: std::time::Duration::from_secs(5),
            search_every: std::time::Duration::from_secs(2),
            trusted_proxies: Vec::new(),
            allow_private_messaging_hosts: false,
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// How many password checks may run at once (see `AppState::passwords`).
const PASSWORD_CHECKS: usize = 4;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub templates: Templates,
    pub metrics: Arc<Metrics>,
    pub config: Arc<Config>,
    /// The directory's search index (a cache of the database; see `directory_search`).
    pub search: Arc<linkwell_search::DirectoryIndex>,
    /// Failed sign-ins per client (only failures count).
    pub sign_in_throttle: Arc<crate::client::FailureThrottle>,
    /// Password checks, a bounded number at once across the server.
    pub passwords: linkwell_app::identity::Passwords,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> AppState {
        // An in-memory index with a fixed schema: creating it does not depend on input.
        let search = linkwell_search::DirectoryIndex::new().expect("an empty in-memory search index");
        AppState {
            db,
            templates: Templates::new(),
            metrics: Arc::new(Metrics::default()),
            sign_in_throttle: Arc::new(crate::client::FailureThrottle::new(
                config.sign_in_burst,
                std::time::Duration::from_secs(config.sign_in_replenish_seconds.max(1)),
            )),
            passwords: linkwell_app::identity::Passwords::new(PASSWORD_CHECKS),
            config: Arc::new(config),
            search: Arc::new(search),
        }
    }
}
