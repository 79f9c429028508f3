//! [`ResolverStore`] on SQL: Resolver endpoints, rules, rule associations and configs.
//!
//! Each write reads the whole network state inside its transaction, runs the pure check of
//! `cairn_model::resolver_validate` on it, writes the rows it returns and logs one
//! `ChangeSubject::Network` change ([`write_checked`]). A refused write returns before
//! anything is written, and the transaction is dropped (rolled back).

use async_trait::async_trait;
use cairn_model::resolver::{
    AutodefinedReverseFlag, DnssecValidationFlag, ResolverEndpoint, ResolverEndpointId,
    ResolverRule, ResolverRuleId, RuleAssociation, VpcDnssecConfig, VpcResolverConfig,
};
use cairn_model::resolver_validate::{
    self as validate, EndpointUpdate, IpRequest, IpSelector, NewEndpoint, NewRule, RuleUpdate,
};

use super::conn::{params, Conn};
use super::ids::{new_hex_id, now_ms};
use super::json::to_json;
use super::network_rows::write_checked;
use super::store::SqlStore;
use super::tags;
use crate::error::StoreResult;
use crate::resolver::ResolverStore;
use crate::zones::tag_types;

#[async_trait]
impl ResolverStore for SqlStore {
    async fn create_resolver_endpoint(
        &self,
        req: NewEndpoint,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ResolverEndpoint> {
        write_checked(
            self,
            move |tx, net| {
                let endpoint =
                    validate::create_endpoint(net, req, &mut |p| new_hex_id(p), now_ms())?;
                put_endpoint(tx, &endpoint)?;
                tags::put(
                    tx,
                    tag_types::RESOLVER_ENDPOINT,
                    endpoint.id.as_str(),
                    &tags,
                )?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} created", e.id),
        )
        .await
    }

    async fn update_resolver_endpoint(
        &self,
        id: &ResolverEndpointId,
        update: EndpointUpdate,
    ) -> StoreResult<ResolverEndpoint> {
        let id = id.clone();
        write_checked(
            self,
            move |tx, net| {
                let endpoint = validate::update_endpoint(net, &id, update, now_ms())?;
                put_endpoint(tx, &endpoint)?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} updated", e.id),
        )
        .await
    }

    async fn delete_resolver_endpoint(
        &self,
        id: &ResolverEndpointId,
    ) -> StoreResult<ResolverEndpoint> {
        let id = id.clone();
        write_checked(
            self,
            move |tx, net| {
                let endpoint = validate::delete_endpoint(net, &id)?;
                tx.exec("DELETE FROM resolver_endpoints WHERE id = ?1", params![id])?;
                tags::remove_all(tx, tag_types::RESOLVER_ENDPOINT, id.as_str())?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} deleted", e.id),
        )
        .await
    }

    async fn associate_resolver_endpoint_ip(
        &self,
        id: &ResolverEndpointId,
        req: IpRequest,
    ) -> StoreResult<ResolverEndpoint> {
        let id = id.clone();
        write_checked(
            self,
            move |tx, net| {
                let endpoint = validate::associate_endpoint_ip(
                    net,
                    &id,
                    req,
                    &mut |p| new_hex_id(p),
                    now_ms(),
                )?;
                put_endpoint(tx, &endpoint)?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} address added", e.id),
        )
        .await
    }

    async fn disassociate_resolver_endpoint_ip(
        &self,
        id: &ResolverEndpointId,
        which: IpSelector,
    ) -> StoreResult<ResolverEndpoint> {
        let id = id.clone();
        write_checked(
            self,
            move |tx, net| {
                let endpoint = validate::disassociate_endpoint_ip(net, &id, which, now_ms())?;
                put_endpoint(tx, &endpoint)?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} address removed", e.id),
        )
        .await
    }

    async fn create_resolver_rule(
        &self,
        req: NewRule,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ResolverRule> {
        write_checked(
            self,
            move |tx, net| {
                let rule =
                    validate::create_rule(net, req, new_hex_id("rslvr-rr-").into(), now_ms())?;
                put_rule(tx, &rule)?;
                tags::put(tx, tag_types::RESOLVER_RULE, rule.id.as_str(), &tags)?;
                Ok(rule)
            },
            |r| format!("resolver rule {} created", r.id),
        )
        .await
    }

    async fn update_resolver_rule(
        &self,
        id: &ResolverRuleId,
        update: RuleUpdate,
    ) -> StoreResult<ResolverRule> {
        let id = id.clone();
        write_checked(
            self,
            move |tx, net| {
                let rule = validate::update_rule(net, &id, update, now_ms())?;
                put_rule(tx, &rule)?;
                Ok(rule)
            },
            |r| format!("resolver rule {} updated", r.id),
        )
        .await
    }

    async fn delete_resolver_rule(&self, id: &ResolverRuleId) -> StoreResult<ResolverRule> {
        let id = id.clone();
        write_checked(
            self,
            move |tx, net| {
                let rule = validate::delete_rule(net, &id)?;
                tx.exec("DELETE FROM resolver_rules WHERE id = ?1", params![id])?;
                tags::remove_all(tx, tag_types::RESOLVER_RULE, id.as_str())?;
                Ok(rule)
            },
            |r| format!("resolver rule {} deleted", r.id),
        )
        .await
    }

    async fn associate_resolver_rule(
        &self,
        rule_id: &ResolverRuleId,
        vpc_id: &str,
        name: Option<String>,
    ) -> StoreResult<RuleAssociation> {
        let rule_id = rule_id.clone();
        let vpc_id = vpc_id.to_string();
        write_checked(
            self,
            move |tx, net| {
                let assoc = validate::associate_rule(net, &rule_id, &vpc_id, name, new_hex_id("rslvr-rrassoc-").into())?;
                tx.exec("INSERT INTO resolver_rule_associations (id, rule_id, vpc_id, body) VALUES (?1, ?2, ?3, ?4)",
                    params![assoc.id, assoc.rule_id, assoc.vpc_id, to_json(&assoc)?],
                )?;
                Ok(assoc)
            },
            |a| format!("resolver rule {} associated with {}", a.rule_id, a.vpc_id),
        )
        .await
    }

    async fn disassociate_resolver_rule(
        &self,
        rule_id: &ResolverRuleId,
        vpc_id: &str,
    ) -> StoreResult<RuleAssociation> {
        let rule_id = rule_id.clone();
        let vpc_id = vpc_id.to_string();
        write_checked(
            self,
            move |tx, net| {
                let assoc = validate::disassociate_rule(net, &rule_id, &vpc_id)?;
                tx.exec(
                    "DELETE FROM resolver_rule_associations WHERE id = ?1",
                    params![assoc.id],
                )?;
                Ok(assoc)
            },
            |a| {
                format!(
                    "resolver rule {} disassociated from {}",
                    a.rule_id, a.vpc_id
                )
            },
        )
        .await
    }

    async fn update_resolver_config(
        &self,
        vpc_id: &str,
        flag: AutodefinedReverseFlag,
    ) -> StoreResult<VpcResolverConfig> {
        let vpc_id = vpc_id.to_string();
        write_checked(
            self,
            move |tx, net| {
                let config = validate::update_config(net, &vpc_id, flag, "")?;
                tx.exec(
                    "INSERT INTO resolver_configs (resource_id, body) VALUES (?1, ?2) \
                     ON CONFLICT (resource_id) DO UPDATE SET body = excluded.body",
                    params![config.resource_id, to_json(&config)?],
                )?;
                Ok(config)
            },
            |c| format!("resolver config of {} updated", c.resource_id),
        )
        .await
    }

    async fn update_resolver_dnssec_config(
        &self,
        vpc_id: &str,
        flag: DnssecValidationFlag,
    ) -> StoreResult<VpcDnssecConfig> {
        let vpc_id = vpc_id.to_string();
        write_checked(
            self,
            move |tx, net| {
                let config = validate::update_dnssec_config(net, &vpc_id, flag)?;
                tx.exec(
                    "INSERT INTO resolver_dnssec_configs (resource_id, body) VALUES (?1, ?2) \
                     ON CONFLICT (resource_id) DO UPDATE SET body = excluded.body",
                    params![config.resource_id, to_json(&config)?],
                )?;
                Ok(config)
            },
            |c| format!("resolver DNSSEC config of {} updated", c.resource_id),
        )
        .await
    }
}

fn put_endpoint(tx: &Conn<'_>, e: &ResolverEndpoint) -> StoreResult<()> {
    tx.exec("INSERT INTO resolver_endpoints (id, owner_account, creator_request_id, host_vpc_id, body) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (id) DO UPDATE SET owner_account = excluded.owner_account, \
         creator_request_id = excluded.creator_request_id, host_vpc_id = excluded.host_vpc_id, body = excluded.body",
        params![e.id, e.owner_account, e.creator_request_id, e.host_vpc_id, to_json(e)?],
    )
}

fn put_rule(tx: &Conn<'_>, r: &ResolverRule) -> StoreResult<()> {
    tx.exec("INSERT INTO resolver_rules (id, owner_account, creator_request_id, endpoint_id, body) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (id) DO UPDATE SET owner_account = excluded.owner_account, \
         creator_request_id = excluded.creator_request_id, endpoint_id = excluded.endpoint_id, body = excluded.body",
        params![r.id, r.owner_account, r.creator_request_id, r.resolver_endpoint_id, to_json(r)?],
    )
}
