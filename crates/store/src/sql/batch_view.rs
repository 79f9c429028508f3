//! The read-only view the change-batch rules
//! ([`cairn_model::change::check_change_batch`]) take, over the transaction that writes the
//! batch: the rules live in the model, the store only answers their lookups.

use cairn_model::change::BatchView;
use cairn_model::cidr::CidrCollection;
use cairn_model::{DomainName, HealthCheckId, HostedZone, HostedZoneId, ResourceRecordSet};

use super::conn::Conn;
use super::zone_rows::{load_zone_row, sets_at_names};
use super::{cidr, health};
use crate::error::StoreError;

/// The store as the batch rules see it, inside one transaction.
pub(crate) struct TxView<'a, 'c> {
    tx: &'a Conn<'c>,
}

impl<'a, 'c> TxView<'a, 'c> {
    /// A view of what `tx` sees.
    pub(crate) fn new(tx: &'a Conn<'c>) -> Self {
        Self { tx }
    }
}

impl BatchView for TxView<'_, '_> {
    type Error = StoreError;

    fn hosted_zone(&self, id: &HostedZoneId) -> Result<Option<HostedZone>, StoreError> {
        load_zone_row(self.tx, id)
    }

    fn record_sets_at(
        &self,
        zone: &HostedZoneId,
        name: &DomainName,
    ) -> Result<Vec<ResourceRecordSet>, StoreError> {
        sets_at_names(self.tx, zone, &[name.to_route53()])
    }

    fn health_check_exists(&self, id: &HealthCheckId) -> Result<bool, StoreError> {
        health::exists(self.tx, id.as_str())
    }

    fn cidr_collections(&self) -> Result<Vec<CidrCollection>, StoreError> {
        cidr::all(self.tx)
    }
}
