//! Rows of VPCs, subnets and security groups (JSON documents), and the whole network state
//! that the Resolver and Profiles checks and the data plane read ([`contents`]).

use cairn_model::network::{NetworkContents, SecurityGroup, Subnet, Vpc, VpcAssociation};
use cairn_model::HostedZoneId;
use serde::de::DeserializeOwned;

use super::change_log::Entry;
use super::conn::{params, Conn};
use super::error::map_err;
use super::json::{document, documents, to_json};
use super::store::SqlStore;
use cairn_model::network_validate::NetworkError;

use crate::error::StoreResult;
use crate::networks::VpcRef;

pub(crate) fn load_vpc(conn: &Conn<'_>, id: &str) -> StoreResult<Option<Vpc>> {
    document(conn, "SELECT body FROM vpcs WHERE id = ?1", [id])
}

pub(crate) fn require_vpc(conn: &Conn<'_>, id: &str) -> StoreResult<Vpc> {
    load_vpc(conn, id)?.ok_or_else(|| NetworkError::NoSuchVpc(id.to_string()).into())
}

/// The VPC a Route 53 request names: it must exist in the region named.
pub(crate) fn require_vpc_in_region(conn: &Conn<'_>, vpc: &VpcRef) -> StoreResult<Vpc> {
    match load_vpc(conn, &vpc.vpc_id)? {
        Some(found) if found.region == vpc.region => Ok(found),
        _ => Err(NetworkError::NoSuchVpc(vpc.vpc_id.clone()).into()),
    }
}

pub(crate) fn store_vpc(tx: &Conn<'_>, vpc: &Vpc) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO vpcs (id, region, owner_account, body, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (id) DO UPDATE SET region = excluded.region, owner_account = excluded.owner_account, \
         body = excluded.body, created_at_ms = excluded.created_at_ms",
        params![vpc.id, vpc.region, vpc.owner_account, to_json(vpc)?, vpc.created_at_ms],
    )
    .map_err(map_err)?;
    Ok(())
}

/// The subnets of one VPC, or of all, ordered by id.
pub(crate) fn subnets_of(conn: &Conn<'_>, vpc_id: Option<&str>) -> StoreResult<Vec<Subnet>> {
    match vpc_id {
        Some(vpc) => documents(
            conn,
            "SELECT body FROM subnets WHERE vpc_id = ?1 ORDER BY id",
            params![vpc],
        ),
        None => documents(conn, "SELECT body FROM subnets ORDER BY id", params![]),
    }
}

pub(crate) fn require_subnet(conn: &Conn<'_>, id: &str) -> StoreResult<Subnet> {
    document(conn, "SELECT body FROM subnets WHERE id = ?1", [id])?
        .ok_or_else(|| NetworkError::NoSuchSubnet(id.to_string()).into())
}

pub(crate) fn store_subnet(tx: &Conn<'_>, subnet: &Subnet) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO subnets (id, vpc_id, body) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET vpc_id = excluded.vpc_id, body = excluded.body",
        params![subnet.id, subnet.vpc_id, to_json(subnet)?],
    )
    .map_err(map_err)?;
    Ok(())
}

/// Every security group, ordered by id.
pub(crate) fn groups(conn: &Conn<'_>) -> StoreResult<Vec<SecurityGroup>> {
    documents(
        conn,
        "SELECT body FROM security_groups ORDER BY id",
        params![],
    )
}

pub(crate) fn require_group(conn: &Conn<'_>, id: &str) -> StoreResult<SecurityGroup> {
    document(conn, "SELECT body FROM security_groups WHERE id = ?1", [id])?
        .ok_or_else(|| NetworkError::NoSuchSecurityGroup(id.to_string()).into())
}

pub(crate) fn store_group(tx: &Conn<'_>, group: &SecurityGroup) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO security_groups (id, vpc_id, name, body) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET vpc_id = excluded.vpc_id, name = excluded.name, body = excluded.body",
        params![group.id, group.vpc_id, group.name, to_json(group)?],
    )
    .map_err(map_err)?;
    Ok(())
}

/// Every network resource, read on `conn` (a write transaction reads its own state).
pub(crate) fn contents(conn: &Conn<'_>) -> StoreResult<NetworkContents> {
    let vpcs = all(conn, "vpcs", "id")?;
    let subnets = subnets_of(conn, None)?;
    let security_groups = groups(conn)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.zone_id, a.vpc_id, a.vpc_region FROM vpc_associations a \
             JOIN vpcs v ON v.id = a.vpc_id AND v.region = a.vpc_region ORDER BY a.zone_id, a.vpc_id",
        )
        .map_err(map_err)?;
    let associations = stmt
        .query_map(params![], |r| {
            Ok(VpcAssociation {
                zone_id: HostedZoneId::new(r.get::<_, String>(0)?),
                vpc_id: r.get(1)?,
                vpc_region: r.get(2)?,
            })
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    Ok(NetworkContents {
        vpcs,
        subnets,
        security_groups,
        associations,
        endpoints: all(conn, "resolver_endpoints", "id")?,
        rules: all(conn, "resolver_rules", "id")?,
        rule_associations: all(conn, "resolver_rule_associations", "id")?,
        resolver_configs: all(conn, "resolver_configs", "resource_id")?,
        resolver_dnssec_configs: all(conn, "resolver_dnssec_configs", "resource_id")?,
        profiles: all(conn, "profiles", "id")?,
        profile_associations: all(conn, "profile_associations", "id")?,
        profile_resources: all(conn, "profile_resources", "id")?,
        query_log_configs: all(conn, "query_log_configs", "id")?,
        query_log_associations: all(conn, "query_log_associations", "id")?,
        public_query_log_configs: all(conn, "public_query_log_configs", "id")?,
    })
}

/// Every document of `table`, in `order`.
fn all<T: DeserializeOwned>(conn: &Conn<'_>, table: &str, order: &str) -> StoreResult<Vec<T>> {
    documents(
        conn,
        &format!("SELECT body FROM {table} ORDER BY {order}"),
        params![],
    )
}

/// A Resolver or Profiles write, in [`SqlStore::logged`]'s shape: `apply` checks the request
/// against the whole network state (it is small) with the pure `resolver_validate` checks and
/// writes; one `ChangeSubject::Network` change, described by `what`, is logged.
pub(crate) async fn write_checked<T, A, W>(store: &SqlStore, apply: A, what: W) -> StoreResult<T>
where
    T: Send + 'static,
    A: FnOnce(&Conn<'_>, &NetworkContents) -> StoreResult<T> + Send + 'static,
    W: FnOnce(&T) -> String + Send + 'static,
{
    let (value, _) = store
        .logged(
            contents,
            move |tx, net| apply(tx, &net),
            move |value| Entry::network(what(value)),
        )
        .await?;
    Ok(value)
}
