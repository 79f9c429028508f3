//! Change batches: Route 53's all-or-nothing ChangeResourceRecordSets ([ROUTE53.md §2.1]).
//!
//! [`apply_change_batch`] applies the changes in order to a working copy of the record sets
//! they touch and either returns the net edit or every reason the batch is refused. It is
//! pure: the store calls it inside the transaction that commits the edit, so validation and
//! commit see the same state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::name::DomainName;
use crate::rrset::{ResourceRecordSet, RrsetKey};
use crate::rrtype::RrType;
use crate::zone::HostedZone;

//------------ ChangeBatch -------------------------------------------------------

/// `ChangeBatch`: an optional comment and the changes, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeBatch {
    /// `Comment`.
    pub comment: Option<String>,
    /// `Changes`, applied in order.
    pub changes: Vec<Change>,
}

/// One `Change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `Action`.
    pub action: ChangeAction,
    /// `ResourceRecordSet`.
    pub record_set: ResourceRecordSet,
}

/// `Change.Action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeAction {
    /// Create; fails if the set exists.
    #[serde(rename = "CREATE")]
    Create,
    /// Delete; the set must match exactly.
    #[serde(rename = "DELETE")]
    Delete,
    /// Create or replace whole.
    #[serde(rename = "UPSERT")]
    Upsert,
}

impl ChangeAction {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Delete => "DELETE",
            Self::Upsert => "UPSERT",
        }
    }
}

//------------ Limits ------------------------------------------------------------

/// Quotas enforced on a batch. Route 53's values by default where they suit a self-hosted
/// server; the record-set cap is sized for large self-hosted zones (DESIGN.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `MAX_RRSETS_BY_ZONE`.
    pub max_rrsets_per_zone: u64,
    /// ResourceRecord elements per batch (UPSERT counted twice).
    pub max_records_per_batch: usize,
    /// Characters across all values per batch (UPSERT counted twice).
    pub max_value_chars_per_batch: usize,
    /// Values in one record set.
    pub max_values_per_rrset: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rrsets_per_zone: 1_000_000,
            max_records_per_batch: 1_000,
            max_value_chars_per_batch: 32_000,
            max_values_per_rrset: 400,
        }
    }
}

//------------ ZoneEdit and errors -------------------------------------------------

/// The net effect of a batch on the stored record sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneEdit {
    /// Sets to remove.
    pub deleted: Vec<RrsetKey>,
    /// Sets to insert or overwrite whole.
    pub written: Vec<ResourceRecordSet>,
}

/// Why a batch was refused, named as Route 53 names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeBatchError {
    /// `InvalidChangeBatch`: every problem found, each in Route 53's words.
    #[error("[{}]", .0.join(", "))]
    InvalidChangeBatch(Vec<String>),
    /// `InvalidInput`.
    #[error("{0}")]
    InvalidInput(String),
    /// `NoSuchHealthCheck`.
    #[error("{0}")]
    NoSuchHealthCheck(String),
}

//------------ apply_change_batch --------------------------------------------------

