//! Who belongs to a group and how they are told: signing up (by prescription, from the
//! public directory, a walk-in, or added by staff), leaving, taking a place offered from
//! the waiting list, and moving or cancelling one session. Every message carries a link of
//! its own to `/group-links/{secret}`, where the member can leave (and take a place
//! offered) without signing in.

use jiff::Timestamp;
use linkwell_domain::groups::members::{JoinRoute, MemberChannel, MemberFields, MemberStatus, NewMember};
use linkwell_domain::groups::sessions::{SessionChange, SessionChangeFields};
use linkwell_domain::identity::{Secret, SecretHash};
use linkwell_domain::ids::{GroupMemberId, GroupSessionId};
use linkwell_domain::people::ContactChannel;
use linkwell_domain::time::{display_london, display_london_date, from_millis, london};
use linkwell_domain::{PrescriptionId, ServiceId, ValidationErrors, Version};
use linkwell_store::group_members::{Joining, Member, Notice};
use linkwell_store::groups::GroupSession;
use linkwell_store::people::Person;
use linkwell_store::{Actor, Db, OrgScope, StoreError, now_ms};

use crate::Caller;
use crate::casework::CaseError;

/// The path of a member's link, under the service's public address.
pub fn link_path(secret: &Secret) -> String {
    format!("/group-links/{}", secret.expose())
}

/// What a message says of the group: who sends it, its name, and where the link goes.
pub(crate) struct Letterhead {
    organisation: String,
    group: String,
    /// The service's public address, such as `https://linkwell.example.org`.
    base_url: String,
}

