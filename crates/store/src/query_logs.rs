//! Query logging (issue 13): Route 53 Resolver query log configs and their VPC associations,
//! and Route 53's public DNS query logging configs.

use async_trait::async_trait;
use cairn_model::query_log::{
    NewQueryLogConfig, PublicQueryLogConfig, QueryLogAssociation, QueryLogConfig,
};
use cairn_model::HostedZoneId;

use crate::error::StoreResult;

/// Query log configs and associations. Each write runs the matching `cairn_model::query_log`
/// check on the network state inside its transaction, writes, and logs a
/// `ChangeSubject::Network` change, so the data plane reloads
/// [`ChangeFeed::load_network`](crate::ChangeFeed::load_network), which carries them; a
/// refusal changes nothing.
#[async_trait]
pub trait QueryLogStore: Send + Sync + 'static {
    /// CreateResolverQueryLogConfig, with its tags. A repeated `CreatorRequestId` returns
    /// the config it made, and writes nothing.
    async fn create_query_log_config(
        &self,
        req: NewQueryLogConfig,
        tags: Vec<(String, String)>,
    ) -> StoreResult<QueryLogConfig>;

    /// DeleteResolverQueryLogConfig (refused while associated); returns what was deleted.
    async fn delete_query_log_config(&self, id: &str) -> StoreResult<QueryLogConfig>;

    /// AssociateResolverQueryLogConfig.
    async fn associate_query_log_config(
        &self,
        config_id: &str,
        vpc_id: &str,
    ) -> StoreResult<QueryLogAssociation>;

    /// DisassociateResolverQueryLogConfig; returns the association removed.
    async fn disassociate_query_log_config(
        &self,
        config_id: &str,
        vpc_id: &str,
    ) -> StoreResult<QueryLogAssociation>;

    /// Route 53 CreateQueryLoggingConfig: one per hosted zone.
    async fn create_public_query_log_config(
        &self,
        zone_id: &HostedZoneId,
        log_group_arn: &str,
    ) -> StoreResult<PublicQueryLogConfig>;

    /// Route 53 DeleteQueryLoggingConfig; returns what was deleted.
    async fn delete_public_query_log_config(&self, id: &str) -> StoreResult<PublicQueryLogConfig>;
}
