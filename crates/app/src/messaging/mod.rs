//! Messages to people: composing a session's reminder and the outbox sender.

pub mod reminders;
