//! Hosted zones, changes and their identifiers.

use serde::{Deserialize, Serialize};

use crate::name::DomainName;

//------------ ids ---------------------------------------------------------------

pub use crate::id::{ChangeId, HostedZoneId};

/// The position of a committed change in the store's change log. Every committed change
/// gets the next one; the data plane follows the log by sequence.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ChangeSeq(pub u64);

//------------ HostedZone ------------------------------------------------------

/// A hosted zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedZone {
    /// The id.
    pub id: HostedZoneId,
    /// The apex name.
    pub name: DomainName,
    /// `CallerReference`, unique per account.
    pub caller_reference: String,
    /// `HostedZoneConfig.Comment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Whether the request carried a `HostedZoneConfig` (the response omits `Config`
    /// otherwise).
    #[serde(default)]
    pub has_config: bool,
    /// `HostedZoneConfig.PrivateZone`.
    #[serde(default)]
    pub private_zone: bool,
    /// The reusable delegation set it was created with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation_set_id: Option<String>,
    /// The name servers of its delegation set.
    #[serde(default)]
    pub name_servers: Vec<DomainName>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// How many record sets it holds (filled in by the store).
    #[serde(default)]
    pub record_set_count: u64,
}

//------------ ChangeInfo --------------------------------------------------------

/// Where a change stands: Route 53's `ChangeInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeInfo {
    /// The id.
    pub id: ChangeId,
    /// `PENDING` until every live serving node has applied it, then `INSYNC`.
    pub status: ChangeStatus,
    /// When it was committed, milliseconds since the Unix epoch.
    pub submitted_at_ms: i64,
    /// The comment given with the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `ChangeInfo.Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeStatus {
    /// Not yet applied by every live serving node.
    #[serde(rename = "PENDING")]
    Pending,
    /// Applied everywhere.
    #[serde(rename = "INSYNC")]
    InSync,
}

impl ChangeStatus {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::InSync => "INSYNC",
        }
    }
}
