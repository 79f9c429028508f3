//! The XML shapes several operations share: `HostedZone`, `ChangeInfo`, `DelegationSet`.

use cairn_model::{ChangeInfo, DomainName, HostedZone};

use crate::protocol::rest_xml::{timestamp, XmlWriter};

/// `<HostedZone>`. `Config` is always present, as AWS returns it even when the request
/// had no `HostedZoneConfig` (recorded in aws-recorded/route53.json).
pub fn hosted_zone(w: &mut XmlWriter, zone: &HostedZone) {
    w.open("HostedZone")
        .leaf("Id", zone.id.to_prefixed())
        .leaf("Name", zone.name.to_route53())
        .leaf("CallerReference", &zone.caller_reference);
    w.open("Config")
        .leaf_opt("Comment", zone.comment.as_deref())
        .leaf(
            "PrivateZone",
            if zone.private_zone { "true" } else { "false" },
        )
        .close("Config");
    w.leaf("ResourceRecordSetCount", zone.record_set_count.to_string())
        .close("HostedZone");
}

/// `<ChangeInfo>`.
pub fn change_info(w: &mut XmlWriter, info: &ChangeInfo) {
    w.open("ChangeInfo")
        .leaf("Id", info.id.to_prefixed())
        .leaf("Status", info.status.as_str())
        .leaf("SubmittedAt", timestamp(info.submitted_at_ms))
        .leaf_opt("Comment", info.comment.as_deref())
        .close("ChangeInfo");
}

/// `<DelegationSet>`: an id and caller reference for reusable sets, then the name servers.
pub fn delegation_set(
    w: &mut XmlWriter,
    id: Option<&str>,
    caller_reference: Option<&str>,
    name_servers: &[DomainName],
) {
    w.open("DelegationSet")
        .leaf_opt("Id", id.map(|id| format!("/delegationset/{id}")))
        .leaf_opt("CallerReference", caller_reference);
    w.open("NameServers");
    for server in name_servers {
        w.leaf("NameServer", name_server(server));
    }
    w.close("NameServers").close("DelegationSet");
}

/// A name server as Route 53 lists it: no trailing dot (`ns-2048.awsdns-64.com`).
pub fn name_server(name: &DomainName) -> String {
    let mut text = name.to_route53();
    if text.len() > 1 {
        text.pop();
    }
    text
}
