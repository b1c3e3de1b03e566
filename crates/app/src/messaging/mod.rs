//! Messages to people: composing a session's reminder and the outbox sender
//! (`reminders`), and the organisation's messaging settings and outbox (`settings`).

pub mod reminders;
pub mod settings;
