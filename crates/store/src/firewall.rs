//! Route 53 Resolver DNS Firewall: domain lists and their domains, rule groups, rules,
//! rule-group associations and per-VPC firewall configs.

use async_trait::async_trait;
use cairn_model::firewall::{
    FirewallConfig, FirewallContents, FirewallDomainList, FirewallRule, FirewallRuleGroup,
    FirewallRuleGroupAssociation,
};
use cairn_model::firewall_validate::{
    AssociationUpdate, DomainOperation, NewAssociation, NewNamed, RuleRequest,
};

use crate::error::StoreResult;

/// The DNS Firewall's resources. Each write runs the matching
/// `cairn_model::firewall_validate` check on the state inside its transaction, writes, and
/// logs a `ChangeSubject::Firewall` change; a refusal changes nothing. The data plane reads
/// everything through [`ChangeFeed::load_firewall`](crate::ChangeFeed::load_firewall).
#[async_trait]
pub trait FirewallStore: Send + Sync + 'static {
    /// Every resource's metadata, without the lists' domains (what the API lists from).
    async fn firewall_metadata(&self) -> StoreResult<FirewallContents>;

    /// One list's domains, in order, from `start` (an offset), at most `limit`; and whether
    /// more follow. The list must exist.
    async fn firewall_domains(
        &self,
        list_id: &str,
        start: usize,
        limit: usize,
    ) -> StoreResult<(Vec<String>, bool)>;

    /// CreateFirewallDomainList, with its tags (a repeated CreatorRequestId returns the
    /// list made then).
    async fn create_firewall_domain_list(
        &self,
        req: NewNamed,
        tags: Vec<(String, String)>,
    ) -> StoreResult<FirewallDomainList>;

    /// DeleteFirewallDomainList, its domains and tags with it.
    async fn delete_firewall_domain_list(&self, id: &str) -> StoreResult<FirewallDomainList>;

    /// UpdateFirewallDomains (`from_import`: ImportFirewallDomains, whose domains come from a
    /// file and which may fill a managed list).
    async fn update_firewall_domains(
        &self,
        id: &str,
        operation: DomainOperation,
        domains: Vec<String>,
        from_import: bool,
    ) -> StoreResult<FirewallDomainList>;

    /// CreateFirewallRuleGroup, with its tags.
    async fn create_firewall_rule_group(
        &self,
        req: NewNamed,
        tags: Vec<(String, String)>,
    ) -> StoreResult<FirewallRuleGroup>;

    /// DeleteFirewallRuleGroup (refused while associated or holding rules).
    async fn delete_firewall_rule_group(&self, id: &str) -> StoreResult<FirewallRuleGroup>;

    /// CreateFirewallRule.
    async fn create_firewall_rule(&self, req: RuleRequest) -> StoreResult<FirewallRule>;

    /// UpdateFirewallRule: the rule `req`'s group, list and Qtype address.
    async fn update_firewall_rule(&self, req: RuleRequest) -> StoreResult<FirewallRule>;

    /// DeleteFirewallRule.
    async fn delete_firewall_rule(
        &self,
        group: &str,
        domain_list: &str,
        qtype: Option<String>,
    ) -> StoreResult<FirewallRule>;

    /// AssociateFirewallRuleGroup, with the association's tags.
    async fn associate_firewall_rule_group(
        &self,
        req: NewAssociation,
        tags: Vec<(String, String)>,
    ) -> StoreResult<FirewallRuleGroupAssociation>;

    /// UpdateFirewallRuleGroupAssociation.
    async fn update_firewall_rule_group_association(
        &self,
        id: &str,
        update: AssociationUpdate,
    ) -> StoreResult<FirewallRuleGroupAssociation>;

    /// DisassociateFirewallRuleGroup; returns the association removed.
    async fn disassociate_firewall_rule_group(
        &self,
        id: &str,
    ) -> StoreResult<FirewallRuleGroupAssociation>;

    /// UpdateFirewallConfig for a VPC.
    async fn update_firewall_config(
        &self,
        vpc_id: &str,
        fail_open: &str,
    ) -> StoreResult<FirewallConfig>;
}
