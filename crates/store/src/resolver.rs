//! Route 53 Resolver: endpoints, rules, their VPC associations and per-VPC resolver config.

use async_trait::async_trait;
use cairn_model::resolver::{
    AutodefinedReverseFlag, DnssecValidationFlag, ResolverEndpoint, ResolverEndpointId,
    ResolverRule, ResolverRuleId, RuleAssociation, VpcDnssecConfig, VpcResolverConfig,
};
use cairn_model::resolver_validate::{
    EndpointUpdate, IpRequest, IpSelector, NewEndpoint, NewRule, RuleUpdate,
};

use crate::error::StoreResult;

/// Resolver endpoints, rules, rule associations and resolver configs. Each write runs the
/// matching `cairn_model::resolver_validate` check on the state inside its transaction,
/// writes, and logs a `ChangeSubject::Network` change; a refusal changes nothing. Reads go
/// through [`ChangeFeed::load_network`](crate::ChangeFeed::load_network).
#[async_trait]
pub trait ResolverStore: Send + Sync + 'static {
    /// CreateResolverEndpoint, with its tags.
    async fn create_resolver_endpoint(
        &self,
        req: NewEndpoint,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ResolverEndpoint>;

    /// UpdateResolverEndpoint.
    async fn update_resolver_endpoint(
        &self,
        id: &ResolverEndpointId,
        update: EndpointUpdate,
    ) -> StoreResult<ResolverEndpoint>;

    /// DeleteResolverEndpoint (refused while a rule uses it); returns what was deleted.
    async fn delete_resolver_endpoint(
        &self,
        id: &ResolverEndpointId,
    ) -> StoreResult<ResolverEndpoint>;

    /// AssociateResolverEndpointIpAddress.
    async fn associate_resolver_endpoint_ip(
        &self,
        id: &ResolverEndpointId,
        req: IpRequest,
    ) -> StoreResult<ResolverEndpoint>;

    /// DisassociateResolverEndpointIpAddress.
    async fn disassociate_resolver_endpoint_ip(
        &self,
        id: &ResolverEndpointId,
        which: IpSelector,
    ) -> StoreResult<ResolverEndpoint>;

    /// CreateResolverRule, with its tags.
    async fn create_resolver_rule(
        &self,
        req: NewRule,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ResolverRule>;

    /// UpdateResolverRule.
    async fn update_resolver_rule(
        &self,
        id: &ResolverRuleId,
        update: RuleUpdate,
    ) -> StoreResult<ResolverRule>;

    /// DeleteResolverRule (refused while associated); returns what was deleted.
    async fn delete_resolver_rule(&self, id: &ResolverRuleId) -> StoreResult<ResolverRule>;

    /// AssociateResolverRule.
    async fn associate_resolver_rule(
        &self,
        rule_id: &ResolverRuleId,
        vpc_id: &str,
        name: Option<String>,
    ) -> StoreResult<RuleAssociation>;

    /// DisassociateResolverRule; returns the association removed.
    async fn disassociate_resolver_rule(
        &self,
        rule_id: &ResolverRuleId,
        vpc_id: &str,
    ) -> StoreResult<RuleAssociation>;

    /// UpdateResolverConfig (`ENABLE`/`DISABLE` autodefined reverse for a VPC).
    async fn update_resolver_config(
        &self,
        vpc_id: &str,
        flag: AutodefinedReverseFlag,
    ) -> StoreResult<VpcResolverConfig>;

    /// UpdateResolverDnssecConfig (`ENABLE`/`DISABLE` DNSSEC validation for a VPC).
    async fn update_resolver_dnssec_config(
        &self,
        vpc_id: &str,
        flag: DnssecValidationFlag,
    ) -> StoreResult<VpcDnssecConfig>;
}
