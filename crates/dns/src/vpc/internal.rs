//! Names the VPC resolver makes up itself, Route 53's "autodefined rules" ([ROUTE53.md §5.3,
//! §6.3]) when `enableDnsHostnames` is on:
//!
//! - EC2 IP-based hostnames: `ip-10-0-0-5.ec2.internal` (us-east-1) or
//!   `ip-10-0-0-5.<region>.compute.internal` → A 10.0.0.5, for addresses in the VPC's blocks;
//! - reverse names of the VPC's blocks → PTR to that hostname;
//! - the reserved private reverse zones (`10.in-addr.arpa`, `16.172` … `31.172`,
//!   `168.192`, `254.169`) are answered here too, so private addresses outside the VPC get
//!   NXDOMAIN instead of leaking to the public DNS.
//!
//! Each match reports the length of the autodefined domain it matched, so the caller can let
//! the most specific of private zones and autodefined domains win.

use std::net::{IpAddr, Ipv4Addr};

use cairn_wire::name::is_at_or_below;
use cairn_wire::{rtype, NameKey, Rcode, Rdata};

use crate::view::VpcView;

/// TTL of synthesized records and of the synthesized SOA.
pub const SYNTH_TTL: u32 = 60;

/// What the autodefined domains answer for one name.
#[derive(Debug)]
pub struct InternalAnswer {
    /// Wire length of the autodefined domain that matched (longer = more specific).
    pub domain_len: usize,
    /// NOERROR or NXDOMAIN.
    pub rcode: Rcode,
    /// The answer records (owner = the query name).
    pub answer: Vec<(u16, Rdata)>,
    /// The matched domain's apex (lowercase wire), owner of the SOA of negative answers.
    pub apex: Box<[u8]>,
}

impl InternalAnswer {
    /// The synthesized SOA of `apex` that negative answers carry (RFC 2308).
    pub fn soa(&self) -> Rdata {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&NameKey::from_text("cairn.internal").expect("a name"));
        bytes.extend_from_slice(&NameKey::from_text("hostmaster.cairn.internal").expect("a name"));
        for value in [1u32, 3600, 600, 86400, SYNTH_TTL] {
            bytes.extend_from_slice(&value.to_be_bytes());
        }
        Rdata::new(rtype::SOA, bytes).expect("a well-formed SOA")
    }
}

/// The autodefined answer for `qname` (lowercase wire) in `view`, if an autodefined domain
/// covers it. `None` when `enableDnsHostnames` is off or no such domain matches.
pub fn lookup(view: &VpcView, qname: &[u8], qtype: u16) -> Option<InternalAnswer> {
    if !view.private_dns() {
        return None;
    }
    if let Some(found) = hostname(view, qname, qtype) {
        return Some(found);
    }
    if !view.autodefined_reverse {
        return None;
    }
    reverse(view, qname, qtype)
}

fn hostname(view: &VpcView, qname: &[u8], qtype: u16) -> Option<InternalAnswer> {
    let domain = &view.hostname_domain[..];
    if !is_at_or_below(qname, domain) {
        return None;
    }
    let mut found = InternalAnswer {
        domain_len: domain.len(),
        rcode: Rcode::NxDomain,
        answer: Vec::new(),
        apex: domain.into(),
    };
    if qname.len() == domain.len() {
        found.rcode = Rcode::NoError;
        return Some(found);
    }
    let label_len = usize::from(qname[0]);
    if 1 + label_len + domain.len() != qname.len() {
        return Some(found); // deeper names do not exist
    }
    let label = std::str::from_utf8(&qname[1..1 + label_len]).ok()?;
    let Some(addr) = parse_ip_label(label) else {
        return Some(found);
    };
    if !view.vpc.contains(IpAddr::V4(addr)) {
        return Some(found);
    }
    found.rcode = Rcode::NoError;
    if qtype == rtype::A || qtype == rtype::ANY {
        found.answer.push((
            rtype::A,
            Rdata::new(rtype::A, addr.octets().to_vec()).expect("4 bytes"),
        ));
    }
    Some(found)
}

/// `ip-10-0-0-5` → 10.0.0.5.
fn parse_ip_label(label: &str) -> Option<Ipv4Addr> {
    let rest = label.strip_prefix("ip-")?;
    let mut octets = [0u8; 4];
    let mut parts = rest.split('-');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part.starts_with('0')) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

