//! Transports for messages to people: email through the organisation's SMTP server, and
//! text messages through an SMS gateway's HTTP API. A leaf crate, so the TLS and SMTP
//! stacks build once and everyday edits elsewhere do not rebuild them.
//!
//! Errors say whether trying again could help, and never carry the recipient or the
//! message (servers echo addresses in their replies): only codes and what failed.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Trying again will not help (bad address, refused, not set up).
    #[error("{0}")]
    Permanent(String),
    /// Trying again later may work (server busy, unreachable).
    #[error("{0}")]
    Temporary(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// Whether an address is one a message may go to: a public unicast address. Loopback,
/// private (RFC 1918, unique local), link-local (cloud metadata at 169.254.169.254 among
/// them), shared (100.64/10), unspecified, broadcast, multicast and documentation
/// addresses are not, nor IPv4 addresses mapped or embedded in IPv6 that would be.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || (a == 198 && (18..20).contains(&b))
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            // IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks).
            if s[..6].iter().all(|x| *x == 0) {
                return is_public(IpAddr::V4(std::net::Ipv4Addr::new(
                    (s[6] >> 8) as u8,
                    s[6] as u8,
                    (s[7] >> 8) as u8,
                    s[7] as u8,
                )));
            }
            let first = s[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b
                || first == 0x2002
                // Teredo, which tunnels to an IPv4 address of the tunnel's choosing.
                || (first == 0x2001 && s[1] == 0))
        }
    }
}

/// Why a destination was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("Linkwell could not find this server: check its name")]
    NotFound,
    #[error("This server is on a private, loopback or link-local address, which this deployment does not allow")]
    Private,
    #[error("Enter the web address of the gateway, starting https://")]
    BadAddress,
}

/// Where `host:port` reaches, checked: every address it resolves to must be public unless
/// `allow_private`. The address returned is the one to connect to, so a name that
/// resolves differently a moment later (DNS rebinding) cannot redirect the connection.
pub async fn vetted_address(host: &str, port: u16, allow_private: bool) -> Result<SocketAddr, DestinationError> {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(DestinationError::NotFound);
    }
    let found: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::time::timeout(Duration::from_secs(10), tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| DestinationError::NotFound)?
            .map_err(|_| DestinationError::NotFound)?
            .take(32)
            .collect(),
    };
    if found.is_empty() {
        return Err(DestinationError::NotFound);
    }
    if !allow_private && found.iter().any(|a| !is_public(a.ip())) {
        return Err(DestinationError::Private);
    }
    Ok(found[0])
}

/// The host and port of an SMS gateway's address, and whether it is https.
pub fn gateway_host(url: &str) -> Result<(String, u16, bool), DestinationError> {
    let u = url::Url::parse(url.trim()).map_err(|_| DestinationError::BadAddress)?;
    let https = match u.scheme() {
        "https" => true,
        "http" => false,
        _ => return Err(DestinationError::BadAddress),
    };
    if !u.username().is_empty() || u.password().is_some() {
        return Err(DestinationError::BadAddress);
    }
    let host = u.host_str().ok_or(DestinationError::BadAddress)?.to_owned();
    let port = u.port_or_known_default().ok_or(DestinationError::BadAddress)?;
    Ok((host, port, https))
}

/// How to talk to the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP: only for a relay on the same machine or network.
    None,
    StartTls,
    /// Implicit TLS (usually port 465).
    Tls,
}

