//! [`QueryLogStore`] on SQL: Resolver query log configs, their VPC associations, and Route
//! 53's public query logging configs.
//!
//! Each write reads the whole network state inside its transaction (it carries every
//! config), runs the pure check of `cairn_model::query_log` on it, writes and logs one
//! `ChangeSubject::Network` change ([`write_checked`]), so the data plane starts or stops
//! logging at its next reload.

use async_trait::async_trait;
use cairn_model::query_log::{
    self as rules, NewQueryLogConfig, PublicQueryLogConfig, QueryLogAssociation, QueryLogConfig,
    QueryLogError,
};
use cairn_model::HostedZoneId;

use super::conn::params;
use super::ids::{new_hex_id, new_uuid, now_ms};
use super::json::to_json;
use super::network_rows::write_checked;
use super::store::SqlStore;
use super::tags;
use super::zone_rows::load_zone_row;
use crate::error::StoreResult;
use crate::query_logs::QueryLogStore;
use crate::zones::tag_types;

#[async_trait]
impl QueryLogStore for SqlStore {
    async fn create_query_log_config(
        &self,
        req: NewQueryLogConfig,
        tags: Vec<(String, String)>,
    ) -> StoreResult<QueryLogConfig> {
        write_checked(
            self,
            move |tx, net| {
                let id = new_hex_id("rslvr-qlc-");
                let (config, fresh) = rules::create_config(net, req, id, now_ms())?;
                if fresh {
                    tx.exec(
                        "INSERT INTO query_log_configs (id, owner_account, creator_request_id, body) \
                         VALUES (?1, ?2, ?3, ?4)",
                        params![config.id, config.owner_account, config.creator_request_id, to_json(&config)?],
                    )?;
                    tags::put(tx, tag_types::QUERY_LOG_CONFIG, &config.id, &tags)?;
                }
                Ok(config)
            },
            |c| format!("resolver query log config {} created", c.id),
        )
        .await
    }

    async fn delete_query_log_config(&self, id: &str) -> StoreResult<QueryLogConfig> {
        let id = id.to_string();
        write_checked(
            self,
            move |tx, net| {
                let config = rules::delete_config(net, &id)?;
                tx.exec("DELETE FROM query_log_configs WHERE id = ?1", params![id])?;
                tags::remove_all(tx, tag_types::QUERY_LOG_CONFIG, &id)?;
                Ok(config)
            },
            |c| format!("resolver query log config {} deleted", c.id),
        )
        .await
    }

    async fn associate_query_log_config(
        &self,
        config_id: &str,
        vpc_id: &str,
    ) -> StoreResult<QueryLogAssociation> {
        let (config_id, vpc_id) = (config_id.to_string(), vpc_id.to_string());
        write_checked(
            self,
            move |tx, net| {
                let id = new_hex_id("rslvr-qlcassoc-");
                let assoc = rules::associate(net, &config_id, &vpc_id, id, now_ms())?;
                tx.exec(
                    "INSERT INTO query_log_associations (id, config_id, vpc_id, body) VALUES (?1, ?2, ?3, ?4)",
                    params![assoc.id, assoc.config_id, assoc.vpc_id, to_json(&assoc)?],
                )?;
                Ok(assoc)
            },
            |a| format!("resolver query log config {} associated with {}", a.config_id, a.vpc_id),
        )
        .await
    }

    async fn disassociate_query_log_config(
        &self,
        config_id: &str,
        vpc_id: &str,
    ) -> StoreResult<QueryLogAssociation> {
        let (config_id, vpc_id) = (config_id.to_string(), vpc_id.to_string());
        write_checked(
            self,
            move |tx, net| {
                let assoc = rules::disassociate(net, &config_id, &vpc_id)?;
                tx.exec(
                    "DELETE FROM query_log_associations WHERE id = ?1",
                    params![assoc.id],
                )?;
                Ok(assoc)
            },
            |a| {
                format!(
                    "resolver query log config {} disassociated from {}",
                    a.config_id, a.vpc_id
                )
            },
        )
        .await
    }

    async fn create_public_query_log_config(
        &self,
        zone_id: &HostedZoneId,
        log_group_arn: &str,
    ) -> StoreResult<PublicQueryLogConfig> {
        let (zone_id, arn) = (zone_id.clone(), log_group_arn.to_string());
        write_checked(
            self,
            move |tx, net| {
                if load_zone_row(tx, &zone_id)?.is_none() {
                    return Err(QueryLogError::NoSuchHostedZone(zone_id.to_string()).into());
                }
                rules::check_log_group_arn(&arn)?;
                if net
                    .public_query_log_configs
                    .iter()
                    .any(|c| c.zone_id == zone_id)
                {
                    return Err(QueryLogError::PublicConfigExists(zone_id.to_string()).into());
                }
                let config = PublicQueryLogConfig {
                    id: new_uuid(),
                    zone_id,
                    log_group_arn: arn,
                };
                tx.exec(
                    "INSERT INTO public_query_log_configs (id, zone_id, body) VALUES (?1, ?2, ?3)",
                    params![config.id, config.zone_id.to_string(), to_json(&config)?],
                )?;
                Ok(config)
            },
            |c| format!("query logging config {} created for {}", c.id, c.zone_id),
        )
        .await
    }

    async fn delete_public_query_log_config(&self, id: &str) -> StoreResult<PublicQueryLogConfig> {
        let id = id.to_string();
        write_checked(
            self,
            move |tx, net| {
                let config = net
                    .public_query_log_configs
                    .iter()
                    .find(|c| c.id == id)
                    .cloned()
                    .ok_or_else(|| QueryLogError::NoSuchPublicConfig(id.clone()))?;
                tx.exec(
                    "DELETE FROM public_query_log_configs WHERE id = ?1",
                    params![id],
                )?;
                Ok(config)
            },
            |c| format!("query logging config {} deleted", c.id),
        )
        .await
    }
}
