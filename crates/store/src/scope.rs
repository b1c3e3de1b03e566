use linkwell_domain::OrganisationId;

/// The organisation a tenant query runs in. Every repository function over a tenant table
/// takes one, so a query without an organisation filter cannot be written by accident.
///
/// The web layer builds it from the signed-in user (or API token); the command line from
/// an organisation it has looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgScope {
    organisation_id: OrganisationId,
}

impl OrgScope {
    pub fn new(organisation_id: OrganisationId) -> Self {
        Self { organisation_id }
    }

    pub fn organisation_id(&self) -> OrganisationId {
        self.organisation_id
    }

    /// The id as bound into SQL.
    pub(crate) fn key(&self) -> String {
        self.organisation_id.to_string()
    }
}
