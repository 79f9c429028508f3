//! [`NetworkStore`] on SQL: VPCs, subnets and security groups here; private zones' VPC
//! associations in [`super::private_zones`].
//!
//! VPCs, subnets and security groups are JSON documents. Every write logs one
//! `ChangeSubject::Network` change in its transaction.

use async_trait::async_trait;
use cairn_model::network::{IngressRule, SecurityGroup, Subnet, Vpc, VpcAssociation};
use cairn_model::network_validate::{
    availability_zone, check_group_deletable, check_ingress_rule, check_new_permission,
    check_subnet_block, check_subnet_ipv6_block, check_vpc_block, check_vpc_deletable,
    NetworkError,
};
use cairn_model::{ChangeInfo, HostedZone, HostedZoneId};

use super::change_log::Entry;
use super::conn::params;
use super::error::{map_err, OptionalExtension};
use super::ids::{new_ec2_id, now_ms};
use super::json::{documents, texts};
use super::network_rows::{
    groups, require_group, require_subnet, require_vpc, store_group, store_subnet, store_vpc,
    subnets_of,
};
use super::store::SqlStore;
use super::{default_vpc, private_zones, security_rules, tags};
use crate::error::StoreResult;
use crate::networks::{NetworkStore, NewSecurityGroup, NewSubnet, NewVpc, RuleDirection, VpcRef};
use crate::zones::{tag_types, NewHostedZone};

#[async_trait]
impl NetworkStore for SqlStore {
    async fn create_vpc(&self, req: NewVpc) -> StoreResult<(Vpc, SecurityGroup)> {
        check_vpc_block(req.cidr_block)?;
        let (created, _) = self
            .logged(
                |_| Ok(()),
                move |tx, ()| {
                    let vpc = Vpc {
                        id: new_ec2_id("vpc"),
                        region: req.region,
                        owner_account: req.owner_account.clone(),
                        cidr_block: req.cidr_block,
                        secondary_cidr_blocks: Vec::new(),
                        ipv6_cidr_block: req.ipv6_cidr_block,
                        enable_dns_support: true,
                        enable_dns_hostnames: false,
                        is_default: false,
                        created_at_ms: now_ms(),
                    };
                    let group = default_vpc::insert_vpc(tx, &vpc)?;
                    tags::put(tx, tag_types::VPC, &vpc.id, &req.tags)?;
                    Ok((vpc, group))
                },
                |(vpc, _)| Entry::network(format!("vpc {} created", vpc.id)),
            )
            .await?;
        Ok(created)
    }

    async fn list_vpcs(&self) -> StoreResult<Vec<Vpc>> {
        self.run(|conn| documents(conn, "SELECT body FROM vpcs ORDER BY id", params![]))
            .await
    }

    async fn get_vpc(&self, id: &str) -> StoreResult<Vpc> {
        let id = id.to_string();
        self.run(move |conn| require_vpc(conn, &id)).await
    }

    async fn delete_vpc(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        let what = format!("vpc {id} deleted");
        self.logged(
            move |tx| require_vpc(tx, &id),
            |tx, vpc| {
                let id = vpc.id.as_str();
                let subnets: i64 = tx
                    .query_row("SELECT count(*) FROM subnets WHERE vpc_id = ?1", [id], |r| {
                        r.get(0)
                    })
                    .map_err(map_err)?;
                let groups: i64 = tx
                    .query_row(
                        "SELECT count(*) FROM security_groups WHERE vpc_id = ?1 AND name != 'default'",
                        [id],
                        |r| r.get(0),
                    )
                    .map_err(map_err)?;
                check_vpc_deletable(id, subnets.max(0) as u64, groups.max(0) as u64)?;
                let default_groups = texts(
                    tx,
                    "SELECT id FROM security_groups WHERE vpc_id = ?1",
                    [id],
                )?;
                for group in &default_groups {
                    tags::remove_all(tx, tag_types::SECURITY_GROUP, group)?;
                }
                tx.execute("DELETE FROM security_groups WHERE vpc_id = ?1", [id])
                    .map_err(map_err)?;
                tx.execute("DELETE FROM vpcs WHERE id = ?1", [id])
                    .map_err(map_err)?;
                tags::remove_all(tx, tag_types::VPC, id)
            },
            move |_| Entry::network(what),
        )
        .await?;
        Ok(())
    }

