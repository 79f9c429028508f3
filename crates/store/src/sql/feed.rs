//! [`ChangeFeed`] on SQL: the change log and the state the data plane compiles.

use std::sync::Arc;

use async_trait::async_trait;
use cairn_model::cidr::CidrCollection;
use cairn_model::network::NetworkContents;
use cairn_model::{
    ChangeId, ChangeSeq, DomainName, HealthCheckId, HostedZone, HostedZoneId, ResourceRecordSet,
};
use tokio::sync::Notify;

use super::change_log::{parse_names, subject_from_columns};
use super::conn::params;
use super::error::map_err;
use super::json::texts;
use super::store::SqlStore;
use super::zone_rows::{all_sets, load_zone_row, sets_at_names};
use super::{cidr, dnssec, firewall, health, network_rows, nodes};
use crate::error::StoreResult;
use crate::feed::{ChangeEvent, ChangeFeed, ZoneContents};

#[async_trait]
impl ChangeFeed for SqlStore {
    async fn latest_seq(&self) -> StoreResult<ChangeSeq> {
        self.run(|conn| {
            let seq: Option<i64> = conn
                .query_row("SELECT max(seq) FROM changes", params![], |row| row.get(0))
                .map_err(map_err)?;
            Ok(ChangeSeq(seq.unwrap_or(0) as u64))
        })
        .await
    }

    async fn changes_since(&self, seq: ChangeSeq) -> StoreResult<Vec<ChangeEvent>> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT seq, id, subject_kind, subject_id, names FROM changes WHERE seq > ?1 ORDER BY seq LIMIT 10000",
                )
                .map_err(map_err)?;
            let rows = stmt
                .query_map([seq.0 as i64], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                    ))
                })
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            rows.into_iter()
                .map(|(seq, id, kind, subject, names)| {
                    Ok(ChangeEvent {
                        seq: ChangeSeq(seq as u64),
                        change_id: ChangeId::new(id),
                        subject: subject_from_columns(&kind, subject)?,
                        names: names.map(|n| parse_names(&n)).transpose()?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn zone_serials(&self) -> StoreResult<Vec<(HostedZoneId, ChangeSeq)>> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT subject_id, max(seq) FROM changes WHERE subject_kind = 'hostedzone' GROUP BY subject_id",
                )
                .map_err(map_err)?;
            let rows = stmt
                .query_map(params![], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                })
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            Ok(rows
                .into_iter()
                .map(|(id, seq)| (HostedZoneId::new(id), ChangeSeq(seq as u64)))
                .collect())
        })
        .await
    }

    async fn load_zone(&self, id: &HostedZoneId) -> StoreResult<Option<ZoneContents>> {
        let id = id.clone();
        self.read(move |tx| {
            // One read transaction, so the zone and its sets are from the same commit.
            let Some(zone) = load_zone_row(tx, &id)? else {
                return Ok(None);
            };
            let record_sets = all_sets(tx, &id)?;
            Ok(Some(ZoneContents {
                zone,
                record_sets,
                dnssec: dnssec::serving(tx, &id)?,
            }))
        })
        .await
    }

    async fn load_all_zones(&self) -> StoreResult<Vec<ZoneContents>> {
        self.read(|tx| {
            let ids = texts(tx, "SELECT id FROM hosted_zones ORDER BY id", params![])?;
            let mut all = Vec::with_capacity(ids.len());
            for id in ids {
                let id = HostedZoneId::new(id);
                if let Some(zone) = load_zone_row(tx, &id)? {
                    let record_sets = all_sets(tx, &id)?;
                    all.push(ZoneContents {
                        zone,
                        record_sets,
                        dnssec: dnssec::serving(tx, &id)?,
                    });
                }
            }
            Ok(all)
        })
        .await
    }

    async fn load_record_sets_at(
        &self,
        id: &HostedZoneId,
        names: &[DomainName],
    ) -> StoreResult<Option<(HostedZone, Vec<ResourceRecordSet>)>> {
        let id = id.clone();
        let names: Vec<String> = names.iter().map(DomainName::to_route53).collect();
        self.read(move |tx| {
            let Some(zone) = load_zone_row(tx, &id)? else {
                return Ok(None);
            };
            let sets = sets_at_names(tx, &id, &names)?;
            Ok(Some((zone, sets)))
        })
        .await
    }

    async fn report_applied(&self, node: &str, seq: ChangeSeq) -> StoreResult<()> {
        let node = node.to_string();
        self.run(move |conn| nodes::report_applied(conn, &node, seq))
            .await
    }

    async fn health_statuses(&self) -> StoreResult<Vec<(HealthCheckId, bool)>> {
        self.run(health::statuses).await
    }

    async fn load_network(&self) -> StoreResult<NetworkContents> {
        // One read transaction: every part from the same commit.
        self.read(network_rows::contents).await
    }

    async fn load_cidr_collections(&self) -> StoreResult<Vec<CidrCollection>> {
        self.run(cidr::all).await
    }

    async fn load_firewall(&self) -> StoreResult<cairn_model::firewall::FirewallContents> {
        // One read transaction: the lists' domains match their counts.
        self.read(firewall::contents).await
    }

    fn commit_notifier(&self) -> Option<Arc<Notify>> {
        Some(self.committed.clone())
    }
}
