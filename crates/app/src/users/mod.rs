//! User administration shared by the pages and the API: one way to add a user and to issue
//! a password-reset link.

use linkwell_domain::ValidationErrors;
use linkwell_domain::identity::{Secret, UserInput, check_password_policy};
use linkwell_domain::{PracticeId, UserId};
use linkwell_store::users::{NewUser, User};
use linkwell_store::{Actor, Db, OrgScope, StoreError};

/// The users list's filters as typed; an empty field filters nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserListFields<'a> {
    /// A role code.
    pub role: &'a str,
    /// `active` or `disabled`.
    pub status: &'a str,
    /// Part of a name or email address.
    pub search: &'a str,
}

/// The longest search of the users list.
const MAX_SEARCH: usize = 100;

/// Read the users list's filters; each bad one is named.
pub fn user_filter(f: &UserListFields<'_>) -> Result<linkwell_store::users::UserFilter, ValidationErrors> {
    let mut e = ValidationErrors::new();
    let mut filter = linkwell_store::users::UserFilter::default();
    match f.role.trim() {
        "" => {}
        code => {
            filter.role = e.check(
                "role",
                code.parse::<linkwell_domain::identity::Role>().map_err(|_| "Select a role from the list"),
            )
        }
    }
    match f.status.trim() {
        "" => {}
        "active" => filter.disabled = Some(false),
        "disabled" => filter.disabled = Some(true),
        _ => e.add("status", "Select active or disabled"),
    }
    match f.search.trim() {
        "" => {}
        s if s.chars().count() > MAX_SEARCH => e.add("search", format!("Enter {MAX_SEARCH} characters or fewer")),
        s => filter.search = Some(s.to_owned()),
    }
    e.into_result().map(|()| filter)
}

/// How long a password-reset (or first sign-in) link works.
pub const RESET_LINK_HOURS: i64 = 72;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("invalid input")]
    Invalid(ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed")]
    Hashing,
    /// A change an admin may not make to their own account (another admin can).
    #[error("{0}")]
    OwnAccount(&'static str),
}

/// Give a user another role (and practice, for a referrer), if they are still at
/// `expected`. Admins cannot change their own role: another admin must.
pub async fn change_role(
    db: &Db,
    caller: &crate::Caller,
    id: UserId,
    expected: linkwell_domain::Version,
    assignment: &linkwell_domain::identity::RoleAssignment,
) -> Result<User, AdminError> {
    let user = db.user(&caller.scope(), id).await?;
    if user.id == caller.user.id {
        return Err(AdminError::OwnAccount("You cannot change your own role: ask another admin."));
    }
    check_practice(db, &caller.scope(), assignment.practice_id).await?;
    Ok(db
        .change_user_role(&caller.scope(), &caller.actor(), user.id, expected, assignment.role, assignment.practice_id)
        .await?)
}

/// Disable a user (they can no longer sign in, and their API tokens stop working), or
/// enable them again. Nobody disables their own account.
pub async fn set_disabled(
    db: &Db,
    caller: &crate::Caller,
    id: UserId,
    expected: linkwell_domain::Version,
    disabled: bool,
) -> Result<User, AdminError> {
    if id == caller.user.id && disabled {
        return Err(AdminError::OwnAccount("You cannot disable your own account."));
    }
    Ok(db.set_user_disabled(&caller.scope(), &caller.actor(), id, expected, disabled).await?)
}

/// Check that a chosen practice belongs to this organisation.
pub async fn check_practice(db: &Db, scope: &OrgScope, id: Option<PracticeId>) -> Result<(), AdminError> {
    let mut errors = ValidationErrors::new();
    check_practice_into(db, scope, id, "practice_id", &mut errors).await?;
    errors.into_result().map_err(AdminError::Invalid)
}

/// A practice named in input must be one of the organisation's (an id from a form or a
/// body can be anything); otherwise an error under `field` is added to `errors`.
pub async fn check_practice_into(
    db: &Db,
    scope: &OrgScope,
    id: Option<PracticeId>,
    field: &str,
    errors: &mut ValidationErrors,
) -> Result<(), StoreError> {
    if let Some(id) = id {
        match db.practice(scope, id).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => errors.add(field, "Select a practice from the list"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn hash(password: &str) -> Result<linkwell_domain::identity::PasswordHash, AdminError> {
    crate::identity::hash(password).await.map_err(|_| AdminError::Hashing)
}

/// Add a user who has no password yet, and return the one-time link with which they set
/// one. Admins never know anyone's password.
pub async fn add_user(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    input: UserInput,
) -> Result<(User, Secret), AdminError> {
    // An unguessable password nobody knows, until the user sets their own.
    let placeholder = Secret::generate("").expose().to_owned();
    let user = insert_user(db, scope, actor, input, hash(&placeholder).await?).await?;
    let link = issue_reset_link(db, scope, actor, user.id).await?;
    Ok((user, link))
}

/// Add a user with a password chosen on the command line (checked against the policy).
pub async fn add_user_with_password(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    input: UserInput,
    password: &str,
) -> Result<User, AdminError> {
    check_password_policy(password, input.email.as_str())
        .map_err(|e| AdminError::Invalid(ValidationErrors::single("password", e.to_string())))?;
    let hash = hash(password).await?;
    insert_user(db, scope, actor, input, hash).await
}

async fn insert_user(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    input: UserInput,
    hash: linkwell_domain::identity::PasswordHash,
) -> Result<User, AdminError> {
    check_practice(db, scope, input.practice_id).await?;
    let new = NewUser {
        email: input.email,
        display_name: input.display_name,
        role: input.role,
        practice_id: input.practice_id,
        password_hash: hash,
    };
    let user = db.create_user(scope, actor, &new).await.map_err(|e| match e {
        StoreError::Duplicate { field: "email" } => {
            AdminError::Invalid(ValidationErrors::single("email", "A user with this email address already exists"))
        }
        other => other.into(),
    })?;
    Ok(user)
}

pub async fn issue_reset_link(db: &Db, scope: &OrgScope, actor: &Actor, user: UserId) -> Result<Secret, AdminError> {
    let secret = Secret::generate("rs_");
    db.create_password_reset(scope, actor, user, &secret.hash(), RESET_LINK_HOURS * 3_600_000).await?;
    Ok(secret)
}

pub fn reset_path(secret: &Secret) -> String {
    format!("/reset-password/{}", secret.expose())
}