    async fn modify_vpc_attributes(
        &self,
        id: &str,
        dns_support: Option<bool>,
        dns_hostnames: Option<bool>,
    ) -> StoreResult<Vpc> {
        let id = id.to_string();
        let (vpc, _) = self
            .logged(
                move |tx| require_vpc(tx, &id),
                move |tx, mut vpc| {
                    if let Some(on) = dns_support {
                        vpc.enable_dns_support = on;
                    }
                    if let Some(on) = dns_hostnames {
                        vpc.enable_dns_hostnames = on;
                    }
                    store_vpc(tx, &vpc)?;
                    Ok(vpc)
                },
                |vpc| Entry::network(format!("vpc {} attributes", vpc.id)),
            )
            .await?;
        Ok(vpc)
    }

    async fn create_subnet(&self, req: NewSubnet) -> StoreResult<Subnet> {
        let vpc_id = req.vpc_id.clone();
        let (subnet, _) = self
            .logged(
                move |tx| {
                    let vpc = require_vpc(tx, &vpc_id)?;
                    let existing = subnets_of(tx, Some(&vpc.id))?;
                    Ok((vpc, existing))
                },
                move |tx, (vpc, existing)| {
                    check_subnet_block(&vpc, &existing, req.cidr_block)?;
                    if let Some(block) = req.ipv6_cidr_block {
                        check_subnet_ipv6_block(&vpc, block)?;
                    }
                    let subnet = Subnet {
                        id: new_ec2_id("subnet"),
                        vpc_id: vpc.id.clone(),
                        owner_account: req.owner_account,
                        cidr_block: req.cidr_block,
                        ipv6_cidr_block: req.ipv6_cidr_block,
                        availability_zone: availability_zone(
                            &vpc.region,
                            req.availability_zone.as_deref(),
                        )?,
                        enable_dns64: false,
                        default_for_az: false,
                        created_at_ms: now_ms(),
                    };
                    store_subnet(tx, &subnet)?;
                    tags::put(tx, tag_types::SUBNET, &subnet.id, &req.tags)?;
                    Ok(subnet)
                },
                |subnet| Entry::network(format!("subnet {} created", subnet.id)),
            )
            .await?;
        Ok(subnet)
    }

    async fn list_subnets(&self) -> StoreResult<Vec<Subnet>> {
        self.run(|conn| subnets_of(conn, None)).await
    }

    async fn delete_subnet(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.logged(
            move |tx| require_subnet(tx, &id),
            |tx, subnet| {
                tx.execute("DELETE FROM subnets WHERE id = ?1", [&subnet.id])
                    .map_err(map_err)?;
                tags::remove_all(tx, tag_types::SUBNET, &subnet.id)?;
                Ok(subnet.id)
            },
            |id| Entry::network(format!("subnet {id} deleted")),
        )
        .await?;
        Ok(())
    }

    async fn modify_subnet_dns64(&self, id: &str, enabled: bool) -> StoreResult<Subnet> {
        let id = id.to_string();
        let (subnet, _) = self
            .logged(
                move |tx| require_subnet(tx, &id),
                move |tx, mut subnet| {
                    subnet.enable_dns64 = enabled;
                    store_subnet(tx, &subnet)?;
                    Ok(subnet)
                },
                |subnet| Entry::network(format!("subnet {} attributes", subnet.id)),
            )
            .await?;
        Ok(subnet)
    }

