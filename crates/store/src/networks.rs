//! Networks: VPCs, subnets and security groups (the EC2 subset Route 53 needs), and the
//! associations of private hosted zones with VPCs.

use async_trait::async_trait;
use cairn_model::network::{IngressRule, SecurityGroup, Subnet, Vpc, VpcAssociation};
use cairn_model::{ChangeInfo, HostedZone, HostedZoneId};

use crate::error::StoreResult;
use crate::zones::NewHostedZone;

/// What `create_vpc` needs; the store assigns the id, the default security group and the
/// DNS attributes' defaults (support on, hostnames off).
#[derive(Debug, Clone)]
pub struct NewVpc {
    /// The region it is created in.
    pub region: String,
    /// The owning account.
    pub owner_account: String,
    /// `CidrBlock` (checked: /16 to /28).
    pub cidr_block: ipnet::Ipv4Net,
    /// The IPv6 block, when one was asked for.
    pub ipv6_cidr_block: Option<ipnet::Ipv6Net>,
    /// Tags from `TagSpecifications`.
    pub tags: Vec<(String, String)>,
}

/// What `create_subnet` needs.
#[derive(Debug, Clone)]
pub struct NewSubnet {
    /// The VPC.
    pub vpc_id: String,
    /// The owning account.
    pub owner_account: String,
    /// `CidrBlock`: inside the VPC's, overlapping no other subnet.
    pub cidr_block: ipnet::Ipv4Net,
    /// `Ipv6CidrBlock`: a /64 of the VPC's IPv6 block.
    pub ipv6_cidr_block: Option<ipnet::Ipv6Net>,
    /// `AvailabilityZone`; the VPC's region + `a` when absent.
    pub availability_zone: Option<String>,
    /// Tags from `TagSpecifications`.
    pub tags: Vec<(String, String)>,
}

/// What `create_security_group` needs.
#[derive(Debug, Clone)]
pub struct NewSecurityGroup {
    /// The VPC.
    pub vpc_id: String,
    /// The owning account.
    pub owner_account: String,
    /// `GroupName`, unique in the VPC.
    pub name: String,
    /// `GroupDescription`.
    pub description: String,
    /// Tags from `TagSpecifications`.
    pub tags: Vec<(String, String)>,
}

/// Which of a security group's rule lists a call works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleDirection {
    /// Who may reach the group's members.
    Ingress,
    /// Where the group's members may send.
    Egress,
}

/// A VPC as Route 53 names it: `VPCId` and `VPCRegion`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VpcRef {
    /// `VPCId`.
    pub vpc_id: String,
    /// `VPCRegion`.
    pub region: String,
}

/// VPCs, subnets, security groups, and private zones' VPC associations and authorizations.
/// Every write is one transaction that logs a `ChangeSubject::Network` change.
#[async_trait]
pub trait NetworkStore: Send + Sync + 'static {
    /// Creates a VPC and its `default` security group.
    async fn create_vpc(&self, req: NewVpc) -> StoreResult<(Vpc, SecurityGroup)>;

    /// Every VPC, ordered by id.
    async fn list_vpcs(&self) -> StoreResult<Vec<Vpc>>;

    /// One VPC.
    async fn get_vpc(&self, id: &str) -> StoreResult<Vpc>;

    /// Deletes a VPC with no subnets and no security groups but its default one (which goes
    /// with it); private-zone associations stay, as Route 53's do.
    async fn delete_vpc(&self, id: &str) -> StoreResult<()>;

    /// Sets `enableDnsSupport` and/or `enableDnsHostnames`.
    async fn modify_vpc_attributes(
        &self,
        id: &str,
        dns_support: Option<bool>,
        dns_hostnames: Option<bool>,
    ) -> StoreResult<Vpc>;

    /// Creates a subnet inside its VPC's block, overlapping no other subnet.
    async fn create_subnet(&self, req: NewSubnet) -> StoreResult<Subnet>;

    /// Every subnet, ordered by id.
    async fn list_subnets(&self) -> StoreResult<Vec<Subnet>>;

    /// Deletes a subnet.
    async fn delete_subnet(&self, id: &str) -> StoreResult<()>;

    /// Sets `EnableDns64` on a subnet.
    async fn modify_subnet_dns64(&self, id: &str, enabled: bool) -> StoreResult<Subnet>;

    /// Creates a security group (no ingress rules).
    async fn create_security_group(&self, req: NewSecurityGroup) -> StoreResult<SecurityGroup>;

    /// Every security group, ordered by id.
    async fn list_security_groups(&self) -> StoreResult<Vec<SecurityGroup>>;

    /// Deletes a security group that is not a VPC's default and that no rule names.
    async fn delete_security_group(&self, id: &str) -> StoreResult<()>;

    /// Adds ingress rules, all or none (`InvalidPermission.Duplicate` for one that exists).
    async fn authorize_ingress(
        &self,
        group_id: &str,
        rules: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup>;

    /// Adds egress rules, all or none (`InvalidPermission.Duplicate` for one that exists).
    async fn authorize_egress(
        &self,
        group_id: &str,
        rules: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup>;

    /// Takes grants out of a group's ingress or egress rules, all or none
    /// (`InvalidPermission.NotFound` for one the group does not hold).
    async fn revoke_rules(
        &self,
        group_id: &str,
        direction: RuleDirection,
        rules: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup>;

    /// Makes `owner_account`'s default VPC in `region` (172.31.0.0/16, a default /20 subnet
    /// per zone of `zones`, its default group) unless one was made there before, even if the
    /// user has since deleted it. The VPC when made now.
    async fn ensure_default_vpc(
        &self,
        owner_account: &str,
        region: &str,
        zones: &[String],
    ) -> StoreResult<Option<Vpc>>;

    /// Creates a private zone associated with `vpc`, owned by `owner_account`, as one change.
    async fn create_private_hosted_zone(
        &self,
        req: NewHostedZone,
        vpc: VpcRef,
        owner_account: &str,
    ) -> StoreResult<(HostedZone, ChangeInfo)>;

    /// The VPCs a zone is associated with, ordered by VPC id (empty for a public zone).
    async fn hosted_zone_vpcs(&self, zone: &HostedZoneId) -> StoreResult<Vec<VpcAssociation>>;

    /// Associates a VPC with a private zone; `caller_account` must own the VPC, and own the
    /// zone or hold an authorization for it.
    async fn associate_vpc(
        &self,
        zone: &HostedZoneId,
        vpc: VpcRef,
        caller_account: &str,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo>;

    /// Removes an association; never the zone's last one.
    async fn disassociate_vpc(
        &self,
        zone: &HostedZoneId,
        vpc: VpcRef,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo>;

    /// The private zones a VPC is associated with, ordered by id.
    async fn hosted_zones_by_vpc(&self, vpc: &VpcRef) -> StoreResult<Vec<HostedZone>>;

    /// Lets `vpc` (another account's) be associated with the private zone.
    async fn create_vpc_association_authorization(
        &self,
        zone: &HostedZoneId,
        vpc: VpcRef,
    ) -> StoreResult<()>;

    /// Withdraws an authorization (existing associations stay).
    async fn delete_vpc_association_authorization(
        &self,
        zone: &HostedZoneId,
        vpc: VpcRef,
    ) -> StoreResult<()>;

    /// The zone's authorizations, ordered by VPC id.
    async fn list_vpc_association_authorizations(
        &self,
        zone: &HostedZoneId,
    ) -> StoreResult<Vec<VpcRef>>;
}
