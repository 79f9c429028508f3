//! The change log: every logged write appends one row, in the transaction that writes.
//!
//! A row names its subject (`subject_kind`, `subject_id`) so the data plane reloads only
//! that; for a change batch it also lists the names touched.

use cairn_model::{ChangeId, ChangeInfo, ChangeStatus, DomainName, HealthCheckId, HostedZoneId};

use super::conn::{params, Conn};
use super::error::map_err;
use super::ids::{new_route53_id, now_ms};
use super::json::{from_json, to_json};
use crate::error::{StoreError, StoreResult};
use crate::feed::ChangeSubject;

/// What one change-log row says: its subject, the request's comment and, for a change
/// batch, the only names whose record sets changed.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    subject: ChangeSubject,
    comment: Option<String>,
    names: Option<Vec<DomainName>>,
}

impl Entry {
    /// A hosted zone created, changed (whole) or deleted.
    pub(crate) fn zone(id: &HostedZoneId) -> Self {
        Self::new(ChangeSubject::HostedZone(id.clone()))
    }

    /// Networks changed; `what` is for logs.
    pub(crate) fn network(what: String) -> Self {
        Self::new(ChangeSubject::Network(what))
    }

    /// A CIDR collection created, changed or deleted.
    pub(crate) fn cidr_collection(id: &str) -> Self {
        Self::new(ChangeSubject::CidrCollection(id.to_string()))
    }

    /// The DNS Firewall changed; `what` is for logs.
    pub(crate) fn firewall(what: String) -> Self {
        Self::new(ChangeSubject::Firewall(what))
    }

    /// A health check's status flipped.
    pub(crate) fn health_check(id: &str) -> Self {
        Self::new(ChangeSubject::HealthCheck(HealthCheckId::new(id)))
    }

    fn new(subject: ChangeSubject) -> Self {
        Self {
            subject,
            comment: None,
            names: None,
        }
    }

    /// With the request's comment (`ChangeInfo.Comment`).
    pub(crate) fn with_comment(mut self, comment: Option<String>) -> Self {
        self.comment = comment;
        self
    }

    /// Only the record sets at `names` changed.
    pub(crate) fn with_names(mut self, names: Vec<DomainName>) -> Self {
        self.names = Some(names);
        self
    }
}

/// The `subject_kind` column for each subject, and its `subject_id`.
fn subject_columns(subject: &ChangeSubject) -> (&'static str, &str) {
    match subject {
        ChangeSubject::HostedZone(zone) => ("hostedzone", zone.as_str()),
        ChangeSubject::HealthCheck(id) => ("healthcheck", id.as_str()),
        ChangeSubject::Network(what) => ("network", what.as_str()),
        ChangeSubject::CidrCollection(id) => ("cidrcollection", id.as_str()),
        ChangeSubject::Firewall(what) => ("firewall", what.as_str()),
    }
}

/// The subject a row's `subject_kind` and `subject_id` name.
pub(crate) fn subject_from_columns(kind: &str, id: String) -> StoreResult<ChangeSubject> {
    Ok(match kind {
        "hostedzone" => ChangeSubject::HostedZone(HostedZoneId::new(id)),
        "healthcheck" => ChangeSubject::HealthCheck(HealthCheckId::new(id)),
        "network" => ChangeSubject::Network(id),
        "cidrcollection" => ChangeSubject::CidrCollection(id),
        "firewall" => ChangeSubject::Firewall(id),
        other => {
            return Err(StoreError::Corrupt(format!(
                "unknown change subject {other:?}"
            )))
        }
    })
}

/// The names column read back.
pub(crate) fn parse_names(json: &str) -> StoreResult<Vec<DomainName>> {
    from_json(json)
}

/// Appends `entry` to the change log and returns its `ChangeInfo` (`PENDING`).
pub(crate) fn append(tx: &Conn<'_>, entry: &Entry) -> StoreResult<ChangeInfo> {
    let id = ChangeId::new(new_route53_id('C'));
    let submitted_at_ms = now_ms();
    let (kind, subject_id) = subject_columns(&entry.subject);
    let names = entry.names.as_ref().map(to_json).transpose()?;
    tx.execute(
        "INSERT INTO changes (id, subject_kind, subject_id, comment, submitted_at_ms, names) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.as_str(), kind, subject_id, entry.comment, submitted_at_ms, names],
    )
    .map_err(map_err)?;
    Ok(ChangeInfo {
        id,
        status: ChangeStatus::Pending,
        submitted_at_ms,
        comment: entry.comment.clone(),
    })
}