/// The reserved reverse zones, as (prefix octets) — answered for every VPC.
const RESERVED_REVERSE: &[&[u8]] = &[&[10], &[192, 168], &[169, 254]];

/// `in-addr.arpa` in wire form: a constant, since every VPC query asks whether it is below it.
const IN_ADDR_ARPA: &[u8] = b"\x07in-addr\x04arpa\x00";

fn reverse(view: &VpcView, qname: &[u8], qtype: u16) -> Option<InternalAnswer> {
    let arpa = IN_ADDR_ARPA;
    if !is_at_or_below(qname, arpa) || qname.len() == arpa.len() {
        return None;
    }
    // The labels before in-addr.arpa, most significant octet first.
    let labels = labels_before(qname, arpa.len())?;
    let octets: Option<Vec<u8>> = labels
        .iter()
        .rev()
        .map(|l| std::str::from_utf8(l).ok()?.parse().ok())
        .collect();
    let octets = octets?;
    // The autodefined reverse domains that cover this name: reserved ranges and the VPC's own
    // blocks (one domain per block, at the octet boundary at or above its prefix).
    let mut best: Option<Vec<u8>> = None;
    let mut consider = |zone: Vec<u8>| {
        if zone.len() <= octets.len()
            && octets[..zone.len()] == zone[..]
            && best.as_ref().is_none_or(|b| b.len() < zone.len())
        {
            best = Some(zone);
        }
    };
    for reserved in RESERVED_REVERSE {
        consider(reserved.to_vec());
    }
    if octets.first() == Some(&172) && octets.get(1).is_some_and(|o| (16..=31).contains(o)) {
        consider(octets[..2].to_vec());
    }
    for block in
        std::iter::once(view.vpc.cidr_block).chain(view.vpc.secondary_cidr_blocks.iter().copied())
    {
        let whole = usize::from(block.prefix_len()).div_ceil(8).clamp(1, 3);
        consider(block.network().octets()[..whole].to_vec());
    }
    let zone = best?;
    let apex = reverse_name(&zone);
    let mut found = InternalAnswer {
        domain_len: apex.len(),
        rcode: Rcode::NxDomain,
        answer: Vec::new(),
        apex: apex.into_boxed_slice(),
    };
    if octets.len() < 4 {
        // An empty non-terminal on the way to the addresses: NODATA.
        found.rcode = Rcode::NoError;
        return Some(found);
    }
    let addr = Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]);
    if view.vpc.contains(IpAddr::V4(addr)) {
        found.rcode = Rcode::NoError;
        if qtype == rtype::PTR || qtype == rtype::ANY {
            let host = format!("ip-{}-{}-{}-{}", octets[0], octets[1], octets[2], octets[3]);
            let mut target = vec![host.len() as u8];
            target.extend_from_slice(host.as_bytes());
            target.extend_from_slice(&view.hostname_domain);
            found.answer.push((
                rtype::PTR,
                Rdata::new(rtype::PTR, target).expect("a wire name"),
            ));
        }
    }
    Some(found)
}

/// `[10, 0]` → `0.10.in-addr.arpa` in wire form.
fn reverse_name(octets: &[u8]) -> Vec<u8> {
    let text: Vec<String> = octets.iter().rev().map(u8::to_string).collect();
    NameKey::from_text(&format!("{}.in-addr.arpa", text.join(".")))
        .expect("octets make a name")
        .to_vec()
}

