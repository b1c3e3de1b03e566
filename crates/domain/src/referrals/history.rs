//! What a referral's history records: each step, with the facts that go with it (whom it
//! was given to, how contact was tried, by how much the follow-ups were extended, why
//! support ended) — never the person's words.
//!
//! A step is stored as its code and its facts as `key=value` words (`accepted`,
//! `worker=…`); this is the one place that writes and reads that form.

use super::{ContactOutcome, DischargeReason};
use crate::UserId;
use crate::people::ContactChannel;

/// One step in a referral's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryEvent {
    Accepted {
        worker: UserId,
    },
    Reassigned {
        worker: UserId,
    },
    Declined,
    Redirected,
    /// An attempt to reach the person: how, and what happened.
    ContactAttempt {
        channel: ContactChannel,
        outcome: ContactOutcome,
    },
    /// The person was reached some other way (they called back, came to a session).
    ContactMade,
    FollowUpsExtended {
        extra: u32,
    },
    Discharged {
        reason: DischargeReason,
    },
}

/// A stored step that does not read back (a code or fact this version does not know).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("referral history: {0}")]
pub struct UnreadableEvent(String);

impl HistoryEvent {
    /// The stored code.
    pub fn code(&self) -> &'static str {
        match self {
            HistoryEvent::Accepted { .. } => "accepted",
            HistoryEvent::Reassigned { .. } => "reassigned",
            HistoryEvent::Declined => "declined",
            HistoryEvent::Redirected => "redirected",
            HistoryEvent::ContactAttempt { outcome, .. } if outcome.reached() => "contact_attempt_reached",
            HistoryEvent::ContactAttempt { .. } => "contact_attempt_failed",
            HistoryEvent::ContactMade => "contact_made",
            HistoryEvent::FollowUpsExtended { .. } => "follow_ups_extended",
            HistoryEvent::Discharged { .. } => "discharged",
        }
    }

    /// The stored facts: `key=value` words.
    pub fn facts(&self) -> String {
        match self {
            HistoryEvent::Accepted { worker } | HistoryEvent::Reassigned { worker } => format!("worker={worker}"),
            HistoryEvent::ContactAttempt { channel, outcome } => {
                format!("channel={} outcome={}", channel.code(), outcome.code())
            }
            HistoryEvent::FollowUpsExtended { extra } => format!("extra={extra}"),
            HistoryEvent::Discharged { reason } => format!("reason={}", reason.code()),
            HistoryEvent::Declined | HistoryEvent::Redirected | HistoryEvent::ContactMade => String::new(),
        }
    }

    /// A step read back from its code and facts.
    pub fn parse(code: &str, facts: &str) -> Result<HistoryEvent, UnreadableEvent> {
        let fact = |key: &str| {
            facts
                .split(' ')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .ok_or_else(|| UnreadableEvent(format!("{code} without {key}")))
        };
        let bad = |what: &str| UnreadableEvent(format!("{code}: {what}"));
        let worker = || fact("worker")?.parse::<UserId>().map_err(|_| bad("worker"));
        let attempt = || -> Result<HistoryEvent, UnreadableEvent> {
            Ok(HistoryEvent::ContactAttempt {
                channel: ContactChannel::parse(fact("channel")?).map_err(|_| bad("channel"))?,
                outcome: ContactOutcome::parse(fact("outcome")?).map_err(|_| bad("outcome"))?,
            })
        };
        Ok(match code {
            "accepted" => HistoryEvent::Accepted { worker: worker()? },
            "reassigned" => HistoryEvent::Reassigned { worker: worker()? },
            "declined" => HistoryEvent::Declined,
            "redirected" => HistoryEvent::Redirected,
            "contact_attempt_reached" | "contact_attempt_failed" => attempt()?,
            "contact_made" => HistoryEvent::ContactMade,
            "follow_ups_extended" => {
                HistoryEvent::FollowUpsExtended { extra: fact("extra")?.parse().map_err(|_| bad("extra"))? }
            }
            "discharged" => {
                HistoryEvent::Discharged { reason: DischargeReason::parse(fact("reason")?).map_err(|_| bad("reason"))? }
            }
            other => return Err(UnreadableEvent(format!("unknown step {other}"))),
        })
    }

    /// The worker the step gave the case to, if it did.
    pub fn worker(&self) -> Option<UserId> {
        match self {
            HistoryEvent::Accepted { worker } | HistoryEvent::Reassigned { worker } => Some(*worker),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_reads_back_as_written() {
        let worker = UserId::new();
        let mut steps = vec![
            HistoryEvent::Accepted { worker },
            HistoryEvent::Reassigned { worker },
            HistoryEvent::Declined,
            HistoryEvent::Redirected,
            HistoryEvent::ContactMade,
            HistoryEvent::FollowUpsExtended { extra: 2 },
        ];
        for &channel in ContactChannel::ALL {
            for &outcome in ContactOutcome::ALL {
                steps.push(HistoryEvent::ContactAttempt { channel, outcome });
            }
        }
        steps.extend(DischargeReason::ALL.map(|reason| HistoryEvent::Discharged { reason }));
        for step in steps {
            assert_eq!(HistoryEvent::parse(step.code(), &step.facts()), Ok(step));
        }
    }

    #[test]
    fn what_does_not_read_back_says_so() {
        for (code, facts) in [
            ("accepted", ""),
            ("accepted", "worker=nobody"),
            ("contact_attempt_failed", "channel=pigeon outcome=no_answer"),
            ("follow_ups_extended", "extra=-1"),
            ("discharged", "reason=bored"),
            ("teleported", ""),
        ] {
            assert!(HistoryEvent::parse(code, facts).is_err(), "{code} {facts}");
        }
    }
}
