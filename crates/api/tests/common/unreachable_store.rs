//! A store that fails the test if any operation reaches it: protocol-level tests use it to
//! show a request was answered before the store.

use std::sync::Arc;

use async_trait::async_trait;
use cairn_model::cidr::{CidrChange, CidrCollection};
use cairn_model::firewall::{
    FirewallConfig, FirewallContents, FirewallDomainList, FirewallRule, FirewallRuleGroup,
    FirewallRuleGroupAssociation,
};
use cairn_model::firewall_validate::{
    AssociationUpdate, DomainOperation, NewAssociation, NewNamed, RuleRequest,
};
use cairn_model::health::{HealthCheck, HealthCheckConfig, HealthCheckUpdate};
use cairn_model::iam::{AccessKey, AccessKeyStatus, IamUser, ManagedPolicy, PolicyVersion};
use cairn_model::kms::{KmsAlias, KmsKey, KmsKeyChange};
use cairn_model::network::{IngressRule, SecurityGroup, Subnet, Vpc, VpcAssociation};
use cairn_model::resolver::{
    Profile, ProfileAssociation, ProfileResource, ResolverEndpoint, ResolverRule, RuleAssociation,
    VpcResolverConfig,
};
use cairn_model::resolver_validate::{
    EndpointUpdate, IpRequest, IpSelector, NewEndpoint, NewProfile, NewProfileAssociation,
    NewProfileResource, NewRule, RuleUpdate,
};
use cairn_model::{
    ChangeBatch, ChangeId, ChangeInfo, ChangeSeq, DomainName, HealthCheckId, HostedZone,
    HostedZoneId, Limits, ResourceRecordSet,
};
use cairn_store::{
    ChangeEvent, ChangeFeed, CidrStore, DelegationSet, FirewallStore, HealthCheckState,
    HealthStore, IamStore, KmsStore, NetworkStore, NewHostedZone, NewSecurityGroup, NewSubnet,
    NewVpc, ProbeResult, ProfileStore, QueryLogStore, RecordSetListing, RecordSetPage,
    ResolverStore, RuleDirection, Signer, StoreResult, VpcRef, ZoneContents, ZoneStore,
};

pub struct UnreachableStore;

const MESSAGE: &str = "this request should have been answered before reaching the store";

