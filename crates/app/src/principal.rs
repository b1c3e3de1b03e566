//! Who is asking, as every use case sees it: the signed-in user, their organisation, and
//! the request they came with (its id goes into the audit entries the use case writes).

use std::sync::Arc;

use linkwell_domain::authz::{Action, allows};
use linkwell_store::organisations::Organisation;
use linkwell_store::users::User;
use linkwell_store::{Actor, OrgScope};

/// How the principal proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    Session,
    ApiToken,
}

/// A signed-in user, loaded fresh for this request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub organisation: Organisation,
    pub via: AuthVia,
}

impl Principal {
    /// The organisation every read and write of this principal is confined to.
    pub fn scope(&self) -> OrgScope {
        OrgScope::new(self.user.organisation_id)
    }

    /// Whether the principal's role may do `action` (the role half of authorization).
    pub fn can(&self, action: Action) -> bool {
        allows(self.user.role, action)
    }

    pub fn user_id(&self) -> String {
        self.user.id.to_string()
    }
}

/// What every use case opens with: who is asking, in which organisation, and as which
/// audit actor. Pages, the API and the command line each build one and hand it over.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Arc<Principal>,
    /// The request id, kept with every audit entry the use case writes.
    pub request_id: Option<String>,
}

impl Caller {
    pub fn new(principal: Arc<Principal>, request_id: Option<String>) -> Caller {
        Caller { principal, request_id }
    }

    pub fn scope(&self) -> OrgScope {
        self.principal.scope()
    }

    pub fn actor(&self) -> Actor {
        Actor::user(self.principal.user.id, self.request_id.clone())
    }

    pub fn can(&self, action: Action) -> bool {
        self.principal.can(action)
    }
}

impl std::ops::Deref for Caller {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}
