//! Query logging (issue 13): Route 53 Resolver query log configs and their VPC associations
//! ([ROUTE53-NEXT.md §D.2]), and the rules Resolver applies to their writes.
//!
//! A config names where records go (`DestinationArn`); an association turns logging on for a
//! VPC. The data plane finds both in [`NetworkContents`] and writes one JSON record per query
//! answered in an associated VPC.

use serde::{Deserialize, Serialize};

use crate::network::NetworkContents;
use crate::resolver_validate::{check_name, ResolverErrorKind};

/// How many configs an account may have per region (Route 53 Resolver's quota).
pub const MAX_CONFIGS: usize = 20;
/// How many VPC associations an account may have per region.
pub const MAX_ASSOCIATIONS: usize = 100;

/// A Resolver query logging configuration (`ResolverQueryLogConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryLogConfig {
    /// `rslvr-qlc-` + 17 hex digits.
    pub id: String,
    /// The owning account.
    pub owner_account: String,
    /// The region it lives in (its ARN names it).
    pub region: String,
    /// `Name`.
    pub name: String,
    /// `DestinationArn`, as stored: a CloudWatch Logs group ARN without its `:*` suffix, an
    /// S3 bucket ARN, or a Firehose delivery stream ARN.
    pub destination_arn: String,
    /// `CreatorRequestId`, the idempotency token.
    pub creator_request_id: String,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// A config's association with a VPC (`ResolverQueryLogConfigAssociation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryLogAssociation {
    /// `rslvr-qlcassoc-` + 17 hex digits.
    pub id: String,
    /// The config.
    pub config_id: String,
    /// The VPC (`ResourceId`).
    pub vpc_id: String,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// A Route 53 public DNS query logging config (`QueryLoggingConfig`, [ROUTE53-NEXT.md §D.1]):
/// the queries for one public hosted zone go to one CloudWatch Logs group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicQueryLogConfig {
    /// A UUID.
    pub id: String,
    /// The hosted zone (bare id).
    pub zone_id: crate::HostedZoneId,
    /// `CloudWatchLogsLogGroupArn`, as sent.
    pub log_group_arn: String,
}

/// A write Resolver (or Route 53, for public query logging) refuses for query logging.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryLogError {
    /// A `Name` outside the model's pattern.
    #[error("invalid name {0:?}")]
    InvalidName(String),
    /// A `DestinationArn` that names no S3 bucket, log group or Firehose stream.
    #[error("invalid destination {0:?}")]
    InvalidDestination(String),
    /// No config with this id.
    #[error("no query log config {0}")]
    NoSuchConfig(String),
    /// No association with this id.
    #[error("no query log config association {0}")]
    NoSuchAssociation(String),
    /// No VPC with this id.
    #[error("no VPC {0}")]
    NoSuchVpc(String),
    /// The config still has VPCs associated.
    #[error("config {0} is still associated")]
    StillAssociated(String),
    /// The VPC is already associated with this config.
    #[error("{vpc} already associated with {config}")]
    AlreadyAssociated {
        /// The config.
        config: String,
        /// The VPC.
        vpc: String,
    },
    /// The VPC is not associated with this config.
    #[error("{vpc} not associated with {config}")]
    NotAssociated {
        /// The config.
        config: String,
        /// The VPC.
        vpc: String,
    },
    /// Route 53: no hosted zone with this id (`NoSuchHostedZone`).
    #[error("no hosted zone {0}")]
    NoSuchHostedZone(String),
    /// Route 53: the zone already has a query logging config.
    #[error("zone {0} already has a query logging config")]
    PublicConfigExists(String),
    /// Route 53: no query logging config with this id.
    #[error("no query logging config {0}")]
    NoSuchPublicConfig(String),
    /// Route 53: a `CloudWatchLogsLogGroupArn` that is not a log group's ARN.
    #[error("invalid log group ARN {0:?}")]
    InvalidLogGroupArn(String),
    /// A quota was reached (the limit and what it counts).
    #[error("limit of {0} {1} reached")]
    LimitExceeded(usize, &'static str),
}

impl QueryLogError {
    /// The exception Resolver answers with.
    pub fn kind(&self) -> ResolverErrorKind {
        match self {
            Self::InvalidName(_) | Self::InvalidDestination(_) | Self::InvalidLogGroupArn(_) => {
                ResolverErrorKind::InvalidParameter
            }
            Self::NoSuchConfig(_)
            | Self::NoSuchAssociation(_)
            | Self::NoSuchVpc(_)
            | Self::NoSuchHostedZone(_)
            | Self::NoSuchPublicConfig(_) => ResolverErrorKind::ResourceNotFound,
            Self::StillAssociated(_) | Self::NotAssociated { .. } => {
                ResolverErrorKind::InvalidRequest
            }
            Self::AlreadyAssociated { .. } | Self::PublicConfigExists(_) => {
                ResolverErrorKind::ResourceExists
            }
            Self::LimitExceeded(..) => ResolverErrorKind::LimitExceeded,
        }
    }
}