/// Every name whose record sets [`apply_change_batch`] needs to see: the names the changes
/// touch and their alias targets.
pub fn names_touched(batch: &ChangeBatch) -> Vec<DomainName> {
    let mut names: Vec<DomainName> = Vec::new();
    for change in &batch.changes {
        let set = &change.record_set;
        for name in std::iter::once(&set.name)
            .chain(set.alias_target.as_ref().map(|a| &a.dns_name))
        {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// Applies `batch` to `zone` in order, all or nothing.
///
/// `existing` holds every stored record set at the names [`names_touched`] returns;
/// `zone_rrset_count` is how many sets the zone holds in all.
pub fn apply_change_batch(
    zone: &HostedZone,
    existing: &[ResourceRecordSet],
    zone_rrset_count: u64,
    batch: &ChangeBatch,
    limits: &Limits,
) -> Result<ZoneEdit, ChangeBatchError> {
    let mut working: BTreeMap<RrsetKey, Option<ResourceRecordSet>> = existing
        .iter()
        .map(|s| (s.key(), Some(s.clone())))
        .collect();
    let original: BTreeMap<RrsetKey, ResourceRecordSet> = existing
        .iter()
        .map(|s| (s.key(), s.clone()))
        .collect();
    let mut errors = Vec::new();

    for change in &batch.changes {
        let set = &change.record_set;
        if !set.name.is_subdomain_of(&zone.name) {
            errors.push(format!(
                "RRSet with DNS name {} is not permitted in zone {}",
                set.name, zone.name
            ));
            continue;
        }
        if change.action != ChangeAction::Delete {
            let problems = validate_record_set(zone, set, limits);
            if !problems.is_empty() {
                errors.extend(problems);
                continue;
            }
        }
        let key = set.key();
        let current = working.get(&key).cloned().flatten();
        match change.action {
            ChangeAction::Create | ChangeAction::Upsert => {
                if change.action == ChangeAction::Create && current.is_some() {
                    errors.push(format!(
                        "Tried to create resource record set {} but it already exists",
                        describe(set)
                    ));
                    continue;
                }
                if let Some(conflict) = cname_conflict(zone, set, &working) {
                    errors.push(conflict);
                    continue;
                }
                working.insert(key, Some(set.clone()));
            }
            ChangeAction::Delete => match current {
                None => errors.push(format!(
                    "Tried to delete resource record set {} but it was not found",
                    describe(set)
                )),
                Some(stored) if !delete_matches(&stored, set) => errors.push(format!(
                    "Tried to delete resource record set {} but the values provided do not \
                     match the current values",
                    describe(set)
                )),
                Some(_) if set.name == zone.name && set.set_identifier.is_none() && set.rtype == RrType::Ns => {
                    errors.push(
                        "A HostedZone must contain at least one NS record for the zone itself."
                            .to_string(),
                    );
                }
                Some(_) if set.name == zone.name && set.set_identifier.is_none() && set.rtype == RrType::Soa => {
                    // Cairn's wording, in the style of the NS message: Route 53's text for
                    // this case is not recorded in any source we have.
                    errors.push("A HostedZone must contain exactly one SOA record.".to_string());
                }
                Some(_) => {
                    working.insert(key, None);
                }
            },
        }
    }

    // Rules about a whole name and type (routing groups) and about alias targets hold for
    // the state the batch leaves behind.
    if errors.is_empty() {
        let mut checked: Vec<(&DomainName, RrType)> = Vec::new();
        for change in &batch.changes {
            let set = &change.record_set;
            if change.action != ChangeAction::Delete {
                errors.extend(check_alias_target(zone, set, &working));
            }
            if !checked.contains(&(&set.name, set.rtype)) {
                checked.push((&set.name, set.rtype));
                errors.extend(check_routing_group(&set.name, set.rtype, &working));
            }
        }
    }

    if !errors.is_empty() {
        return Err(ChangeBatchError::InvalidChangeBatch(errors));
    }

    let mut edit = ZoneEdit::default();
    let mut count = zone_rrset_count as i64;
    for (key, now) in working {
        let before = original.get(&key);
        match (before, now) {
            (Some(_), None) => {
                count -= 1;
                edit.deleted.push(key);
            }
            (None, Some(set)) => {
                count += 1;
                edit.written.push(set);
            }
            (Some(old), Some(set)) if *old != set => edit.written.push(set),
            _ => {}
        }
    }
    if count as u64 > limits.max_rrsets_per_zone {
        return Err(ChangeBatchError::InvalidChangeBatch(vec![format!(
            "Exceeded limit MAX_RRSETS_BY_ZONE for zone: {}",
            zone.id
        )]));
    }
    Ok(edit)
}

/// Checks one set on its own, as Route 53 does before applying it: the apex, values and
/// their encoding, duplicates and counts. Returns every problem, in Route 53's words.
fn validate_record_set(zone: &HostedZone, set: &ResourceRecordSet, limits: &Limits) -> Vec<String> {
    let mut problems = Vec::new();
    if set.rtype == RrType::Cname && set.name == zone.name {
        problems.push(format!(
            "RRSet of type CNAME with DNS name {} is not permitted at apex in zone {}",
            set.name, zone.name
        ));
    }
    if set.rtype == RrType::Ns && set.name.is_wildcard() {
        // Route 53 forbids wildcard NS ([DG:DomainNameFormat]); its exact text is not
        // recorded, so this wording is Cairn's.
        problems.push(format!(
            "RRSet of type NS with DNS name {} is not permitted: NS records cannot be wildcards",
            set.name
        ));
    }
    if set.alias_target.is_some() {
        return problems;
    }
    if matches!(set.rtype, RrType::Cname | RrType::Soa) && set.records.len() > 1 {
        // Cairn's wording: Route 53 allows one value for CNAME and SOA ([M-R53 ResourceRecord]).
        problems.push(format!(
            "RRSet of type {} with DNS name {} must have exactly one resource record",
            set.rtype, set.name
        ));
    }
    if set.records.len() > limits.max_values_per_rrset {
        problems.push(format!(
            "RRSet with DNS name {} has {} resource records; the limit is {}",
            set.name,
            set.records.len(),
            limits.max_values_per_rrset
        ));
    }
    let mut seen: Vec<&str> = Vec::with_capacity(set.records.len());
    for value in &set.records {
        if let Err(e) = crate::rdata::encode_route53_value(set.rtype, value) {
            problems.push(e.to_string());
            continue;
        }
        if seen.contains(&value.as_str()) {
            problems.push(format!("Duplicate Resource Record: '{value}'"));
        } else {
            seen.push(value);
        }
    }
    problems
}

/// At most this many routed sets per name and type ([DG:DNSLimitations]).
pub const MAX_ROUTED_PER_NAME_AND_TYPE: usize = 100;

/// The routing policy a set uses, by its field, if any.
fn policy_of(set: &ResourceRecordSet) -> Option<&'static str> {
    if set.weight.is_some() {
        Some("weighted")
    } else if set.region.is_some() {
        Some("latency")
    } else if set.failover.is_some() {
        Some("failover")
    } else if set.geo_location.is_some() {
        Some("geolocation")
    } else if set.multi_value_answer.is_some() {
        Some("multivalue answer")
    } else if set.cidr_routing_config.is_some() {
        Some("IP-based")
    } else if set.geo_proximity_location.is_some() {
        Some("geoproximity")
    } else {
        None
    }
}

/// Rules for the sets that share a name and type (ROUTE53.md §2.1–2.2, §3): routed and
/// plain sets do not mix, one policy per group, set identifiers with every routed set,
/// failover has at most one PRIMARY and one SECONDARY, latency one set per region,
/// geolocation one set per location, at most 100 routed sets. Messages Route 53 is known to
/// use are used as they are; the others are Cairn's, in the same style.
fn check_routing_group(
    name: &DomainName,
    rtype: RrType,
    working: &BTreeMap<RrsetKey, Option<ResourceRecordSet>>,
) -> Vec<String> {
    let group: Vec<&ResourceRecordSet> = working
        .iter()
        .filter(|(k, _)| k.name == *name && k.rtype == rtype)
        .filter_map(|(_, v)| v.as_ref())
        .collect();
    let mut problems = Vec::new();
    let routed: Vec<&ResourceRecordSet> =
        group.iter().copied().filter(|s| s.set_identifier.is_some() || policy_of(s).is_some()).collect();
    if routed.is_empty() {
        return problems;
    }
    for set in &routed {
        match (&set.set_identifier, policy_of(set)) {
            (None, Some(policy)) => problems.push(format!(
                "RRSet with DNS name {name}, type {rtype} has a {policy} routing policy but no SetIdentifier"
            )),
            (Some(id), None) => problems.push(format!(
                "RRSet with DNS name {name}, type {rtype}, SetIdentifier {id} has a SetIdentifier but no routing policy"
            )),
            _ => {}
        }
        let fields = [
            set.weight.is_some(),
            set.region.is_some(),
            set.failover.is_some(),
            set.geo_location.is_some(),
            set.multi_value_answer.is_some(),
            set.cidr_routing_config.is_some(),
            set.geo_proximity_location.is_some(),
        ];
        if fields.iter().filter(|f| **f).count() > 1 {
            problems.push(format!(
                "RRSet with DNS name {name}, type {rtype} cannot have more than one routing policy"
            ));
        }
        if matches!(rtype, RrType::Ns | RrType::Soa | RrType::Ds) {
            problems.push(format!(
                "RRSet with DNS name {name}, type {rtype} cannot have a routing policy: {rtype} records are not routed"
            ));
        }
        if let Some(value) = &set.failover {
            if value != "PRIMARY" && value != "SECONDARY" {
                problems.push(format!("Invalid failover value '{value}': it must be PRIMARY or SECONDARY"));
            }
            if set.alias_target.as_ref().is_some_and(|a| !a.evaluate_target_health) {
                problems.push(format!(
                    "RRSet with DNS name {name}, type {rtype}: a failover alias must set EvaluateTargetHealth to true"
                ));
            }
        }
        if set.multi_value_answer.is_some() && (set.alias_target.is_some() || rtype == RrType::Cname) {
            problems.push(format!(
                "RRSet with DNS name {name}, type {rtype}: multivalue answer records cannot be aliases or CNAMEs"
            ));
        }
    }
    if routed.len() < group.len() {
        // Route 53's text (barnybug/cli53#257).
        problems.push(format!(
            "RRSet with DNS name {name}, type {rtype} cannot be created as other RRSets exist with the same name and type"
        ));
    }
    let mut policies: Vec<&str> = routed.iter().filter_map(|s| policy_of(s)).collect();
    policies.sort_unstable();
    policies.dedup();
    if policies.len() > 1 {
        problems.push(format!(
            "RRSet with DNS name {name}, type {rtype} mixes routing policies ({}); all sets of a name and type must use one",
            policies.join(", ")
        ));
    }
    if routed.len() > MAX_ROUTED_PER_NAME_AND_TYPE {
        problems.push(format!(
            "RRSet with DNS name {name}, type {rtype} has {} routed record sets; the limit is {MAX_ROUTED_PER_NAME_AND_TYPE}",
            routed.len()
        ));
    }
    for role in ["PRIMARY", "SECONDARY"] {
        if routed.iter().filter(|s| s.failover.as_deref() == Some(role)).count() > 1 {
            problems.push(format!(
                "RRSet with DNS name {name}, type {rtype} has more than one {role} failover record"
            ));
        }
    }
    let mut regions: Vec<&str> = routed.iter().filter_map(|s| s.region.as_deref()).collect();
    regions.sort_unstable();
    if let Some(w) = regions.windows(2).find(|w| w[0] == w[1]) {
        problems.push(format!(
            "RRSet with DNS name {name}, type {rtype} has more than one latency record for region {}",
            w[0]
        ));
    }
    let mut locations: Vec<String> = routed
        .iter()
        .filter_map(|s| s.geo_location.as_ref())
        .map(|g| format!("{:?}/{:?}/{:?}", g.continent_code, g.country_code, g.subdivision_code))
        .collect();
    locations.sort_unstable();
    if locations.windows(2).any(|w| w[0] == w[1]) {
        problems.push(format!(
            "RRSet with DNS name {name}, type {rtype} has more than one geolocation record for the same location"
        ));
    }
    problems
}

/// An alias to this zone must point at a name and type that exist in it (ROUTE53.md §2.3),
/// and an alias at the apex cannot point at a CNAME. Aliases to other hosted zones are
/// checked by the caller, which knows the other zones.
fn check_alias_target(
    zone: &HostedZone,
    set: &ResourceRecordSet,
    working: &BTreeMap<RrsetKey, Option<ResourceRecordSet>>,
) -> Option<String> {
    let alias = set.alias_target.as_ref()?;
    if crate::zone::HostedZoneId::parse(&alias.hosted_zone_id) != zone.id {
        return None;
    }
    let target = &alias.dns_name;
    if !target.is_subdomain_of(&zone.name) {
        return Some(format!(
            "Tried to create an alias that targets {target}, type {} in zone {}, but the alias target name does not lie within the target zone",
            set.rtype, zone.id
        ));
    }
    let present = |rtype: RrType| {
        working.iter().any(|(k, v)| v.is_some() && k.name == *target && k.rtype == rtype)
    };
    if set.name == zone.name && present(RrType::Cname) {
        return Some(format!(
            "RRSet of type {} with DNS name {} is not permitted: an alias at the zone apex cannot target a CNAME ({target})",
            set.rtype, set.name
        ));
    }
    if !present(set.rtype) && !present(RrType::Cname) {
        return Some(format!(
            "Tried to create an alias that targets {target}, type {} in zone {}, but that target was not found",
            set.rtype, zone.id
        ));
    }
    None
}

/// A CNAME cannot share its name with any other type (RFC 1034 §3.6.2), in either order,
/// with Route 53's two messages (note the double space before CNAME in the first).
fn cname_conflict(
    zone: &HostedZone,
    set: &ResourceRecordSet,
    working: &BTreeMap<RrsetKey, Option<ResourceRecordSet>>,
) -> Option<String> {
    let at_name = working.iter().filter(|(k, v)| v.is_some() && k.name == set.name);
    let (mut has_cname, mut has_other) = (false, false);
    for (key, _) in at_name {
        if key.rtype == RrType::Cname {
            has_cname = true;
        } else {
            has_other = true;
        }
    }
    if set.rtype != RrType::Cname && has_cname {
        return Some(format!(
            "RRSet of type {} with DNS name {} is not permitted because a conflicting RRSet of \
             type  CNAME with the same DNS name already exists in zone {}",
            set.rtype, set.name, zone.name
        ));
    }
    if set.rtype == RrType::Cname && has_other {
        return Some(format!(
            "RRSet of type CNAME with DNS name {} is not permitted as it conflicts with other \
             records with the same DNS name in zone {}",
            set.name, zone.name
        ));
    }
    None
}

/// `[name='x.', type='A']`, with the set identifier when there is one.
pub fn describe(set: &ResourceRecordSet) -> String {
    match &set.set_identifier {
        Some(id) => format!(
            "[name='{}', type='{}', set-identifier='{}']",
            set.name, set.rtype, id
        ),
        None => format!("[name='{}', type='{}']", set.name, set.rtype),
    }
}

/// Whether a DELETE's set matches the stored one: TTL, values in any order, alias target,
/// and every routing field the request supplies ([ROUTE53.md §2.1] DELETE matching).
pub fn delete_matches(stored: &ResourceRecordSet, request: &ResourceRecordSet) -> bool {
    let mut a = stored.records.clone();
    let mut b = request.records.clone();
    a.sort();
    b.sort();
    stored.ttl == request.ttl && a == b && stored.alias_target == request.alias_target
}

impl PartialOrd for RrsetKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RrsetKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}
