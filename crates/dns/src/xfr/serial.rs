//! The SOA serial rule for zones with secondaries: a public zone's serial is the sequence of
//! the last change-log entry that changed it (modulo 2^32, compared as RFC 1982 says). Every
//! change gets a new, larger number, every node computes the same one, and a restart does
//! not move it. The data plane writes it into the SOA it compiles, so queries, AXFR and IXFR
//! agree; the API keeps the SOA as the user wrote it (as Route 53 does).

use cairn_model::{ChangeSeq, DomainName, ResourceRecordSet, RrType};

/// The serial of a zone last changed at `seq`.
pub fn of_seq(seq: ChangeSeq) -> u32 {
    (seq.0 & 0xffff_ffff) as u32
}

/// Writes `serial` into the apex SOA among `sets` (the zone's, or those at some names).
pub fn stamp(sets: &mut [ResourceRecordSet], apex: &DomainName, serial: u32) {
    for set in sets
        .iter_mut()
        .filter(|s| s.rtype == RrType::Soa && &s.name == apex)
    {
        for value in &mut set.records {
            if let Some(stamped) = with_serial(value, serial) {
                *value = stamped;
            }
        }
    }
}

/// An SOA value (`mname rname serial refresh retry expire minimum`) with another serial.
fn with_serial(value: &str, serial: u32) -> Option<String> {
    let mut fields: Vec<&str> = value.split_whitespace().collect();
    if fields.len() != 7 {
        return None;
    }
    let serial = serial.to_string();
    fields[2] = &serial;
    Some(fields.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serial_field_is_replaced_and_nothing_else() {
        let apex = DomainName::from_route53("example.com.").unwrap();
        let soa = "ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400";
        let mut sets = vec![
            ResourceRecordSet::simple(apex.clone(), RrType::Soa, 900, vec![soa.into()]),
            ResourceRecordSet::simple(
                apex.clone(),
                RrType::Txt,
                300,
                vec!["\"1 2 3 4 5 6 7\"".into()],
            ),
        ];
        stamp(&mut sets, &apex, of_seq(ChangeSeq(42)));
        assert_eq!(
            sets[0].records[0],
            "ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 42 7200 900 1209600 86400"
        );
        assert_eq!(sets[1].records[0], "\"1 2 3 4 5 6 7\"");
    }

    #[test]
    fn sequences_past_32_bits_wrap() {
        assert_eq!(of_seq(ChangeSeq((1 << 32) + 5)), 5);
    }
}