/// Shorthand.
pub type QueryLogResult<T> = Result<T, QueryLogError>;

/// CreateResolverQueryLogConfig's input, as the API read it.
#[derive(Debug, Clone)]
pub struct NewQueryLogConfig {
    /// `Name`.
    pub name: String,
    /// `DestinationArn`, as sent.
    pub destination_arn: String,
    /// `CreatorRequestId`.
    pub creator_request_id: String,
    /// The owning account.
    pub owner_account: String,
    /// The region.
    pub region: String,
}

/// A `DestinationArn` as Resolver stores it: a CloudWatch Logs group ARN loses the `:*`
/// that DescribeLogGroups gives it (the recording shows AWS dropping it). Refuses anything
/// but `arn:<partition>:s3:::bucket[/prefix]`, `arn:<p>:logs:<region>:<acct>:log-group:<name>`
/// and `arn:<p>:firehose:<region>:<acct>:deliverystream/<name>`.
pub fn normalize_destination(arn: &str) -> QueryLogResult<String> {
    let invalid = || QueryLogError::InvalidDestination(arn.to_string());
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, _region, _account, resource] = parts[..] else {
        return Err(invalid());
    };
    if scheme != "arn" || partition.is_empty() {
        return Err(invalid());
    }
    match service {
        "s3" if !resource.is_empty() && !resource.starts_with('/') => Ok(arn.to_string()),
        "logs" => {
            let name = resource.strip_prefix("log-group:").ok_or_else(invalid)?;
            let name = name.strip_suffix(":*").unwrap_or(name);
            if name.is_empty() || name.contains(':') {
                return Err(invalid());
            }
            Ok(arn[..arn.len() - resource.len()].to_string() + "log-group:" + name)
        }
        "firehose" if resource.starts_with("deliverystream/") => Ok(arn.to_string()),
        _ => Err(invalid()),
    }
}

/// A public query logging config's `CloudWatchLogsLogGroupArn`: any
/// `arn:<partition>:logs:<region>:<account>:log-group:<name>[:*]` (Route 53 wants us-east-1;
/// Cairn keeps the ARN as a key for its local file and accepts any region).
pub fn check_log_group_arn(arn: &str) -> QueryLogResult<()> {
    match normalize_destination(arn) {
        Ok(_) if arn.split(':').nth(2) == Some("logs") => Ok(()),
        _ => Err(QueryLogError::InvalidLogGroupArn(arn.to_string())),
    }
}

/// CreateResolverQueryLogConfig: the config to store, or the one `CreatorRequestId` already
/// made (Resolver's idempotency: a repeated request returns the first answer).
pub fn create_config(
    net: &NetworkContents,
    req: NewQueryLogConfig,
    id: String,
    now_ms: i64,
) -> QueryLogResult<(QueryLogConfig, bool)> {
    if let Some(existing) = net.query_log_configs.iter().find(|c| {
        c.owner_account == req.owner_account && c.creator_request_id == req.creator_request_id
    }) {
        return Ok((existing.clone(), false));
    }
    check_name(&req.name, ResolverErrorKind::InvalidParameter)
        .map_err(|_| QueryLogError::InvalidName(req.name.clone()))?;
    let destination_arn = normalize_destination(&req.destination_arn)?;
    let owned = net
        .query_log_configs
        .iter()
        .filter(|c| c.owner_account == req.owner_account && c.region == req.region)
        .count();
    if owned >= MAX_CONFIGS {
        return Err(QueryLogError::LimitExceeded(MAX_CONFIGS, "configs"));
    }
    let config = QueryLogConfig {
        id,
        owner_account: req.owner_account,
        region: req.region,
        name: req.name,
        destination_arn,
        creator_request_id: req.creator_request_id,
        created_at_ms: now_ms,
    };
    Ok((config, true))
}

/// The config with `id`.
pub fn require_config<'a>(
    net: &'a NetworkContents,
    id: &str,
) -> QueryLogResult<&'a QueryLogConfig> {
    net.query_log_configs
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| QueryLogError::NoSuchConfig(id.to_string()))
}

/// How many VPCs `config_id` is associated with (`AssociationCount`).
pub fn association_count(net: &NetworkContents, config_id: &str) -> usize {
    net.query_log_associations
        .iter()
        .filter(|a| a.config_id == config_id)
        .count()
}

