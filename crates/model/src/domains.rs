//! Route 53 Domains for the installation's own TLDs (issue 14): a registered domain, its
//! contacts and name servers, and the operations that changed it.
//!
//! Cairn is the registry and the registrar of each `--registry-tld`: registering a domain
//! records it here, and the API writes its delegation (NS, glue, DS) into the TLD's zone.
//! Operations complete at once (`SUCCESSFUL`), so they are records of what was done.

use serde::{Deserialize, Serialize};

/// The caller reference every registry TLD zone is created with (`cairn-registry:<tld>`):
/// it marks the zone as Cairn's own, kept out of the user's hosted-zone calls.
pub const REGISTRY_ZONE_REFERENCE_PREFIX: &str = "cairn-registry:";

/// Whether a hosted zone with this caller reference is a registry TLD zone.
pub fn is_registry_zone_reference(caller_reference: &str) -> bool {
    caller_reference.starts_with(REGISTRY_ZONE_REFERENCE_PREFIX)
}

/// A `ContactDetail`. Every member is optional on the wire; Cairn keeps what it was given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Members in their wire names (`FirstName`, `Email`, …), text values only.
    pub fields: Vec<(String, String)>,
    /// `ExtraParams` as (`Name`, `Value`).
    #[serde(default)]
    pub extra_params: Vec<(String, String)>,
}

/// One `Nameserver`: a name and its glue addresses (needed when it is inside the domain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nameserver {
    /// The server's name, without the trailing dot.
    pub name: String,
    /// `GlueIps`: at most one IPv4 and one IPv6 address.
    #[serde(default)]
    pub glue_ips: Vec<String>,
}

/// A domain registered under one of the installation's TLDs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredDomain {
    /// The name, lower case, without the trailing dot (`example.test`).
    pub name: String,
    /// The 12-digit account that registered it.
    pub account: String,
    /// The hosted zone RegisterDomain created for it (`Z…`), if one was.
    pub hosted_zone_id: Option<String>,
    /// The registered name servers (the TLD zone's delegation).
    pub nameservers: Vec<Nameserver>,
    /// `AutoRenew`.
    pub auto_renew: bool,
    /// `clientTransferProhibited` in the status list.
    pub transfer_lock: bool,
    /// Admin, registrant, tech and billing contacts.
    pub admin: Contact,
    /// The registrant.
    pub registrant: Contact,
    /// The technical contact.
    pub tech: Contact,
    /// The billing contact (Route 53 copies the admin contact when none is given).
    pub billing: Contact,
    /// Privacy protection of the admin, registrant, tech and billing contacts.
    pub privacy: [bool; 4],
    /// When it was registered, ms since the epoch.
    pub created_ms: i64,
    /// When it last changed, ms since the epoch.
    pub updated_ms: i64,
    /// When the registration expires, ms since the epoch.
    pub expires_ms: i64,
}

/// What a domain operation did (`OperationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationType {
    /// RegisterDomain.
    RegisterDomain,
    /// DeleteDomain.
    DeleteDomain,
    /// UpdateDomainContact.
    UpdateDomainContact,
    /// UpdateDomainNameservers.
    UpdateNameserver,
    /// Enable/DisableDomainTransferLock.
    DomainLock,
    /// EnableDomainAutoRenew (Route 53 reports no operation id for it).
    EnableAutorenew,
    /// DisableDomainAutoRenew.
    DisableAutorenew,
}

impl OperationType {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RegisterDomain => "REGISTER_DOMAIN",
            Self::DeleteDomain => "DELETE_DOMAIN",
            Self::UpdateDomainContact => "UPDATE_DOMAIN_CONTACT",
            Self::UpdateNameserver => "UPDATE_NAMESERVER",
            Self::DomainLock => "DOMAIN_LOCK",
            Self::EnableAutorenew => "ENABLE_AUTORENEW",
            Self::DisableAutorenew => "DISABLE_AUTORENEW",
        }
    }

    /// The type named by its wire text.
    pub fn from_wire(text: &str) -> Option<Self> {
        [
            Self::RegisterDomain,
            Self::DeleteDomain,
            Self::UpdateDomainContact,
            Self::UpdateNameserver,
            Self::DomainLock,
            Self::EnableAutorenew,
            Self::DisableAutorenew,
        ]
        .into_iter()
        .find(|t| t.as_str() == text)
    }
}

/// One operation on a domain. Cairn completes each when it is submitted, so its status is
/// always `SUCCESSFUL`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainOperation {
    /// `OperationId`, a UUID.
    pub id: String,
    /// The account that asked.
    pub account: String,
    /// The domain.
    pub domain: String,
    /// `Type`.
    pub kind: OperationType,
    /// When it was submitted (and completed), ms since the epoch.
    pub submitted_ms: i64,
}

impl DomainOperation {
    /// `Status`: every Cairn operation has completed by the time its id is returned.
    pub const STATUS: &'static str = "SUCCESSFUL";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_types_round_trip_their_wire_text() {
        for kind in [
            OperationType::RegisterDomain,
            OperationType::DeleteDomain,
            OperationType::UpdateDomainContact,
            OperationType::UpdateNameserver,
            OperationType::DomainLock,
            OperationType::EnableAutorenew,
            OperationType::DisableAutorenew,
        ] {
            assert_eq!(OperationType::from_wire(kind.as_str()), Some(kind));
        }
        assert_eq!(OperationType::from_wire("TRANSFER_IN_DOMAIN"), None);
    }

    #[test]
    fn registry_zones_are_known_by_their_caller_reference() {
        assert!(is_registry_zone_reference("cairn-registry:test"));
        assert!(!is_registry_zone_reference("RISWorkflow-RD:1234"));
    }
}