/// The labels of `name` before its last `suffix_len` bytes; `None` if a label is not 1–3
/// digits (not an address label) or there are more than four.
fn labels_before(name: &[u8], suffix_len: usize) -> Option<Vec<&[u8]>> {
    let mut labels = Vec::new();
    let mut pos = 0;
    while name.len() - pos > suffix_len {
        let len = usize::from(name[pos]);
        let label = name.get(pos + 1..pos + 1 + len)?;
        if label.is_empty() || label.len() > 3 || !label.iter().all(u8::is_ascii_digit) {
            return None;
        }
        labels.push(label);
        pos += 1 + len;
    }
    (labels.len() <= 4).then_some(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::hostname_domain;
    use cairn_model::network::Vpc;

    fn to_wire(text: &str) -> NameKey {
        NameKey::from_text(text).expect("a name")
    }

    fn view(region: &str, hostnames: bool) -> VpcView {
        VpcView {
            vpc: Vpc {
                id: "vpc-1".into(),
                region: region.into(),
                owner_account: "123456789012".into(),
                cidr_block: "10.1.0.0/16".parse().unwrap(),
                secondary_cidr_blocks: vec![],
                ipv6_cidr_block: None,
                enable_dns_support: true,
                enable_dns_hostnames: hostnames,
                is_default: false,
                created_at_ms: 0,
            },
            subnets: vec![],
            private_zones: Default::default(),
            hostname_domain: hostname_domain(region),
            rules: vec![],
            autodefined_reverse: true,
            dnssec_validation: false,
            firewall: None,
        }
    }

    #[test]
    fn in_addr_arpa_constant_is_the_parsed_name() {
        assert_eq!(IN_ADDR_ARPA, &to_wire("in-addr.arpa")[..]);
    }

    #[test]
    fn ip_hostnames_answer_a_for_addresses_in_the_vpc() {
        let v = view("us-east-1", true);
        let found = lookup(&v, &to_wire("ip-10-1-2-3.ec2.internal"), rtype::A).unwrap();
        assert_eq!(found.rcode, Rcode::NoError);
        assert_eq!(found.answer[0].1.bytes(), &[10, 1, 2, 3]);
        let outside = lookup(&v, &to_wire("ip-10-2-2-3.ec2.internal"), rtype::A).unwrap();
        assert_eq!(outside.rcode, Rcode::NxDomain);
        let aaaa = lookup(&v, &to_wire("ip-10-1-2-3.ec2.internal"), rtype::AAAA).unwrap();
        assert_eq!((aaaa.rcode, aaaa.answer.len()), (Rcode::NoError, 0));
        assert!(lookup(
            &v,
            &to_wire("ip-10-1-2-3.eu-west-1.compute.internal"),
            rtype::A
        )
        .is_none());
        assert!(lookup(
            &view("us-east-1", false),
            &to_wire("ip-10-1-2-3.ec2.internal"),
            rtype::A
        )
        .is_none());
        let eu = view("eu-west-1", true);
        assert!(
            lookup(
                &eu,
                &to_wire("ip-10-1-2-3.eu-west-1.compute.internal"),
                rtype::A
            )
            .unwrap()
            .answer
            .len()
                == 1
        );
    }

    #[test]
    fn reverse_names_point_at_hostnames_and_private_ranges_stay_private() {
        let v = view("us-east-1", true);
        let ptr = lookup(&v, &to_wire("3.2.1.10.in-addr.arpa"), rtype::PTR).unwrap();
        assert_eq!(ptr.rcode, Rcode::NoError);
        assert_eq!(
            ptr.answer[0].1.bytes(),
            &to_wire("ip-10-1-2-3.ec2.internal")[..]
        );
        assert_eq!(&*ptr.apex, &to_wire("1.10.in-addr.arpa")[..]);
        let other = lookup(&v, &to_wire("3.2.9.10.in-addr.arpa"), rtype::PTR).unwrap();
        assert_eq!(other.rcode, Rcode::NxDomain);
        assert_eq!(&*other.apex, &to_wire("10.in-addr.arpa")[..]);
        assert_eq!(
            lookup(&v, &to_wire("1.1.20.172.in-addr.arpa"), rtype::PTR)
                .unwrap()
                .rcode,
            Rcode::NxDomain
        );
        assert!(lookup(&v, &to_wire("1.1.1.8.in-addr.arpa"), rtype::PTR).is_none());
        assert!(lookup(&v, &to_wire("1.1.32.172.in-addr.arpa"), rtype::PTR).is_none());
    }

    #[test]
    fn labels_must_be_exact() {
        assert_eq!(
            parse_ip_label("ip-10-0-0-5"),
            Some(Ipv4Addr::new(10, 0, 0, 5))
        );
        for bad in [
            "ip-10-0-0",
            "ip-10-0-0-5-6",
            "ip-010-0-0-5",
            "ip-256-0-0-5",
            "ip-a-0-0-5",
            "10-0-0-5",
        ] {
            assert_eq!(parse_ip_label(bad), None, "{bad}");
        }
        assert!(is_at_or_below(
            &to_wire("a.ec2.internal"),
            &to_wire("ec2.internal")
        ));
        assert!(!is_at_or_below(
            &to_wire("xec2.internal"),
            &to_wire("ec2.internal")
        ));
    }
}