/// DeleteResolverQueryLogConfig: refused while a VPC is associated.
pub fn delete_config(net: &NetworkContents, id: &str) -> QueryLogResult<QueryLogConfig> {
    let config = require_config(net, id)?;
    if association_count(net, id) > 0 {
        return Err(QueryLogError::StillAssociated(id.to_string()));
    }
    Ok(config.clone())
}

/// AssociateResolverQueryLogConfig: the VPC must exist, and be associated once per config.
pub fn associate(
    net: &NetworkContents,
    config_id: &str,
    vpc_id: &str,
    id: String,
    now_ms: i64,
) -> QueryLogResult<QueryLogAssociation> {
    let config = require_config(net, config_id)?;
    if !net.vpcs.iter().any(|v| v.id == vpc_id) {
        return Err(QueryLogError::NoSuchVpc(vpc_id.to_string()));
    }
    let taken = |a: &&QueryLogAssociation| a.config_id == config_id && a.vpc_id == vpc_id;
    if net.query_log_associations.iter().any(|a| taken(&a)) {
        return Err(QueryLogError::AlreadyAssociated {
            config: config_id.to_string(),
            vpc: vpc_id.to_string(),
        });
    }
    let owned = net
        .query_log_associations
        .iter()
        .filter(|a| {
            net.query_log_configs
                .iter()
                .any(|c| c.id == a.config_id && c.owner_account == config.owner_account)
        })
        .count();
    if owned >= MAX_ASSOCIATIONS {
        return Err(QueryLogError::LimitExceeded(
            MAX_ASSOCIATIONS,
            "associations",
        ));
    }
    Ok(QueryLogAssociation {
        id,
        config_id: config_id.to_string(),
        vpc_id: vpc_id.to_string(),
        created_at_ms: now_ms,
    })
}

/// DisassociateResolverQueryLogConfig: the association removed.
pub fn disassociate(
    net: &NetworkContents,
    config_id: &str,
    vpc_id: &str,
) -> QueryLogResult<QueryLogAssociation> {
    require_config(net, config_id)?;
    net.query_log_associations
        .iter()
        .find(|a| a.config_id == config_id && a.vpc_id == vpc_id)
        .cloned()
        .ok_or_else(|| QueryLogError::NotAssociated {
            config: config_id.to_string(),
            vpc: vpc_id.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(token: &str) -> NewQueryLogConfig {
        NewQueryLogConfig {
            name: "logs".into(),
            destination_arn: "arn:aws:logs:us-east-1:111111111111:log-group:lg:*".into(),
            creator_request_id: token.into(),
            owner_account: "111111111111".into(),
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn log_group_arns_lose_their_star() {
        assert_eq!(
            normalize_destination("arn:aws:logs:us-east-1:1:log-group:a/b:*").unwrap(),
            "arn:aws:logs:us-east-1:1:log-group:a/b"
        );
        assert_eq!(
            normalize_destination("arn:aws:s3:::bucket/prefix/").unwrap(),
            "arn:aws:s3:::bucket/prefix/"
        );
        for bad in [
            "",
            "arn:aws:s3:::",
            "arn:aws:logs:r:a:stream:x",
            "arn:aws:ec2:r:a:vpc/x",
        ] {
            assert!(normalize_destination(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_repeated_request_returns_the_first_config() {
        let mut net = NetworkContents::default();
        let (first, fresh) = create_config(&net, req("t"), "rslvr-qlc-1".into(), 5).unwrap();
        assert!(fresh);
        assert_eq!(
            first.destination_arn,
            "arn:aws:logs:us-east-1:111111111111:log-group:lg"
        );
        net.query_log_configs.push(first.clone());
        let (again, fresh) = create_config(&net, req("t"), "rslvr-qlc-2".into(), 6).unwrap();
        assert_eq!((again, fresh), (first, false));
    }

    #[test]
    fn a_config_with_vpcs_cannot_be_deleted() {
        let mut net = NetworkContents::default();
        let (config, _) = create_config(&net, req("t"), "rslvr-qlc-1".into(), 5).unwrap();
        net.query_log_configs.push(config);
        net.query_log_associations.push(QueryLogAssociation {
            id: "rslvr-qlcassoc-1".into(),
            config_id: "rslvr-qlc-1".into(),
            vpc_id: "vpc-1".into(),
            created_at_ms: 6,
        });
        assert_eq!(
            delete_config(&net, "rslvr-qlc-1"),
            Err(QueryLogError::StillAssociated("rslvr-qlc-1".into()))
        );
        assert_eq!(
            delete_config(&net, "nope"),
            Err(QueryLogError::NoSuchConfig("nope".into()))
        );
    }
}
