//! Who people are in Linkwell: roles, sign-in names, passwords and API tokens.

mod email;
mod password;
mod role;
mod secret;

pub use email::{EmailAddress, EmailError};
pub use password::{PasswordError, PasswordHash, check_password_policy, hash_password, verify_password};
pub use role::{Role, RoleError};
pub use secret::{Secret, SecretHash};

/// Failed sign-ins allowed before an account is locked for a while.
pub const MAX_FAILED_SIGN_INS: i64 = 5;
/// How long an account stays locked after too many failed sign-ins, in minutes.
pub const LOCKOUT_MINUTES: i64 = 15;

use crate::PracticeId;
use crate::validation::{ValidationErrors, required_text};

/// The validated fields of a new user, as entered on the add-user form, in the API or on
/// the command line. Whether the practice exists is for storage to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInput {
    pub display_name: String,
    pub email: EmailAddress,
    pub role: Role,
    pub practice_id: Option<PracticeId>,
}

impl UserInput {
    pub fn parse(display_name: &str, email: &str, role: &str, practice_id: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let display_name = errors.check("display_name", required_text("the person's full name", display_name, 100));
        let email = errors.check("email", EmailAddress::parse(email));
        let assignment = RoleAssignment::check(role, practice_id, &mut errors);
        match (display_name, email, assignment) {
            (Some(display_name), Some(email), Some(a)) if errors.is_empty() => {
                Ok(UserInput { display_name, email, role: a.role, practice_id: a.practice_id })
            }
            _ => Err(errors),
        }
    }
}

/// A role, with the practice a referrer refers for (and no practice for other roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleAssignment {
    pub role: Role,
    pub practice_id: Option<PracticeId>,
}

impl RoleAssignment {
    pub fn parse(role: &str, practice_id: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        match Self::check(role, practice_id, &mut errors) {
            Some(a) if errors.is_empty() => Ok(a),
            _ => Err(errors),
        }
    }

    fn check(role: &str, practice_id: &str, errors: &mut ValidationErrors) -> Option<Self> {
        let role = errors.check("role", role.parse::<Role>());
        let practice_id = match practice_id.trim() {
            "" => None,
            s => errors.check("practice_id", s.parse::<PracticeId>().map_err(|_| "Select a practice from the list")),
        };
        if role.is_some_and(Role::needs_practice) && practice_id.is_none() && errors.for_field("practice_id").is_none()
        {
            errors.add("practice_id", "Select the practice this referrer refers for");
        }
        // Only referrers are bound to a practice.
        role.map(|role| RoleAssignment { role, practice_id: if role.needs_practice() { practice_id } else { None } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_input_names_every_bad_field() {
        let e = UserInput::parse("", "nope", "wizard", "").unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["display_name", "email", "role"]);
        let e = UserInput::parse("Dr Ada Khan", "ada@example.org", "referrer", "").unwrap_err();
        assert_eq!(e.for_field("practice_id"), Some("Select the practice this referrer refers for"));
        let ok = UserInput::parse(" Sam ", "SAM@x.org", "link worker", "").unwrap();
        assert_eq!((ok.display_name.as_str(), ok.email.as_str(), ok.role), ("Sam", "sam@x.org", Role::LinkWorker));
    }
}