#[async_trait]
impl ZoneStore for UnreachableStore {
    async fn create_hosted_zone(&self, _: NewHostedZone) -> StoreResult<(HostedZone, ChangeInfo)> {
        panic!("{MESSAGE}")
    }
    async fn get_hosted_zone(&self, _: &HostedZoneId) -> StoreResult<HostedZone> {
        panic!("{MESSAGE}")
    }
    async fn list_hosted_zones(&self) -> StoreResult<Vec<HostedZone>> {
        panic!("{MESSAGE}")
    }
    async fn delete_hosted_zone(&self, _: &HostedZoneId) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn update_hosted_zone_comment(
        &self,
        _: &HostedZoneId,
        _: Option<String>,
    ) -> StoreResult<HostedZone> {
        panic!("{MESSAGE}")
    }
    async fn change_record_sets(
        &self,
        _: &HostedZoneId,
        _: &ChangeBatch,
        _: &Limits,
    ) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn replace_record_sets(
        &self,
        _: &HostedZoneId,
        _: Vec<ResourceRecordSet>,
        _: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn list_record_sets(
        &self,
        _: &HostedZoneId,
        _: &RecordSetPage,
    ) -> StoreResult<RecordSetListing> {
        panic!("{MESSAGE}")
    }
    async fn get_change(&self, _: &ChangeId) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn change_tags(
        &self,
        _: &str,
        _: &str,
        _: Vec<(String, String)>,
        _: Vec<String>,
    ) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn list_tags(&self, _: &str, _: &str) -> StoreResult<Vec<(String, String)>> {
        panic!("{MESSAGE}")
    }
    async fn create_delegation_set(
        &self,
        _: &str,
        _: Vec<DomainName>,
    ) -> StoreResult<DelegationSet> {
        panic!("{MESSAGE}")
    }
    async fn get_delegation_set(&self, _: &str) -> StoreResult<DelegationSet> {
        panic!("{MESSAGE}")
    }
    async fn list_delegation_sets(&self) -> StoreResult<Vec<DelegationSet>> {
        panic!("{MESSAGE}")
    }
    async fn delete_delegation_set(&self, _: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl NetworkStore for UnreachableStore {
    async fn create_vpc(&self, _: NewVpc) -> StoreResult<(Vpc, SecurityGroup)> {
        panic!("{MESSAGE}")
    }
    async fn list_vpcs(&self) -> StoreResult<Vec<Vpc>> {
        panic!("{MESSAGE}")
    }
    async fn get_vpc(&self, _: &str) -> StoreResult<Vpc> {
        panic!("{MESSAGE}")
    }
    async fn delete_vpc(&self, _: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn modify_vpc_attributes(
        &self,
        _: &str,
        _: Option<bool>,
        _: Option<bool>,
    ) -> StoreResult<Vpc> {
        panic!("{MESSAGE}")
    }
    async fn create_subnet(&self, _: NewSubnet) -> StoreResult<Subnet> {
        panic!("{MESSAGE}")
    }
    async fn list_subnets(&self) -> StoreResult<Vec<Subnet>> {
        panic!("{MESSAGE}")
    }
    async fn delete_subnet(&self, _: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn modify_subnet_dns64(&self, _: &str, _: bool) -> StoreResult<Subnet> {
        panic!("{MESSAGE}")
    }
    async fn create_security_group(&self, _: NewSecurityGroup) -> StoreResult<SecurityGroup> {
        panic!("{MESSAGE}")
    }
    async fn list_security_groups(&self) -> StoreResult<Vec<SecurityGroup>> {
        panic!("{MESSAGE}")
    }
    async fn delete_security_group(&self, _: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn authorize_ingress(&self, _: &str, _: Vec<IngressRule>) -> StoreResult<SecurityGroup> {
        panic!("{MESSAGE}")
    }
    async fn authorize_egress(&self, _: &str, _: Vec<IngressRule>) -> StoreResult<SecurityGroup> {
        panic!("{MESSAGE}")
    }
    async fn revoke_rules(
        &self,
        _: &str,
        _: RuleDirection,
        _: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup> {
        panic!("{MESSAGE}")
    }
    async fn ensure_default_vpc(&self, _: &str, _: &str, _: &[String]) -> StoreResult<Option<Vpc>> {
        panic!("{MESSAGE}")
    }
    async fn create_private_hosted_zone(
        &self,
        _: NewHostedZone,
        _: VpcRef,
        _: &str,
    ) -> StoreResult<(HostedZone, ChangeInfo)> {
        panic!("{MESSAGE}")
    }
    async fn hosted_zone_vpcs(&self, _: &HostedZoneId) -> StoreResult<Vec<VpcAssociation>> {
        panic!("{MESSAGE}")
    }
    async fn associate_vpc(
        &self,
        _: &HostedZoneId,
        _: VpcRef,
        _: &str,
        _: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn disassociate_vpc(
        &self,
        _: &HostedZoneId,
        _: VpcRef,
        _: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn hosted_zones_by_vpc(&self, _: &VpcRef) -> StoreResult<Vec<HostedZone>> {
        panic!("{MESSAGE}")
    }
    async fn create_vpc_association_authorization(
        &self,
        _: &HostedZoneId,
        _: VpcRef,
    ) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn delete_vpc_association_authorization(
        &self,
        _: &HostedZoneId,
        _: VpcRef,
    ) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn list_vpc_association_authorizations(
        &self,
        _: &HostedZoneId,
    ) -> StoreResult<Vec<VpcRef>> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl ResolverStore for UnreachableStore {
    async fn create_resolver_endpoint(
        &self,
        _: NewEndpoint,
        _: Vec<(String, String)>,
    ) -> StoreResult<ResolverEndpoint> {
        panic!("{MESSAGE}")
    }
    async fn update_resolver_endpoint(
        &self,
        _: &cairn_model::ResolverEndpointId,
        _: EndpointUpdate,
    ) -> StoreResult<ResolverEndpoint> {
        panic!("{MESSAGE}")
    }
    async fn delete_resolver_endpoint(
        &self,
        _: &cairn_model::ResolverEndpointId,
    ) -> StoreResult<ResolverEndpoint> {
        panic!("{MESSAGE}")
    }
    async fn associate_resolver_endpoint_ip(
        &self,
        _: &cairn_model::ResolverEndpointId,
        _: IpRequest,
    ) -> StoreResult<ResolverEndpoint> {
        panic!("{MESSAGE}")
    }
    async fn disassociate_resolver_endpoint_ip(
        &self,
        _: &cairn_model::ResolverEndpointId,
        _: IpSelector,
    ) -> StoreResult<ResolverEndpoint> {
        panic!("{MESSAGE}")
    }
    async fn create_resolver_rule(
        &self,
        _: NewRule,
        _: Vec<(String, String)>,
    ) -> StoreResult<ResolverRule> {
        panic!("{MESSAGE}")
    }
    async fn update_resolver_rule(
        &self,
        _: &cairn_model::ResolverRuleId,
        _: RuleUpdate,
    ) -> StoreResult<ResolverRule> {
        panic!("{MESSAGE}")
    }
    async fn delete_resolver_rule(
        &self,
        _: &cairn_model::ResolverRuleId,
    ) -> StoreResult<ResolverRule> {
        panic!("{MESSAGE}")
    }
    async fn associate_resolver_rule(
        &self,
        _: &cairn_model::ResolverRuleId,
        _: &str,
        _: Option<String>,
    ) -> StoreResult<RuleAssociation> {
        panic!("{MESSAGE}")
    }
    async fn disassociate_resolver_rule(
        &self,
        _: &cairn_model::ResolverRuleId,
        _: &str,
    ) -> StoreResult<RuleAssociation> {
        panic!("{MESSAGE}")
    }
    async fn update_resolver_config(
        &self,
        _: &str,
        _: cairn_model::resolver::AutodefinedReverseFlag,
    ) -> StoreResult<VpcResolverConfig> {
        panic!("{MESSAGE}")
    }
    async fn update_resolver_dnssec_config(
        &self,
        _: &str,
        _: cairn_model::resolver::DnssecValidationFlag,
    ) -> StoreResult<cairn_model::resolver::VpcDnssecConfig> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl ProfileStore for UnreachableStore {
    async fn create_profile(
        &self,
        _: NewProfile,
        _: Vec<(String, String)>,
    ) -> StoreResult<Profile> {
        panic!("{MESSAGE}")
    }
    async fn delete_profile(&self, _: &cairn_model::ProfileId) -> StoreResult<Profile> {
        panic!("{MESSAGE}")
    }
    async fn associate_profile(
        &self,
        _: NewProfileAssociation,
        _: Vec<(String, String)>,
    ) -> StoreResult<ProfileAssociation> {
        panic!("{MESSAGE}")
    }
    async fn disassociate_profile(
        &self,
        _: &cairn_model::ProfileId,
        _: &str,
    ) -> StoreResult<ProfileAssociation> {
        panic!("{MESSAGE}")
    }
    async fn associate_profile_resource(
        &self,
        _: NewProfileResource,
    ) -> StoreResult<ProfileResource> {
        panic!("{MESSAGE}")
    }
    async fn disassociate_profile_resource(
        &self,
        _: &cairn_model::ProfileId,
        _: &str,
    ) -> StoreResult<ProfileResource> {
        panic!("{MESSAGE}")
    }
    async fn update_profile_resource(
        &self,
        _: &cairn_model::ProfileResourceAssociationId,
        _: Option<String>,
        _: Option<String>,
    ) -> StoreResult<ProfileResource> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl QueryLogStore for UnreachableStore {
    async fn create_query_log_config(
        &self,
        _: cairn_model::query_log::NewQueryLogConfig,
        _: Vec<(String, String)>,
    ) -> StoreResult<cairn_model::query_log::QueryLogConfig> {
        panic!("{MESSAGE}")
    }
    async fn delete_query_log_config(
        &self,
        _: &str,
    ) -> StoreResult<cairn_model::query_log::QueryLogConfig> {
        panic!("{MESSAGE}")
    }
    async fn associate_query_log_config(
        &self,
        _: &str,
        _: &str,
    ) -> StoreResult<cairn_model::query_log::QueryLogAssociation> {
        panic!("{MESSAGE}")
    }
    async fn disassociate_query_log_config(
        &self,
        _: &str,
        _: &str,
    ) -> StoreResult<cairn_model::query_log::QueryLogAssociation> {
        panic!("{MESSAGE}")
    }
    async fn create_public_query_log_config(
        &self,
        _: &HostedZoneId,
        _: &str,
    ) -> StoreResult<cairn_model::query_log::PublicQueryLogConfig> {
        panic!("{MESSAGE}")
    }
    async fn delete_public_query_log_config(
        &self,
        _: &str,
    ) -> StoreResult<cairn_model::query_log::PublicQueryLogConfig> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl HealthStore for UnreachableStore {
    async fn create_health_check(
        &self,
        _: &str,
        _: HealthCheckConfig,
    ) -> StoreResult<(HealthCheck, bool)> {
        panic!("{MESSAGE}")
    }
    async fn get_health_check(&self, _: &HealthCheckId) -> StoreResult<HealthCheck> {
        panic!("{MESSAGE}")
    }
    async fn list_health_checks(&self) -> StoreResult<Vec<HealthCheck>> {
        panic!("{MESSAGE}")
    }
    async fn update_health_check(
        &self,
        _: &HealthCheckId,
        _: HealthCheckUpdate,
    ) -> StoreResult<HealthCheck> {
        panic!("{MESSAGE}")
    }
    async fn delete_health_check(&self, _: &HealthCheckId) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn record_health_probe(&self, _: &HealthCheckId, _: ProbeResult) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn set_health_override(&self, _: &HealthCheckId, _: Option<bool>) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn health_check_state(&self, _: &HealthCheckId) -> StoreResult<HealthCheckState> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl CidrStore for UnreachableStore {
    async fn create_cidr_collection(
        &self,
        _: &str,
        _: &str,
    ) -> StoreResult<(CidrCollection, bool)> {
        panic!("{MESSAGE}")
    }
    async fn get_cidr_collection(&self, _: &str) -> StoreResult<CidrCollection> {
        panic!("{MESSAGE}")
    }
    async fn list_cidr_collections(&self) -> StoreResult<Vec<CidrCollection>> {
        panic!("{MESSAGE}")
    }
    async fn change_cidr_collection(
        &self,
        _: &str,
        _: Option<u64>,
        _: Vec<CidrChange>,
    ) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn delete_cidr_collection(&self, _: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl ChangeFeed for UnreachableStore {
    async fn latest_seq(&self) -> StoreResult<ChangeSeq> {
        panic!("{MESSAGE}")
    }
    async fn changes_since(&self, _: ChangeSeq) -> StoreResult<Vec<ChangeEvent>> {
        panic!("{MESSAGE}")
    }
    async fn load_zone(&self, _: &HostedZoneId) -> StoreResult<Option<ZoneContents>> {
        panic!("{MESSAGE}")
    }
    async fn load_all_zones(&self) -> StoreResult<Vec<ZoneContents>> {
        panic!("{MESSAGE}")
    }
    async fn load_record_sets_at(
        &self,
        _: &HostedZoneId,
        _: &[DomainName],
    ) -> StoreResult<Option<(HostedZone, Vec<ResourceRecordSet>)>> {
        panic!("{MESSAGE}")
    }
    async fn zone_serials(&self) -> StoreResult<Vec<(HostedZoneId, ChangeSeq)>> {
        panic!("{MESSAGE}")
    }
    async fn report_applied(&self, _: &str, _: ChangeSeq) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn health_statuses(&self) -> StoreResult<Vec<(HealthCheckId, bool)>> {
        panic!("{MESSAGE}")
    }
    async fn load_network(&self) -> StoreResult<cairn_model::network::NetworkContents> {
        panic!("{MESSAGE}")
    }
    async fn load_cidr_collections(&self) -> StoreResult<Vec<CidrCollection>> {
        panic!("{MESSAGE}")
    }
    async fn load_firewall(&self) -> StoreResult<FirewallContents> {
        panic!("{MESSAGE}")
    }
    fn commit_notifier(&self) -> Option<Arc<tokio::sync::Notify>> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl FirewallStore for UnreachableStore {
    async fn firewall_metadata(&self) -> StoreResult<FirewallContents> {
        panic!("{MESSAGE}")
    }
    async fn firewall_domains(
        &self,
        _: &str,
        _: usize,
        _: usize,
    ) -> StoreResult<(Vec<String>, bool)> {
        panic!("{MESSAGE}")
    }
    async fn create_firewall_domain_list(
        &self,
        _: NewNamed,
        _: Vec<(String, String)>,
    ) -> StoreResult<FirewallDomainList> {
        panic!("{MESSAGE}")
    }
    async fn delete_firewall_domain_list(&self, _: &str) -> StoreResult<FirewallDomainList> {
        panic!("{MESSAGE}")
    }
    async fn update_firewall_domains(
        &self,
        _: &str,
        _: DomainOperation,
        _: Vec<String>,
        _: bool,
    ) -> StoreResult<FirewallDomainList> {
        panic!("{MESSAGE}")
    }
    async fn create_firewall_rule_group(
        &self,
        _: NewNamed,
        _: Vec<(String, String)>,
    ) -> StoreResult<FirewallRuleGroup> {
        panic!("{MESSAGE}")
    }
    async fn delete_firewall_rule_group(&self, _: &str) -> StoreResult<FirewallRuleGroup> {
        panic!("{MESSAGE}")
    }
    async fn create_firewall_rule(&self, _: RuleRequest) -> StoreResult<FirewallRule> {
        panic!("{MESSAGE}")
    }
    async fn update_firewall_rule(&self, _: RuleRequest) -> StoreResult<FirewallRule> {
        panic!("{MESSAGE}")
    }
    async fn delete_firewall_rule(
        &self,
        _: &str,
        _: &str,
        _: Option<String>,
    ) -> StoreResult<FirewallRule> {
        panic!("{MESSAGE}")
    }
    async fn associate_firewall_rule_group(
        &self,
        _: NewAssociation,
        _: Vec<(String, String)>,
    ) -> StoreResult<FirewallRuleGroupAssociation> {
        panic!("{MESSAGE}")
    }
    async fn update_firewall_rule_group_association(
        &self,
        _: &str,
        _: AssociationUpdate,
    ) -> StoreResult<FirewallRuleGroupAssociation> {
        panic!("{MESSAGE}")
    }
    async fn disassociate_firewall_rule_group(
        &self,
        _: &str,
    ) -> StoreResult<FirewallRuleGroupAssociation> {
        panic!("{MESSAGE}")
    }
    async fn update_firewall_config(&self, _: &str, _: &str) -> StoreResult<FirewallConfig> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl cairn_store::DnssecStore for UnreachableStore {
    async fn zone_signing(
        &self,
        _: &HostedZoneId,
    ) -> StoreResult<(HostedZone, cairn_model::dnssec::ZoneSigning)> {
        panic!("{MESSAGE}")
    }
    async fn put_zone_signing(
        &self,
        _: &HostedZoneId,
        _: cairn_model::dnssec::ZoneSigning,
        _: String,
    ) -> StoreResult<ChangeInfo> {
        panic!("{MESSAGE}")
    }
    async fn zones_to_resign(&self, _: i64) -> StoreResult<Vec<HostedZoneId>> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl KmsStore for UnreachableStore {
    async fn create_kms_key(&self, _: KmsKey) -> StoreResult<KmsKey> {
        panic!("{MESSAGE}")
    }
    async fn kms_key(&self, _: &str, _: &str) -> StoreResult<Option<KmsKey>> {
        panic!("{MESSAGE}")
    }
    async fn list_kms_keys(&self, _: &str, _: &str) -> StoreResult<Vec<KmsKey>> {
        panic!("{MESSAGE}")
    }
    async fn change_kms_key(&self, _: &str, _: &str, _: KmsKeyChange) -> StoreResult<KmsKey> {
        panic!("{MESSAGE}")
    }
    async fn purge_deleted_kms_keys(&self, _: i64) -> StoreResult<Vec<String>> {
        panic!("{MESSAGE}")
    }
    async fn create_kms_alias(&self, _: KmsAlias) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn kms_alias(&self, _: &str, _: &str, _: &str) -> StoreResult<Option<KmsAlias>> {
        panic!("{MESSAGE}")
    }
    async fn delete_kms_alias(&self, _: &str, _: &str, _: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn list_kms_aliases(&self, _: &str, _: &str) -> StoreResult<Vec<KmsAlias>> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl IamStore for UnreachableStore {
    async fn create_iam_user(&self, _user: IamUser) -> StoreResult<IamUser> {
        panic!("{MESSAGE}")
    }
    async fn iam_user(&self, _account: &str, _name: &str) -> StoreResult<Option<IamUser>> {
        panic!("{MESSAGE}")
    }
    async fn list_iam_users(&self, _account: &str) -> StoreResult<Vec<IamUser>> {
        panic!("{MESSAGE}")
    }
    async fn set_iam_user_tags(
        &self,
        _account: &str,
        _name: &str,
        _tags: Vec<(String, String)>,
    ) -> StoreResult<IamUser> {
        panic!("{MESSAGE}")
    }
    async fn delete_iam_user(&self, _account: &str, _name: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn create_access_key(&self, _key: AccessKey) -> StoreResult<AccessKey> {
        panic!("{MESSAGE}")
    }
    async fn access_key(&self, _id: &str) -> StoreResult<Option<AccessKey>> {
        panic!("{MESSAGE}")
    }
    /// This store has no IAM users: a key that is not the root key is nobody's, which the
    /// signature check then refuses (InvalidClientTokenId) without any other store call.
    async fn signer(&self, _key_id: &str) -> StoreResult<Option<Signer>> {
        Ok(None)
    }
    async fn list_access_keys(&self, _account: &str, _user: &str) -> StoreResult<Vec<AccessKey>> {
        panic!("{MESSAGE}")
    }
    async fn set_access_key_status(
        &self,
        _account: &str,
        _user: &str,
        _id: &str,
        _status: AccessKeyStatus,
    ) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn delete_access_key(&self, _account: &str, _user: &str, _id: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn put_user_policy(
        &self,
        _account: &str,
        _user: &str,
        _name: &str,
        _document: &str,
    ) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn user_policy(&self, _account: &str, _user: &str, _name: &str) -> StoreResult<String> {
        panic!("{MESSAGE}")
    }
    async fn list_user_policies(&self, _account: &str, _user: &str) -> StoreResult<Vec<String>> {
        panic!("{MESSAGE}")
    }
    async fn delete_user_policy(
        &self,
        _account: &str,
        _user: &str,
        _name: &str,
    ) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn create_policy(
        &self,
        _policy: ManagedPolicy,
        _document: &str,
    ) -> StoreResult<ManagedPolicy> {
        panic!("{MESSAGE}")
    }
    async fn policy(&self, _account: &str, _arn: &str) -> StoreResult<Option<ManagedPolicy>> {
        panic!("{MESSAGE}")
    }
    async fn list_policies(&self, _account: &str) -> StoreResult<Vec<(ManagedPolicy, usize)>> {
        panic!("{MESSAGE}")
    }
    async fn policy_attachment_count(&self, _account: &str, _arn: &str) -> StoreResult<usize> {
        panic!("{MESSAGE}")
    }
    async fn set_policy_tags(
        &self,
        _account: &str,
        _arn: &str,
        _tags: Vec<(String, String)>,
    ) -> StoreResult<ManagedPolicy> {
        panic!("{MESSAGE}")
    }
    async fn delete_policy(&self, _account: &str, _arn: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn create_policy_version(
        &self,
        _account: &str,
        _arn: &str,
        _document: &str,
        _set_as_default: bool,
        _now_ms: i64,
    ) -> StoreResult<PolicyVersion> {
        panic!("{MESSAGE}")
    }
    async fn policy_version(
        &self,
        _account: &str,
        _arn: &str,
        _version: &str,
    ) -> StoreResult<PolicyVersion> {
        panic!("{MESSAGE}")
    }
    async fn list_policy_versions(
        &self,
        _account: &str,
        _arn: &str,
    ) -> StoreResult<Vec<PolicyVersion>> {
        panic!("{MESSAGE}")
    }
    async fn set_default_policy_version(
        &self,
        _account: &str,
        _arn: &str,
        _version: &str,
        _now_ms: i64,
    ) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn delete_policy_version(
        &self,
        _account: &str,
        _arn: &str,
        _version: &str,
    ) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn attach_user_policy(&self, _account: &str, _user: &str, _arn: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn detach_user_policy(&self, _account: &str, _user: &str, _arn: &str) -> StoreResult<()> {
        panic!("{MESSAGE}")
    }
    async fn list_attached_user_policies(
        &self,
        _account: &str,
        _user: &str,
    ) -> StoreResult<Vec<ManagedPolicy>> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl cairn_store::DomainStore for UnreachableStore {
    async fn register_domain(
        &self,
        _: cairn_model::domains::RegisteredDomain,
        _: cairn_model::domains::DomainOperation,
    ) -> StoreResult<bool> {
        panic!("{MESSAGE}")
    }
    async fn registered_domain(
        &self,
        _: &str,
    ) -> StoreResult<Option<cairn_model::domains::RegisteredDomain>> {
        panic!("{MESSAGE}")
    }
    async fn list_registered_domains(
        &self,
        _: &str,
    ) -> StoreResult<Vec<cairn_model::domains::RegisteredDomain>> {
        panic!("{MESSAGE}")
    }
    async fn update_registered_domain(
        &self,
        _: cairn_model::domains::RegisteredDomain,
        _: Option<cairn_model::domains::DomainOperation>,
    ) -> StoreResult<bool> {
        panic!("{MESSAGE}")
    }
    async fn delete_registered_domain(
        &self,
        _: &str,
        _: cairn_model::domains::DomainOperation,
    ) -> StoreResult<bool> {
        panic!("{MESSAGE}")
    }
    async fn domain_operation(
        &self,
        _: &str,
        _: &str,
    ) -> StoreResult<Option<cairn_model::domains::DomainOperation>> {
        panic!("{MESSAGE}")
    }
    async fn list_domain_operations(
        &self,
        _: &str,
    ) -> StoreResult<Vec<cairn_model::domains::DomainOperation>> {
        panic!("{MESSAGE}")
    }
}

#[async_trait]
impl cairn_store::LogGroupStore for UnreachableStore {
    async fn create_log_group(&self, _: cairn_model::log_group::LogGroup) -> StoreResult<bool> {
        panic!("{MESSAGE}")
    }
    async fn log_group(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> StoreResult<Option<cairn_model::log_group::LogGroup>> {
        panic!("{MESSAGE}")
    }
    async fn list_log_groups(
        &self,
        _: &str,
        _: &str,
    ) -> StoreResult<Vec<cairn_model::log_group::LogGroup>> {
        panic!("{MESSAGE}")
    }
    async fn log_groups_with_retention(
        &self,
    ) -> StoreResult<Vec<cairn_model::log_group::LogGroup>> {
        panic!("{MESSAGE}")
    }
    async fn update_log_group(&self, _: cairn_model::log_group::LogGroup) -> StoreResult<bool> {
        panic!("{MESSAGE}")
    }
    async fn delete_log_group(&self, _: &str, _: &str, _: &str) -> StoreResult<bool> {
        panic!("{MESSAGE}")
    }
}
