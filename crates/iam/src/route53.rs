//! Route 53's condition keys and the exact form of their values
//! ([DG:specifying-rrset-conditions], ROUTE53-NEXT.md §A.4).

use cairn_model::name::DomainName;

use crate::context::RequestContext;

/// The names a ChangeResourceRecordSets batch changes.
pub const NORMALIZED_RECORD_NAMES: &str = "route53:ChangeResourceRecordSetsNormalizedRecordNames";
/// The record types it changes (`A`, `TXT`, …).
pub const RECORD_TYPES: &str = "route53:ChangeResourceRecordSetsRecordTypes";
/// Its change actions: `CREATE`, `UPSERT`, `DELETE`.
pub const ACTIONS: &str = "route53:ChangeResourceRecordSetsActions";
/// The VPCs of a VPC-scoped request, as `VPCId=<id>,VPCRegion=<region>`.
pub const VPCS: &str = "route53:VPCs";

/// A record name as `…NormalizedRecordNames` carries it: lowercase, no trailing dot, every
/// byte outside `a-z 0-9 - _` as a `\` and three octal digits (`*.example.com` becomes
/// `\052.example.com`). That is Route 53's own text form without the final dot.
pub fn normalized_record_name(name: &DomainName) -> String {
    let text = name.to_route53();
    match text.strip_suffix('.') {
        Some(stripped) if !stripped.is_empty() => stripped.to_string(),
        _ => text,
    }
}

/// One change of a ChangeResourceRecordSets batch, as far as the condition keys see it.
#[derive(Debug, Clone, Copy)]
pub struct RecordChange<'a> {
    /// `CREATE`, `UPSERT` or `DELETE`.
    pub action: &'a str,
    pub name: &'a DomainName,
    /// The type's mnemonic, uppercase (`TXT`).
    pub record_type: &'a str,
}

/// Sets the three ChangeResourceRecordSets keys from a batch: each key is the set of values
/// over all the batch's changes, so a policy allowing only TXT refuses a batch that also
/// touches an A record.
pub fn set_change_keys(ctx: &mut RequestContext, changes: &[RecordChange<'_>]) {
    ctx.set_values(
        NORMALIZED_RECORD_NAMES,
        changes.iter().map(|c| normalized_record_name(c.name)),
    );
    ctx.set_values(
        RECORD_TYPES,
        changes.iter().map(|c| c.record_type.to_ascii_uppercase()),
    );
    ctx.set_values(
        ACTIONS,
        changes.iter().map(|c| c.action.to_ascii_uppercase()),
    );
}

/// One `route53:VPCs` value.
pub fn vpc_value(vpc_id: &str, region: &str) -> String {
    format!("VPCId={vpc_id},VPCRegion={region}")
}

/// A hosted zone's ARN from its bare id (`Z…`, no `/hostedzone/` prefix).
pub fn hosted_zone_arn(zone_id: &str) -> String {
    format!("arn:aws:route53:::hostedzone/{zone_id}")
}