impl Security {
    pub fn parse(code: &str) -> Result<Security, &'static str> {
        match code.trim() {
            "none" => Ok(Security::None),
            "starttls" => Ok(Security::StartTls),
            "tls" => Ok(Security::Tls),
            _ => Err("Select how to connect: none, STARTTLS or TLS"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    pub password: String,
    /// The sender, like `Riverside Wellbeing <wellbeing@example.org>`.
    pub from: String,
}

/// Whether `s` is a sender lettre can send from, like `Riverside Wellbeing <w@example.org>`.
pub fn valid_sender(s: &str) -> bool {
    s.parse::<lettre::message::Mailbox>().is_ok()
}

/// Send one plain-text email, to the vetted address of the organisation's server (see
/// [`vetted_address`]); TLS still checks the certificate against the server's name.
pub async fn send_email(
    smtp: &Smtp,
    allow_private: bool,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), SendError> {
    let from = smtp.from.parse().map_err(|_| SendError::Permanent("the sender address is not valid".into()))?;
    let to = to.parse().map_err(|_| SendError::Permanent("the recipient's email address is not valid".into()))?;
    let message = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|_| SendError::Permanent("the message could not be built".into()))?;
    let address = vetted_address(&smtp.host, smtp.port, allow_private).await.map_err(|e| match e {
        DestinationError::Private => {
            SendError::Permanent("the SMTP server is on an address that is not allowed".into())
        }
        _ => SendError::Temporary("could not find the SMTP server".into()),
    })?;
    let tls = |host: &str| {
        TlsParameters::new(host.to_owned())
            .map_err(|_| SendError::Permanent("the SMTP server's name is not valid".into()))
    };
    let tls = match smtp.security {
        Security::None => Tls::None,
        Security::StartTls => Tls::Required(tls(&smtp.host)?),
        Security::Tls => Tls::Wrapper(tls(&smtp.host)?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(address.ip().to_string())
        .port(address.port())
        .tls(tls)
        .timeout(Some(Duration::from_secs(20)));
    if !smtp.username.is_empty() {
        builder = builder.credentials(Credentials::new(smtp.username.clone(), smtp.password.clone()));
    }
    match builder.build().send(message).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let code = e.status().map(|c| format!(" {c}")).unwrap_or_default();
            if e.is_permanent() {
                Err(SendError::Permanent(format!("the SMTP server refused the message{code}")))
            } else if e.is_transient() {
                Err(SendError::Temporary(format!("the SMTP server asked to try later{code}")))
            } else {
                Err(SendError::Temporary("could not reach the SMTP server".into()))
            }
        }
    }
}

/// An SMS gateway with a JSON HTTP API: `POST url` with `Authorization: Bearer api_key`
/// and `{"to", "from", "body"}`; any 2xx is accepted.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    pub url: String,
    pub api_key: String,
    pub sender: String,
}

/// Send one text message, to the vetted address of the gateway, following no redirect (a
/// redirect would carry the API key wherever the gateway, or whoever took it over, says).
pub async fn send_sms(gateway: &SmsGateway, allow_private: bool, to: &str, body: &str) -> Result<(), SendError> {
    let (host, port, _) = gateway_host(&gateway.url)
        .map_err(|_| SendError::Permanent("the SMS gateway's address is not valid".into()))?;
    let address = vetted_address(&host, port, allow_private).await.map_err(|e| match e {
        DestinationError::Private => {
            SendError::Permanent("the SMS gateway is on an address that is not allowed".into())
        }
        _ => SendError::Temporary("could not find the SMS gateway".into()),
    })?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        // A proxy from the environment would connect where it likes, not to the vetted address.
        .no_proxy()
        .resolve(&host, address)
        .build()
        .map_err(|_| SendError::Temporary("the HTTP client could not start".into()))?;
    let response = client
        .post(&gateway.url)
        .bearer_auth(&gateway.api_key)
        .json(&serde_json::json!({ "to": to, "from": gateway.sender, "body": body }))
        .send()
        .await
        .map_err(|_| SendError::Temporary("could not reach the SMS gateway".into()))?;
    let status = response.status();
    match status.as_u16() {
        200..=299 => Ok(()),
        300..=399 => Err(SendError::Permanent(format!(
            "the SMS gateway answered with a redirect (HTTP {}), which is not followed",
            status.as_u16()
        ))),
        429 => Err(SendError::Temporary("the SMS gateway asked to slow down (HTTP 429)".into())),
        400..=499 => {
            Err(SendError::Permanent(format!("the SMS gateway refused the message (HTTP {})", status.as_u16())))
        }
        code => Err(SendError::Temporary(format!("the SMS gateway failed (HTTP {code})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_destinations() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "192.0.2.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "81.2.69.160", "2a00:1450:4009:81f::200e"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn names_and_addresses_are_vetted() {
        assert_eq!(vetted_address("127.0.0.1", 25, false).await, Err(DestinationError::Private));
        assert_eq!(vetted_address("localhost", 25, false).await, Err(DestinationError::Private));
        assert!(vetted_address("127.0.0.1", 25, true).await.is_ok());
        assert_eq!(vetted_address("", 25, false).await, Err(DestinationError::NotFound));
        assert_eq!(gateway_host("ftp://x"), Err(DestinationError::BadAddress));
        assert_eq!(gateway_host("https://user:pw@sms.example/send"), Err(DestinationError::BadAddress));
        assert_eq!(gateway_host("https://sms.example/send"), Ok(("sms.example".into(), 443, true)));
    }
}
