//! The default VPC, as AWS gives every account in every region: 172.31.0.0/16 with a
//! default /20 subnet per availability zone and its `default` security group. Made once
//! per account and region; the `default_vpcs` row stays when the user deletes the VPC, so a
//! deleted default VPC stays deleted.

use cairn_model::network::{IngressRule, SecurityGroup, Subnet, Vpc};
use cairn_model::network_validate::availability_zone;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

use super::change_log::{self, Entry};
use super::conn::{params, Conn};
use super::error::{map_err, OptionalExtension};
use super::ids::{new_ec2_id, now_ms};
use super::network_rows::{store_group, store_subnet, store_vpc};
use super::store::SqlStore;
use crate::error::{StoreError, StoreResult};

/// The default VPC's block, 172.31.0.0/16.
fn default_block() -> StoreResult<Ipv4Net> {
    Ipv4Net::new(Ipv4Addr::new(172, 31, 0, 0), 16).map_err(|e| StoreError::Backend(e.to_string()))
}

/// Stores `vpc` and its `default` security group, whose members may reach each other (as
/// on EC2).
pub(crate) fn insert_vpc(tx: &Conn<'_>, vpc: &Vpc) -> StoreResult<SecurityGroup> {
    store_vpc(tx, vpc)?;
    let group_id = new_ec2_id("sg");
    let group = SecurityGroup {
        id: group_id.clone(),
        name: "default".into(),
        description: "default VPC security group".into(),
        vpc_id: vpc.id.clone(),
        owner_account: vpc.owner_account.clone(),
        ingress: vec![IngressRule {
            protocol: "-1".into(),
            from_port: None,
            to_port: None,
            sources: Vec::new(),
            source_groups: vec![group_id],
        }],
        egress: IngressRule::all_out(),
    };
    store_group(tx, &group)?;
    Ok(group)
}

/// Makes the default VPC of `owner_account` in `region` unless one was made before.
pub(crate) async fn ensure(
    store: &SqlStore,
    owner_account: &str,
    region: &str,
    zones: &[String],
) -> StoreResult<Option<Vpc>> {
    let owner = owner_account.to_string();
    let region = region.to_string();
    let zones = zones.to_vec();
    store
        .write(move |tx| {
            let made: Option<String> = tx
                .query_row(
                    "SELECT vpc_id FROM default_vpcs WHERE owner_account = ?1 AND region = ?2",
                    params![owner, region],
                    |r| r.get(0),
                )
                .optional()
                .map_err(map_err)?;
            if made.is_some() {
                return Ok(None);
            }
            let block = default_block()?;
            let vpc = Vpc {
                id: new_ec2_id("vpc"),
                region: region.clone(),
                owner_account: owner.clone(),
                cidr_block: block,
                secondary_cidr_blocks: Vec::new(),
                ipv6_cidr_block: None,
                enable_dns_support: true,
                // A default VPC's instances get public DNS names.
                enable_dns_hostnames: true,
                is_default: true,
                created_at_ms: now_ms(),
            };
            insert_vpc(tx, &vpc)?;
            // 172.31.0.0/20, 172.31.16.0/20, ...: one per zone, as AWS numbers them.
            let blocks = block
                .subnets(20)
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            for (zone, block) in zones.iter().zip(blocks) {
                let subnet = Subnet {
                    id: new_ec2_id("subnet"),
                    vpc_id: vpc.id.clone(),
                    owner_account: owner.clone(),
                    cidr_block: block,
                    ipv6_cidr_block: None,
                    availability_zone: availability_zone(&region, Some(zone))?,
                    enable_dns64: false,
                    default_for_az: true,
                    created_at_ms: now_ms(),
                };
                store_subnet(tx, &subnet)?;
            }
            tx.execute(
                "INSERT INTO default_vpcs (owner_account, region, vpc_id) VALUES (?1, ?2, ?3)",
                params![owner, region, vpc.id],
            )
            .map_err(map_err)?;
            change_log::append(
                tx,
                &Entry::network(format!("default vpc {} created", vpc.id)),
            )?;
            Ok(Some(vpc))
        })
        .await
}