    async fn create_security_group(&self, req: NewSecurityGroup) -> StoreResult<SecurityGroup> {
        let vpc_id = req.vpc_id.clone();
        let (group, _) = self
            .logged(
                move |tx| require_vpc(tx, &vpc_id),
                move |tx, vpc| {
                    let taken: Option<i64> = tx
                        .query_row(
                            "SELECT 1 FROM security_groups WHERE vpc_id = ?1 AND name = ?2",
                            params![vpc.id, req.name],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(map_err)?;
                    if taken.is_some() {
                        return Err(NetworkError::SecurityGroupExists {
                            name: req.name,
                            vpc_id: vpc.id,
                        }
                        .into());
                    }
                    let group = SecurityGroup {
                        id: new_ec2_id("sg"),
                        name: req.name,
                        description: req.description,
                        vpc_id: vpc.id,
                        owner_account: req.owner_account,
                        ingress: Vec::new(),
                        egress: IngressRule::all_out(),
                    };
                    store_group(tx, &group)?;
                    tags::put(tx, tag_types::SECURITY_GROUP, &group.id, &req.tags)?;
                    Ok(group)
                },
                |group| Entry::network(format!("security group {} created", group.id)),
            )
            .await?;
        Ok(group)
    }

    async fn list_security_groups(&self) -> StoreResult<Vec<SecurityGroup>> {
        self.run(groups).await
    }

    async fn delete_security_group(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.logged(
            move |tx| require_group(tx, &id),
            |tx, group| {
                check_group_deletable(&group, &groups(tx)?)?;
                let id = group.id;
                tx.execute("DELETE FROM security_groups WHERE id = ?1", [&id])
                    .map_err(map_err)?;
                tags::remove_all(tx, tag_types::SECURITY_GROUP, &id)?;
                Ok(id)
            },
            |id| Entry::network(format!("security group {id} deleted")),
        )
        .await?;
        Ok(())
    }

    async fn authorize_ingress(
        &self,
        group_id: &str,
        rules: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup> {
        let id = group_id.to_string();
        let (group, _) = self
            .logged(
                move |tx| require_group(tx, &id),
                move |tx, mut group| {
                    for rule in &rules {
                        check_ingress_rule(rule)?;
                        for source in &rule.source_groups {
                            require_group(tx, source)?;
                        }
                        check_new_permission(&group, rule)?;
                        group.ingress.push(rule.clone());
                    }
                    store_group(tx, &group)?;
                    Ok(group)
                },
                |group| Entry::network(format!("security group {} ingress", group.id)),
            )
            .await?;
        Ok(group)
    }

    async fn authorize_egress(
        &self,
        group_id: &str,
        rules: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup> {
        security_rules::authorize_egress(self, group_id, rules).await
    }

    async fn revoke_rules(
        &self,
        group_id: &str,
        direction: RuleDirection,
        rules: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup> {
        security_rules::revoke(self, group_id, direction, rules).await
    }

    async fn ensure_default_vpc(
        &self,
        owner_account: &str,
        region: &str,
        zones: &[String],
    ) -> StoreResult<Option<Vpc>> {
        default_vpc::ensure(self, owner_account, region, zones).await
    }

    async fn create_private_hosted_zone(
        &self,
        req: NewHostedZone,
        vpc: VpcRef,
        owner_account: &str,
    ) -> StoreResult<(HostedZone, ChangeInfo)> {
        private_zones::create(self, req, vpc, owner_account.to_string()).await
    }

    async fn hosted_zone_vpcs(&self, zone: &HostedZoneId) -> StoreResult<Vec<VpcAssociation>> {
        private_zones::zone_vpcs(self, zone).await
    }

    async fn associate_vpc(
        &self,
        zone: &HostedZoneId,
        vpc: VpcRef,
        caller_account: &str,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        private_zones::associate(self, zone, vpc, caller_account.to_string(), comment).await
    }

    async fn disassociate_vpc(
        &self,
        zone: &HostedZoneId,
        vpc: VpcRef,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        private_zones::disassociate(self, zone, vpc, comment).await
    }

    async fn hosted_zones_by_vpc(&self, vpc: &VpcRef) -> StoreResult<Vec<HostedZone>> {
        private_zones::zones_by_vpc(self, vpc).await
    }

    async fn create_vpc_association_authorization(
        &self,
        zone: &HostedZoneId,
        vpc: VpcRef,
    ) -> StoreResult<()> {
        private_zones::authorize(self, zone, vpc).await
    }

    async fn delete_vpc_association_authorization(
        &self,
        zone: &HostedZoneId,
        vpc: VpcRef,
    ) -> StoreResult<()> {
        private_zones::deauthorize(self, zone, vpc).await
    }

    async fn list_vpc_association_authorizations(
        &self,
        zone: &HostedZoneId,
    ) -> StoreResult<Vec<VpcRef>> {
        private_zones::authorizations(self, zone).await
    }
}
