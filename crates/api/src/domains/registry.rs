//! The registry side: one public hosted zone per `--registry-tld`, served like any other by
//! the authoritative server, holding an NS RRset (and glue A/AAAA) for each registered
//! domain and, once a domain's zone signs, its DS (written by the DNSSEC code's
//! `parent_ds`, which finds the TLD zone as the closest public parent).
//!
//! A TLD zone is made at start-up with the caller reference `cairn-registry:<tld>`
//! ([`REGISTRY_ZONE_REFERENCE_PREFIX`]); its apex SOA and NS are those of every new zone
//! (the node's `--nameserver` names). Route 53 calls do not see it: the listings leave it
//! out and calls naming its id answer `NoSuchHostedZone` ([`hide_registry_zones`]).

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cairn_model::domains::{
    is_registry_zone_reference, Nameserver, REGISTRY_ZONE_REFERENCE_PREFIX,
};
use cairn_model::{
    defaults, Change, ChangeAction, ChangeBatch, DomainName, HostedZone, HostedZoneId,
    ResourceRecordSet, RrType,
};
use cairn_store::NewHostedZone;

use crate::error::AwsError;
use crate::state::AppState;

/// The TTL of the NS and glue records Cairn writes in a TLD zone (as the big TLDs use).
pub const DELEGATION_TTL: u32 = 172_800;

/// The caller reference of `tld`'s zone.
pub fn zone_reference(tld: &DomainName) -> String {
    format!(
        "{REGISTRY_ZONE_REFERENCE_PREFIX}{}",
        tld.to_route53().trim_end_matches('.')
    )
}

/// Makes a zone for every configured TLD that has none yet. Called at start-up; several
/// nodes sharing a store may race, and the loser finds the winner's zone next time.
pub async fn ensure_zones(state: &AppState) -> Result<(), AwsError> {
    let zones = state.store.list_hosted_zones().await?;
    for tld in &state.config.registry_tlds {
        let reference = zone_reference(tld);
        if zones.iter().any(|z| z.caller_reference == reference) {
            continue;
        }
        let name_servers = state.config.name_servers.clone();
        let (zone, _) = state
            .store
            .create_hosted_zone(NewHostedZone {
                initial_record_sets: defaults::apex_records(tld, &name_servers),
                name: tld.clone(),
                caller_reference: reference,
                comment: Some("Registry zone of the TLD, managed by Cairn".into()),
                has_config: true,
                private_zone: false,
                delegation_set_id: None,
                name_servers,
            })
            .await?;
        tracing::info!(tld = %tld.to_route53(), zone = %zone.id, "registry TLD zone created");
    }
    Ok(())
}

/// The registry TLD `name` is registrable under (one label more than the TLD), if any.
/// `Err` holds the TLD to name in `UnsupportedTLD` (the name's last label).
pub fn tld_of(state: &AppState, name: &str) -> Result<DomainName, String> {
    let last = name.rsplit('.').next().unwrap_or(name).to_string();
    let Ok(parsed) = DomainName::from_route53(name) else {
        return Err(last);
    };
    state
        .config
        .registry_tlds
        .iter()
        .filter(|tld| parsed.is_subdomain_of(tld) && parsed.label_count() == tld.label_count() + 1)
        .max_by_key(|tld| tld.label_count())
        .cloned()
        .ok_or(last)
}

/// The zone serving `tld`.
pub async fn tld_zone(state: &AppState, tld: &DomainName) -> Result<HostedZone, AwsError> {
    let reference = zone_reference(tld);
    state
        .store
        .list_hosted_zones()
        .await?
        .into_iter()
        .find(|z| z.caller_reference == reference)
        .ok_or_else(|| {
            AwsError::internal(
                "InternalFailure",
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                format!("the zone of TLD {} is missing", tld.to_route53()),
            )
        })
}

