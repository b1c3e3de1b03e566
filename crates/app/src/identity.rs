//! Signing in and passwords: the sign-in page, changing your own password and setting one
//! from a reset link. Every refused sign-in looks the same from outside — in words and in
//! time — whichever check refused it, so nobody learns which accounts exist.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::identity::{EmailAddress, PasswordHash, SecretHash, check_password_policy, hash_password};
use linkwell_store::users::{SignInAttempt, User};
use linkwell_store::{Actor, Db, OrgScope, StoreError};
use tokio::sync::Semaphore;

/// A refused sign-in answers no sooner than this after it arrived, whichever check refused
/// it and whatever it wrote, so its timing says nothing (argon2 takes well under this).
pub const FAILURE_FLOOR: Duration = Duration::from_millis(400);

/// How long a password check waits for a free slot before the server counts as too busy.
const SLOT_WAIT: Duration = Duration::from_secs(10);

/// Compared against when no account matches (or it may not be tried), so an unknown email
/// costs as much time as a known one.
static DUMMY_HASH: LazyLock<PasswordHash> =
    LazyLock::new(|| hash_password("no account has this password").unwrap_or(PasswordHash(String::new())));

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Every password-check slot stayed taken: answer "try again later", never "wrong".
    #[error("the server is too busy to check a password")]
    Busy,
    #[error("password hashing failed")]
    Hashing,
    /// Too many wrong passwords for this account from this client.
    #[error("too many wrong passwords from this client")]
    Locked,
    #[error("invalid input")]
    Invalid(ValidationErrors),
    /// A reset link that has expired, was used, or never existed.
    #[error("the reset link has expired or was used")]
    LinkExpired,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Argon2 checks, a bounded number at once across the server: each holds about 19 MiB and
/// a core, so a flood of sign-ins waits for a slot instead of exhausting both.
#[derive(Clone)]
pub struct Passwords {
    slots: Arc<Semaphore>,
}

impl Passwords {
    pub fn new(at_once: usize) -> Passwords {
        Passwords { slots: Arc::new(Semaphore::new(at_once.max(1))) }
    }

    /// Whether `password` matches `hash`, checked on a blocking thread once a slot is free.
    pub async fn verify(&self, password: &str, hash: PasswordHash) -> Result<bool, AccountError> {
        let wait = tokio::time::timeout(SLOT_WAIT, self.slots.clone().acquire_owned()).await;
        let Ok(Ok(_slot)) = wait else { return Err(AccountError::Busy) };
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || linkwell_domain::identity::verify_password(&password, &hash))
            .await
            .map_err(|_| AccountError::Busy)
    }
}

/// Hash a new password on a blocking thread (argon2 must not hold up the async threads).
pub async fn hash(password: &str) -> Result<PasswordHash, AccountError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| AccountError::Hashing)?
        .map_err(|_| AccountError::Hashing)
}

/// A sign-in as typed, with the client it came from (the lock counts per account and
/// client) and the request id for the audit trail.
pub struct SignInRequest<'a> {
    pub email: &'a EmailAddress,
    pub password: &'a str,
    pub client: &'a str,
    pub request_id: Option<String>,
}

/// Why a sign-in was refused, for the audit trail only: the person is told none of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    UnknownEmail,
    Disabled,
    Locked,
    Password,
}

/// Sign in: the user, or `None` — refused, for whatever reason, no sooner than
/// [`FAILURE_FLOOR`] after the call. A known, enabled account counts the attempt against
/// (account, client) before the password is checked, so attempts sent all at once cannot
/// outrun the lock; every attempt checks a password (the account's, or a dummy), so every
/// answer costs the same.
pub async fn sign_in(db: &Db, passwords: &Passwords, request: SignInRequest<'_>) -> Result<Option<User>, AccountError> {
    let started = tokio::time::Instant::now();
    let found = match db.user_for_sign_in(request.email).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let attempt = match &found {
        Some((user, _)) if !user.disabled => {
            Some(db.count_sign_in_attempt(&scope_of(user), user.id, request.client).await?)
        }
        _ => None,
    };
    let locked = attempt == Some(SignInAttempt::Locked);
    let hash = match &found {
        Some((_, h)) if !locked => h.clone(),
        _ => DUMMY_HASH.clone(),
    };
    let matches = passwords.verify(request.password, hash).await?;
    let refused = match &found {
        None => Some(Refused::UnknownEmail),
        Some((user, _)) if user.disabled => Some(Refused::Disabled),
        Some(_) if locked => Some(Refused::Locked),
        Some(_) if !matches => Some(Refused::Password),
        Some(_) => None,
    };
    let Some((user, _)) = found else {
        tokio::time::sleep_until(started + FAILURE_FLOOR).await;
        return Ok(None);
    };
    let actor = Actor::user(user.id, request.request_id);
    if let Some(refused) = refused {
        // Audited while the answer waits out its floor, so the writes do not hold it up.
        let db = db.clone();
        tokio::spawn(async move {
            if let Err(e) = record_refusal(&db, &actor, &user, refused, attempt).await {
                tracing::warn!(error = %e, "could not record a refused sign-in");
            }
        });
        tokio::time::sleep_until(started + FAILURE_FLOOR).await;
        return Ok(None);
    }
    let scope = scope_of(&user);
    db.record_successful_sign_in(&scope, user.id, request.client).await?;
    db.audit(&scope, &actor.event(AuditAction::SignIn, "user", user.id, None)).await?;
    Ok(Some(user))
}

