//! Helpers shared by the change-batch tests: a zone `example.com.` (id `ZTEST`) with its
//! apex SOA and NS, record-set builders, and shortcuts to apply a batch.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use cairn_model::change::apply_change_batch;
use cairn_model::change::input::read_routing;
use cairn_model::routing::{Routing, RoutingFields, RoutingPolicy};
use cairn_model::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeBatchError, DomainName, HostedZone,
    HostedZoneId, Limits, ResourceRecordSet, RrType, RrsetKey, ZoneEdit,
};

pub(crate) use cairn_model::change::{AliasRef, BatchProblem, ChangeRef, InputProblem};
pub(crate) use cairn_model::routing::{Found, RoutingProblem};
pub(crate) use ChangeAction::{Create, Delete, Upsert};

pub(crate) fn zone() -> HostedZone {
    HostedZone {
        id: HostedZoneId::new("ZTEST"),
        name: DomainName::from_route53("example.com").unwrap(),
        caller_reference: "r".into(),
        comment: None,
        has_config: false,
        private_zone: false,
        delegation_set_id: None,
        name_servers: vec![],
        created_at_ms: 0,
        record_set_count: 2,
    }
}

pub(crate) fn name(text: &str) -> DomainName {
    DomainName::from_route53(text).unwrap()
}

/// The test zone's name, `example.com.`.
pub(crate) fn zone_name() -> DomainName {
    name("example.com")
}

/// The key of the set `owner`/`rtype`, without a set identifier.
pub(crate) fn key(owner: &str, rtype: RrType) -> RrsetKey {
    RrsetKey {
        name: name(owner),
        rtype,
        set_identifier: None,
    }
}

/// The key of a routed set.
pub(crate) fn routed_key(owner: &str, rtype: RrType, id: &str) -> RrsetKey {
    RrsetKey {
        set_identifier: Some(id.to_string()),
        ..key(owner, rtype)
    }
}

/// An alias target `target` of type `rtype` in the test zone.
pub(crate) fn alias_ref(target: &str, rtype: RrType) -> AliasRef {
    AliasRef {
        target: name(target),
        rtype,
        zone: HostedZoneId::new("ZTEST"),
    }
}

/// A change as `InvalidInput` problems name it.
pub(crate) fn change_ref(
    action: ChangeAction,
    owner: &str,
    rtype: RrType,
    set_identifier: Option<&str>,
) -> ChangeRef {
    ChangeRef {
        action,
        name: name(owner),
        rtype,
        set_identifier: set_identifier.map(str::to_string),
    }
}

/// An `InvalidInput` routing problem of the change `action`/`owner`/A/`set_identifier`.
pub(crate) fn routing_problem(
    problem: RoutingProblem,
    action: ChangeAction,
    owner: &str,
    set_identifier: Option<&str>,
) -> InputProblem {
    InputProblem::Routing {
        problem,
        change: change_ref(action, owner, RrType::A, set_identifier),
    }
}

pub(crate) fn set(owner: &str, rtype: RrType, values: &[&str]) -> ResourceRecordSet {
    ResourceRecordSet::simple(
        name(owner),
        rtype,
        300,
        values.iter().map(|v| v.to_string()).collect(),
    )
}

pub(crate) fn a(owner: &str, value: &str) -> ResourceRecordSet {
    set(owner, RrType::A, &[value])
}

pub(crate) fn apex() -> Vec<ResourceRecordSet> {
    vec![
        set(
            "example.com",
            RrType::Soa,
            &["ns1.example.com. h.example.com. 1 7200 900 1209600 86400"],
        ),
        set(
            "example.com",
            RrType::Ns,
            &["ns1.example.com.", "ns2.example.com."],
        ),
    ]
}

pub(crate) fn with(extra: Vec<ResourceRecordSet>) -> Vec<ResourceRecordSet> {
    let mut sets = apex();
    sets.extend(extra);
    sets
}

/// An A set with a set identifier and `policy`.
pub(crate) fn routed(
    owner: &str,
    id: &str,
    value: &str,
    policy: RoutingPolicy,
) -> ResourceRecordSet {
    route(a(owner, value), id, policy)
}

/// `s` with a set identifier and `policy`.
pub(crate) fn route(
    mut s: ResourceRecordSet,
    id: &str,
    policy: RoutingPolicy,
) -> ResourceRecordSet {
    s.routing = Some(Routing {
        set_identifier: id.to_string(),
        policy,
    });
    s
}

pub(crate) fn weighted(owner: &str, id: &str, weight: u8) -> ResourceRecordSet {
    routed(owner, id, "192.0.2.1", RoutingPolicy::Weighted(weight))
}

/// What a request's routing fields for an A set at `w.example.com` make, or the
/// `InvalidInput` problem they get (the check at the API's edge).
pub(crate) fn read(
    action: ChangeAction,
    set_identifier: Option<&str>,
    fields: RoutingFields,
) -> Result<Option<Routing>, InputProblem> {
    let set = a("w.example.com", "192.0.2.1");
    match read_routing(action, &set, set_identifier.map(str::to_string), fields) {
        Ok(routing) => Ok(routing),
        Err(ChangeBatchError::InvalidInput(problem)) => Err(problem),
        Err(other) => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// An alias of type A to `target` in this zone.
pub(crate) fn alias(owner: &str, target: &str) -> ResourceRecordSet {
    alias_of(owner, RrType::A, target)
}

pub(crate) fn alias_of(owner: &str, rtype: RrType, target: &str) -> ResourceRecordSet {
    ResourceRecordSet {
        ttl: None,
        records: vec![],
        alias_target: Some(AliasTarget {
            hosted_zone_id: "/hostedzone/ZTEST".into(),
            dns_name: name(target),
            evaluate_target_health: false,
        }),
        ..set(owner, rtype, &[])
    }
}

pub(crate) fn batch(changes: Vec<(ChangeAction, ResourceRecordSet)>) -> ChangeBatch {
    ChangeBatch {
        comment: None,
        changes: changes
            .into_iter()
            .map(|(action, record_set)| Change { action, record_set })
            .collect(),
    }
}

pub(crate) fn apply_with(
    existing: &[ResourceRecordSet],
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
    limits: &Limits,
) -> Result<ZoneEdit, ChangeBatchError> {
    apply_change_batch(
        &zone(),
        existing,
        existing.len() as u64,
        &batch(changes),
        limits,
    )
}

pub(crate) fn apply(
    existing: &[ResourceRecordSet],
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
) -> Result<ZoneEdit, ChangeBatchError> {
    apply_with(existing, changes, &Limits::default())
}

/// The problems of an `InvalidChangeBatch`; panics on anything else.
pub(crate) fn errors(
    existing: &[ResourceRecordSet],
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
) -> Vec<BatchProblem> {
    match apply(existing, changes) {
        Err(ChangeBatchError::InvalidChangeBatch(problems)) => problems,
        other => panic!("expected InvalidChangeBatch, got {other:?}"),
    }
}

/// The problem of an `InvalidInput`; panics on anything else.
pub(crate) fn invalid_input(
    existing: &[ResourceRecordSet],
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
) -> InputProblem {
    match apply(existing, changes) {
        Err(ChangeBatchError::InvalidInput(problem)) => problem,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

pub(crate) fn accepted(
    existing: &[ResourceRecordSet],
    changes: Vec<(ChangeAction, ResourceRecordSet)>,
) -> bool {
    match apply(existing, changes) {
        Ok(_) => true,
        Err(error) => panic!("expected the batch to be accepted, got {error:?}"),
    }
}