/// Makes the TLD zone's delegation of `domain` match `servers`: an NS RRset naming them
/// and an A/AAAA RRset for each in-domain server's glue. `previous` are the servers the
/// zone delegated to before (their glue goes when it is no longer wanted). With no
/// servers, the delegation, its glue and any DS are removed (DeleteDomain).
pub async fn sync_delegation(
    state: &AppState,
    domain: &str,
    previous: &[Nameserver],
    servers: &[Nameserver],
) -> Result<(), AwsError> {
    let tld = tld_of(state, domain).map_err(|tld| crate::domains::unsupported_tld(&tld))?;
    let zone = tld_zone(state, &tld).await?;
    let apex = parse(domain)?;

    let mut wanted = Vec::new();
    if !servers.is_empty() {
        let names = servers
            .iter()
            .map(|s| parse(&s.name).map(|n| n.to_route53()))
            .collect::<Result<Vec<_>, _>>()?;
        wanted.push(ResourceRecordSet::simple(
            apex.clone(),
            RrType::Ns,
            DELEGATION_TTL,
            names,
        ));
    }
    for server in servers {
        wanted.extend(glue(&parse(&server.name)?, &server.glue_ips));
    }

    let mut owners = vec![apex.clone()];
    for server in previous.iter().chain(servers) {
        let name = parse(&server.name)?;
        if name.is_subdomain_of(&apex) && !owners.contains(&name) {
            owners.push(name);
        }
    }
    let existing = state
        .store
        .load_record_sets_at(&zone.id, &owners)
        .await?
        .map(|(_, sets)| sets)
        .unwrap_or_default();

    let managed = |set: &ResourceRecordSet| {
        set.routing.is_none()
            && (matches!(set.rtype, RrType::Ns | RrType::A | RrType::Aaaa)
                || (servers.is_empty() && set.rtype == RrType::Ds && set.name == apex))
    };
    let mut changes = Vec::new();
    for set in existing.iter().filter(|s| managed(s)) {
        let still = wanted
            .iter()
            .any(|w| w.name == set.name && w.rtype == set.rtype);
        if !still {
            changes.push(Change {
                action: ChangeAction::Delete,
                record_set: set.clone(),
            });
        }
    }
    for set in wanted {
        let same = existing
            .iter()
            .any(|e| e.name == set.name && e.rtype == set.rtype && same_records(e, &set));
        if !same {
            changes.push(Change {
                action: ChangeAction::Upsert,
                record_set: set,
            });
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    let batch = ChangeBatch {
        comment: Some(format!("delegation of {domain} (Route 53 Domains)")),
        changes,
    };
    state
        .store
        .change_record_sets(&zone.id, &batch, &state.config.limits)
        .await?;
    Ok(())
}

/// The DS records the TLD zone holds for `domain` (written there when its zone signs).
pub async fn ds_records(state: &AppState, domain: &str) -> Result<Vec<String>, AwsError> {
    let tld = tld_of(state, domain).map_err(|tld| crate::domains::unsupported_tld(&tld))?;
    let zone = tld_zone(state, &tld).await?;
    let apex = parse(domain)?;
    Ok(state
        .store
        .load_record_sets_at(&zone.id, std::slice::from_ref(&apex))
        .await?
        .map(|(_, sets)| sets)
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.rtype == RrType::Ds && s.name == apex)
        .flat_map(|s| s.records)
        .collect())
}

fn glue(name: &DomainName, ips: &[String]) -> Vec<ResourceRecordSet> {
    let (v6, v4): (Vec<String>, Vec<String>) = ips.iter().cloned().partition(|ip| ip.contains(':'));
    let mut sets = Vec::new();
    if !v4.is_empty() {
        sets.push(ResourceRecordSet::simple(
            name.clone(),
            RrType::A,
            DELEGATION_TTL,
            v4,
        ));
    }
    if !v6.is_empty() {
        sets.push(ResourceRecordSet::simple(
            name.clone(),
            RrType::Aaaa,
            DELEGATION_TTL,
            v6,
        ));
    }
    sets
}

fn parse(name: &str) -> Result<DomainName, AwsError> {
    DomainName::from_route53(name)
        .map_err(|e| crate::domains::invalid_input(format!("{name} is not a valid name: {e}")))
}

fn same_records(a: &ResourceRecordSet, b: &ResourceRecordSet) -> bool {
    let norm = |s: &ResourceRecordSet| {
        let mut r: Vec<String> = s.records.iter().map(|r| r.to_ascii_lowercase()).collect();
        r.sort();
        r
    };
    a.ttl == b.ttl && norm(a) == norm(b)
}

//------------ keeping the TLD zones out of Route 53 calls --------------------------------

/// Whether `zone` is one of the registry's TLD zones.
pub fn is_registry_zone(zone: &HostedZone) -> bool {
    is_registry_zone_reference(&zone.caller_reference)
}

/// Route 53 middleware: a call naming a TLD zone's id answers `NoSuchHostedZone`, as for a
/// zone that does not exist. The id may be in the path (`/hostedzone/{Id}…`,
/// `/hostedzonelimit/{Id}/…`, `/tags/hostedzone/{Id}`, `/keysigningkey/{Id}/…`), in the
/// query (`?hostedzoneid=`, ListQueryLoggingConfigs) or in the body of the two creates that
/// take one there (CreateKeySigningKey, CreateQueryLoggingConfig). Costs nothing when no
/// registry TLD is configured.
pub async fn hide_registry_zones(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if state.config.registry_tlds.is_empty() {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let mut named: Vec<String> = zone_id_in_path(&path)
        .map(str::to_string)
        .into_iter()
        .collect();
    named.extend(zone_id_in_query(request.uri().query().unwrap_or_default()));
    let request = if takes_zone_id_in_body(request.method(), &path) {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = to_bytes(body, crate::sigv4::MAX_BODY_BYTES).await else {
            return AwsError::body_unreadable().into_response();
        };
        named.extend(zone_id_in_body(&bytes));
        Request::from_parts(parts, Body::from(bytes))
    } else {
        request
    };
    for id in named.iter().map(|id| HostedZoneId::parse(id)) {
        let hidden = matches!(
            state.store.get_hosted_zone(&id).await,
            Ok(zone) if is_registry_zone(&zone)
        );
        if hidden {
            return AwsError::no_such_hosted_zone(id.as_str()).into_response();
        }
    }
    next.run(request).await
}

fn zone_id_in_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix(crate::dispatch::ROUTE53_PREFIX)?;
    let rest = rest
        .strip_prefix("hostedzone/")
        .or_else(|| rest.strip_prefix("hostedzonelimit/"))
        .or_else(|| rest.strip_prefix("tags/hostedzone/"))
        .or_else(|| rest.strip_prefix("keysigningkey/"))?;
    rest.split('/').next().filter(|id| !id.is_empty())
}

/// ListQueryLoggingConfigs' `hostedzoneid` (the only Route 53 query parameter holding one).
fn zone_id_in_query(query: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "hostedzoneid")
        .map(|(_, value)| value.replace("%2F", "/").replace("%2f", "/"))
        .filter(|id| !id.is_empty())
}