fn scope_of(user: &User) -> OrgScope {
    OrgScope::new(user.organisation_id)
}

/// Audit a refused sign-in of a known account (its attempt was counted before the check),
/// and the lock the last allowed wrong password sets.
async fn record_refusal(
    db: &Db,
    actor: &Actor,
    user: &User,
    refused: Refused,
    attempt: Option<SignInAttempt>,
) -> Result<(), StoreError> {
    let reason = match refused {
        Refused::Disabled => "reason=disabled",
        Refused::Locked => "reason=locked",
        Refused::UnknownEmail | Refused::Password => "reason=password",
    };
    let scope = scope_of(user);
    db.audit(&scope, &actor.event(AuditAction::SignInFailed, "user", user.id, Some(reason.into()))).await?;
    if refused == Refused::Password && attempt == Some(SignInAttempt::Last) {
        db.audit(&scope, &actor.event(AuditAction::AccountLocked, "user", user.id, None)).await?;
    }
    Ok(())
}

/// A new password as typed twice.
pub struct NewPassword<'a> {
    pub password: &'a str,
    pub confirm: &'a str,
}

impl NewPassword<'_> {
    /// The password policy, then that both entries match, naming the field that is wrong.
    fn check(&self, email: &str, errors: &mut ValidationErrors) {
        if let Err(e) = check_password_policy(self.password, email) {
            errors.add("new_password", e.to_string());
        } else if self.password != self.confirm {
            errors.add("confirm_password", "The passwords do not match");
        }
    }
}

/// Change your own password. A wrong current password counts like a failed sign-in (the
/// same lock for this account from this client), so a session left open is not a way to
/// guess it. The change ends every other session and revokes the user's API tokens; the
/// changed user is returned so the caller's own session can carry on with it.
pub async fn change_own_password(
    db: &Db,
    passwords: &Passwords,
    caller: &crate::Caller,
    client: &str,
    current: &str,
    new: NewPassword<'_>,
) -> Result<User, AccountError> {
    let (scope, actor, me) = (caller.scope(), caller.actor(), caller.user.id);
    // Counted before the check, like a sign-in: guesses sent at once cannot outrun the lock.
    let attempt = db.count_sign_in_attempt(&scope, me, client).await?;
    if attempt == SignInAttempt::Locked {
        return Err(AccountError::Locked);
    }
    let email = EmailAddress::parse(&caller.user.email).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let (_, current_hash) = db.user_for_sign_in(&email).await?;
    let mut errors = ValidationErrors::new();
    if passwords.verify(current, current_hash).await? {
        db.record_successful_sign_in(&scope, me, client).await?;
    } else {
        errors.add("current_password", "Your current password is not correct");
        db.audit(&scope, &actor.event(AuditAction::SignInFailed, "user", me, Some("reason=password_change".into())))
            .await?;
        if attempt == SignInAttempt::Last {
            db.audit(&scope, &actor.event(AuditAction::AccountLocked, "user", me, None)).await?;
        }
    }
    new.check(&caller.user.email, &mut errors);
    errors.into_result().map_err(AccountError::Invalid)?;
    Ok(db.set_password(&scope, &actor, me, &hash(new.password).await?).await?)
}

/// The user a reset link (its token as given) belongs to, while it can still be used.
pub async fn reset_link_user(db: &Db, token: &str) -> Result<User, AccountError> {
    match db.password_reset_user(&SecretHash::of(token)).await {
        Ok(user) => Ok(user),
        Err(StoreError::NotFound) => Err(AccountError::LinkExpired),
        Err(e) => Err(e.into()),
    }
}

/// Set a password from a reset link; the link is used up with it.
pub async fn reset_password(db: &Db, token: &str, new: NewPassword<'_>) -> Result<User, AccountError> {
    let user = reset_link_user(db, token).await?;
    let mut errors = ValidationErrors::new();
    new.check(&user.email, &mut errors);
    errors.into_result().map_err(AccountError::Invalid)?;
    match db.complete_password_reset(&SecretHash::of(token), &hash(new.password).await?).await {
        Ok(user) => Ok(user),
        Err(StoreError::NotFound) => Err(AccountError::LinkExpired),
        Err(e) => Err(e.into()),
    }
}