impl Letterhead {
    pub(crate) async fn of(
        db: &Db,
        scope: &OrgScope,
        service: ServiceId,
        base_url: &str,
    ) -> Result<Letterhead, StoreError> {
        Ok(Letterhead {
            organisation: db.organisation(scope).await?.name,
            group: db.service(scope, service).await?.name,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    fn link(&self, secret: &Secret) -> String {
        format!("{}{}", self.base_url, link_path(secret))
    }

    /// The message that tells someone they joined, or are on the waiting list.
    pub(crate) fn welcome(&self, m: &Member, secret: &Secret) -> Notice {
        let (subject, body) = match m.status {
            MemberStatus::Waiting => (
                format!("You are on the waiting list for {}", self.group),
                format!(
                    "From {}: {} is full at the moment, so you are on its waiting list. We will send you a message as soon as a place is free. To leave the waiting list: {}",
                    self.organisation,
                    self.group,
                    self.link(secret)
                ),
            ),
            _ => (
                format!("Welcome to {}", self.group),
                // No name: what someone typed on the public form is never sent back out
                // in the organisation's name.
                format!(
                    "From {}: you are a member of {}. To leave the group at any time: {}",
                    self.organisation,
                    self.group,
                    self.link(secret)
                ),
            ),
        };
        Notice { subject, body, purpose: "group_joined" }
    }

    /// The message that offers a freed place.
    fn offer(&self, m: &Member, secret: &Secret) -> Notice {
        let until = m.offer_expires_at.map(|t| display_london(from_millis(t))).unwrap_or_default();
        Notice {
            subject: format!("A place is free in {}", self.group),
            body: format!(
                "From {}: a place is free in {} and is held for you until {until}. To take it, or to leave the waiting list: {}",
                self.organisation,
                self.group,
                self.link(secret)
            ),
            purpose: "group_place_offered",
        }
    }

    /// The message after a session to a member who came: how was it (a link that works
    /// once), and how to leave.
    pub(crate) fn follow_up(&self, s: &GroupSession, feedback: &Secret, own: &Secret) -> Notice {
        let date = display_london_date(s.on_date);
        Notice {
            subject: format!("How was {} on {date}?", self.group),
            body: format!(
                "From {}: thank you for coming to {} on {date}. How was it? Tell us in a minute (the link works once, for {} days): {}{} To leave the group: {}",
                self.organisation,
                self.group,
                linkwell_domain::groups::feedback::LINK_DAYS,
                self.base_url,
                super::feedback::link_path(feedback),
                self.link(own)
            ),
            purpose: "group_follow_up",
        }
    }

    /// The message that tells a member one session moved or is cancelled.
    fn session_changed(&self, s: &GroupSession, secret: &Secret) -> Notice {
        let date = display_london_date(s.on_date);
        let why = if s.reason.is_empty() { String::new() } else { format!(" ({})", s.reason) };
        let (subject, news, purpose) = match s.status {
            linkwell_store::groups::GroupSessionStatus::Cancelled => (
                format!("{} on {date} is cancelled", self.group),
                format!("{} on {date} is cancelled{why}.", self.group),
                "group_session_cancelled",
            ),
            _ => {
                let time = |t: i64| from_millis(t).to_zoned(london()).strftime("%H:%M").to_string();
                let place = if s.venue.is_empty() { "the usual place".to_owned() } else { s.venue.clone() };
                (
                    format!("{} on {date} has moved", self.group),
                    format!(
                        "{} on {date} has moved{why}: it is now {} to {} at {place}.",
                        self.group,
                        time(s.starts_at),
                        time(s.ends_at)
                    ),
                    "group_session_moved",
                )
            }
        };
        let body = format!("From {}: {news} To leave the group: {}", self.organisation, self.link(secret));
        Notice { subject, body, purpose }
    }
}

/// Add someone to the group on `service` as staff: a walk-in on the day or someone the
/// team adds. They get a place if one is free, else the waiting list.
pub async fn add_member(
    db: &Db,
    caller: &Caller,
    service: ServiceId,
    fields: &MemberFields,
    walk_in: bool,
    base_url: &str,
) -> Result<Member, CaseError> {
    let scope = caller.scope();
    db.group(&scope, service).await?;
    let member = NewMember::parse(fields, false).map_err(CaseError::Invalid)?;
    let route = if walk_in { JoinRoute::WalkIn } else { JoinRoute::Staff };
    let head = Letterhead::of(db, &scope, service, base_url).await?;
    let joining = Joining { member: &member, route, person: None, once_per_contact: false };
    Ok(db.join_group(&scope, &caller.actor(), service, &joining, &|m, s| head.welcome(m, s)).await?)
}

/// Why joining from the public directory was refused, for the page to say.
#[derive(Debug, thiserror::Error)]
pub enum PublicJoinError {
    /// The listing is not a group people may join themselves (or does not exist).
    #[error("not open to join")]
    NotOpen,
    /// The group is paused: it takes nobody new until it runs again.
    #[error("paused")]
    Paused,
    #[error("invalid")]
    Invalid(ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Someone joins the group on `service` from the public directory: a first name, a
/// contact and their consent. They are not a referral and no person record is made. The
/// answer is the same whether or not that contact is already in the group: the public
/// learn nothing of who is.
pub async fn join_from_directory(
    db: &Db,
    scope: &OrgScope,
    service: ServiceId,
    fields: &MemberFields,
    base_url: &str,
) -> Result<(), PublicJoinError> {
    let group = match db.group(scope, service).await {
        Ok(g) => g,
        Err(StoreError::NotFound) => return Err(PublicJoinError::NotOpen),
        Err(e) => return Err(e.into()),
    };
    let listing = db.service(scope, service).await?;
    if !group.settings.public_join {
        return Err(PublicJoinError::NotOpen);
    }
    if !listing.status.is_active() {
        return Err(PublicJoinError::Paused);
    }
    let member = NewMember::parse(fields, true).map_err(PublicJoinError::Invalid)?;
    let head = Letterhead::of(db, scope, service, base_url).await?;
    // Someone in already is told so, under the same lock and with the same writes as a
    // sign-up: neither the page nor its timing says which it was.
    let joining = Joining { member: &member, route: JoinRoute::Public, person: None, once_per_contact: true };
    db.join_group(scope, &Actor::system(), service, &joining, &|m, s| head.welcome(m, s)).await?;
    Ok(())
}

/// A social prescription to one of the team's groups signs the person up (once: someone
/// already in the group stays as they are). Returns whether `service` is a group.
pub async fn prescribed(
    db: &Db,
    caller: &Caller,
    service: ServiceId,
    person: &Person,
    prescription: PrescriptionId,
    base_url: &str,
) -> Result<bool, StoreError> {
    let scope = caller.scope();
    match db.group(&scope, service).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    }
    let channel = match (person.preferred_channel, &person.phone, &person.email) {
        (ContactChannel::Sms, Some(_), _) | (_, Some(_), None) => MemberChannel::Sms,
        _ => MemberChannel::Email,
    };
    // Group messages go by text or email only; someone who asked for calls or letters is
    // not messaged automatically.
    let by_message = matches!(person.preferred_channel, ContactChannel::Sms | ContactChannel::Email);
    let member = NewMember {
        first_name: person.given_name.clone(),
        last_initial: person
            .family_name
            .chars()
            .find(|c| c.is_alphabetic())
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default(),
        email: person.email.clone(),
        phone: person.phone.clone(),
        channel,
        consent_contact: person.consent_contact && by_message,
        access_needs: !person.access_needs.trim().is_empty(),
        emergency_contact: None,
    };
    let head = Letterhead::of(db, &scope, service, base_url).await?;
    let joining = Joining {
        member: &member,
        route: JoinRoute::Prescription,
        person: Some((person.id, prescription)),
        once_per_contact: false,
    };
    match db.join_group(&scope, &caller.actor(), service, &joining, &|m, s| head.welcome(m, s)).await {
        Ok(_) | Err(StoreError::Duplicate { .. }) => Ok(true),
        Err(e) => Err(e),
    }
}

/// The group's members, offers and waiting list.
pub async fn members(db: &Db, caller: &Caller, service: ServiceId) -> Result<Vec<Member>, CaseError> {
    let scope = caller.scope();
    db.group(&scope, service).await?;
    Ok(db.group_members(&scope, service).await?)
}

/// Staff take `member` out of the group on `service`; a place freed is offered on.
pub async fn remove_member(
    db: &Db,
    caller: &Caller,
    service: ServiceId,
    member: GroupMemberId,
    base_url: &str,
) -> Result<Member, CaseError> {
    let scope = caller.scope();
    let m = db.group_member(&scope, member).await?;
    if m.service_id != service {
        return Err(CaseError::NotFound);
    }
    let head = Letterhead::of(db, &scope, service, base_url).await?;
    Ok(db.leave_group(&scope, &caller.actor(), member, "Taken off by the team", &|m, s| head.offer(m, s)).await?)
}

/// The member a message's link was made for, with their group's name; `None` for a link
/// that was never made.
pub async fn by_link(db: &Db, secret: &str) -> Result<Option<(OrgScope, Member, String)>, StoreError> {
    let Some((scope, member)) = db.group_member_by_link(&SecretHash::of(secret)).await? else { return Ok(None) };
    let name = db.service(&scope, member.service_id).await?.name;
    Ok(Some((scope, member, name)))
}

/// The member leaves by their link. Leaving twice leaves once.
pub async fn leave_by_link(db: &Db, secret: &str, base_url: &str) -> Result<Option<Member>, StoreError> {
    let Some((scope, member, _)) = by_link(db, secret).await? else { return Ok(None) };
    let head = Letterhead::of(db, &scope, member.service_id, base_url).await?;
    let left =
        db.leave_group(&scope, &Actor::system(), member.id, "Left by their link", &|m, s| head.offer(m, s)).await?;
    Ok(Some(left))
}

/// The member takes the place offered to them by their link: `Conflict` once the offer
/// has lapsed.
pub async fn take_place_by_link(db: &Db, secret: &str) -> Result<Option<Member>, StoreError> {
    let Some((scope, member, _)) = by_link(db, secret).await? else { return Ok(None) };
    Ok(Some(db.take_offered_place(&scope, &Actor::system(), member.id).await?))
}

/// Offer whatever places are free in the group on `service` to those waiting (after its
/// capacity grew): each is told by a message with the link to take it.
pub async fn offer_free_places(
    db: &Db,
    scope: &OrgScope,
    service: ServiceId,
    base_url: &str,
) -> Result<usize, StoreError> {
    let head = Letterhead::of(db, scope, service, base_url).await?;
    db.offer_free_places(scope, service, &|m, s| head.offer(m, s)).await
}

/// Offers lapsed in one round of [`lapse_offers`]; the rest wait for the next round.
const OFFERS_A_ROUND: usize = 200;

/// Let offers past their time at `now` lapse and offer each place on; returns how many
/// lapsed.
pub async fn lapse_offers(db: &Db, base_url: &str, now: i64) -> Result<usize, StoreError> {
    let mut lapsed = 0;
    for (scope, service, member) in db.group_offers_due(now, OFFERS_A_ROUND).await? {
        let lapse = async {
            let head = Letterhead::of(db, &scope, service, base_url).await?;
            db.lapse_group_offer(&scope, service, member, now, &|m, s| head.offer(m, s)).await
        };
        // One group's trouble does not hold up every other's offers.
        match lapse.await {
            Ok(done) => lapsed += usize::from(done),
            Err(e) => tracing::warn!(error = %e, "an offer of a place could not be lapsed"),
        }
    }
    Ok(lapsed)
}

/// Move or cancel one session of the group on `service` that has not started, at the
/// version read, and tell each member once. Returns the session and how many were told.
pub async fn change_session(
    db: &Db,
    caller: &Caller,
    service: ServiceId,
    session: GroupSessionId,
    version: Version,
    fields: &SessionChangeFields,
    base_url: &str,
) -> Result<(GroupSession, usize), CaseError> {
    let scope = caller.scope();
    let s = db.group_session(&scope, session).await?;
    if s.service_id != service {
        return Err(CaseError::NotFound);
    }
    if s.starts_at <= now_ms() {
        let why = "This session has started: only sessions to come can be moved or cancelled";
        return Err(CaseError::Invalid(ValidationErrors::single("action", why)));
    }
    let change = SessionChange::parse(fields, s.on_date, from_millis(s.starts_at), from_millis(s.ends_at))
        .map_err(CaseError::Invalid)?;
    if let SessionChange::Move { at, .. } = &change
        && at.starts_at <= Timestamp::now()
    {
        return Err(CaseError::Invalid(ValidationErrors::single("starts", "Enter a time still to come")));
    }
    let head = Letterhead::of(db, &scope, service, base_url).await?;
    let after = match &change {
        SessionChange::Move { at, venue, reason } => GroupSession {
            starts_at: at.starts_at.as_millisecond(),
            ends_at: at.ends_at.as_millisecond(),
            venue: venue.clone(),
            reason: reason.clone(),
            status: linkwell_store::groups::GroupSessionStatus::Moved,
            ..s.clone()
        },
        SessionChange::Cancel { reason } => GroupSession {
            reason: reason.clone(),
            status: linkwell_store::groups::GroupSessionStatus::Cancelled,
            ..s.clone()
        },
    };
    let notice = move |_: &Member, secret: &Secret| head.session_changed(&after, secret);
    Ok(db.change_group_session(&scope, &caller.actor(), session, version, &change, &notice).await?)
}