/// CreateKeySigningKey and CreateQueryLoggingConfig carry the zone in their XML bodies.
fn takes_zone_id_in_body(method: &Method, path: &str) -> bool {
    method == Method::POST
        && path
            .strip_prefix(crate::dispatch::ROUTE53_PREFIX)
            .is_some_and(|rest| rest == "keysigningkey" || rest == "queryloggingconfig")
}

/// The text of the body's `<HostedZoneId>` element. A body without one is left for the
/// handler to refuse in its own words.
fn zone_id_in_body(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find("<HostedZoneId>")? + "<HostedZoneId>".len();
    let end = start + text[start..].find("</HostedZoneId>")?;
    Some(text[start..end].trim().to_string()).filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids_are_found_in_the_paths_that_name_them() {
        for (path, id) in [
            ("/2013-04-01/hostedzone/Z1", Some("Z1")),
            ("/2013-04-01/hostedzone/Z1/rrset", Some("Z1")),
            (
                "/2013-04-01/hostedzonelimit/Z2/MAX_RRSETS_BY_ZONE",
                Some("Z2"),
            ),
            ("/2013-04-01/tags/hostedzone/Z3", Some("Z3")),
            ("/2013-04-01/keysigningkey/Z4/ksk1/activate", Some("Z4")),
            ("/2013-04-01/hostedzone", None),
            ("/2013-04-01/hostedzonecount", None),
            ("/2013-04-01/healthcheck/abc", None),
        ] {
            assert_eq!(zone_id_in_path(path), id, "{path}");
        }
    }

    #[test]
    fn zone_ids_are_found_in_the_query_and_the_bodies_that_name_them() {
        assert_eq!(
            zone_id_in_query("maxitems=5&hostedzoneid=%2Fhostedzone%2FZ5").as_deref(),
            Some("/hostedzone/Z5")
        );
        assert_eq!(zone_id_in_query("maxitems=5"), None);
        let body = b"<CreateQueryLoggingConfigRequest><HostedZoneId>Z6</HostedZoneId>\
            <CloudWatchLogsLogGroupArn>arn</CloudWatchLogsLogGroupArn>\
            </CreateQueryLoggingConfigRequest>";
        assert_eq!(zone_id_in_body(body).as_deref(), Some("Z6"));
        assert_eq!(zone_id_in_body(b"<X/>"), None);
        assert!(takes_zone_id_in_body(
            &Method::POST,
            "/2013-04-01/keysigningkey"
        ));
        assert!(!takes_zone_id_in_body(
            &Method::GET,
            "/2013-04-01/queryloggingconfig"
        ));
    }

    #[test]
    fn glue_splits_by_family() {
        let name =
            DomainName::from_route53("ns1.example.test").unwrap_or_else(|_| DomainName::root());
        let sets = glue(&name, &["192.0.2.1".into(), "2001:db8::1".into()]);
        let types: Vec<RrType> = sets.iter().map(|s| s.rtype).collect();
        assert_eq!(types, [RrType::A, RrType::Aaaa]);
    }
}
