//! Property tests: for random wire RDATA `w` of every type,
//! `encode(decode(w)) == w`, and the decoded value is canonical:
//! `decode(encode(v)) == v`.

#![allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md B3)

use cairn_model::rdata::{decode_to_route53_value, encode_route53_value};
use cairn_model::RrType;
use proptest::prelude::*;

/// A label of 1–20 arbitrary bytes, weighted towards the awkward ones.
fn label() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        6 => prop::sample::select(b"abcxyzABCXYZ0189-_".to_vec()),
        2 => prop::sample::select(b" .\\\"();@$*\t\n".to_vec()),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 1..20)
}

/// An uncompressed name of up to 4 labels (the root included).
fn name_wire() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(label(), 0..4).prop_map(|labels| {
        let mut wire = Vec::new();
        for l in labels {
            wire.push(l.len() as u8);
            wire.extend(l);
        }
        wire.push(0);
        wire
    })
}

fn character_string() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..40),
        1 => prop::collection::vec(any::<u8>(), 250..=255),
    ]
    .prop_map(|s| {
        let mut wire = vec![s.len() as u8];
        wire.extend(s);
        wire
    })
}

fn character_strings() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(character_string(), 1..4).prop_map(|v| v.concat())
}

fn bytes(range: std::ops::Range<usize>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), range)
}

/// A record type and valid wire RDATA for it.
fn typed_rdata() -> impl Strategy<Value = (RrType, Vec<u8>)> {
    use RrType::*;
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| (A, a.to_vec())),
        any::<[u8; 16]>().prop_map(|a| (Aaaa, a.to_vec())),
        character_strings().prop_map(|w| (Txt, w)),
        character_strings().prop_map(|w| (Spf, w)),
        (
            prop::sample::select(vec![Cname, Ns, Ptr, Dname]),
            name_wire()
        ),
        (any::<u16>(), name_wire()).prop_map(|(p, n)| (Mx, [p.to_be_bytes().to_vec(), n].concat())),
        (any::<[u16; 3]>(), name_wire()).prop_map(|(f, n)| {
            let mut w: Vec<u8> = f.iter().flat_map(|x| x.to_be_bytes()).collect();
            w.extend(n);
            (Srv, w)
        }),
        (name_wire(), name_wire(), any::<[u32; 5]>()).prop_map(|(m, r, f)| {
            let mut w = [m, r].concat();
            w.extend(f.iter().flat_map(|x| x.to_be_bytes()));
            (Soa, w)
        }),
        (
            prop::sample::select(vec![0u8, 128]),
            "[a-zA-Z0-9]{1,15}",
            bytes(0..40)
        )
            .prop_map(|(flags, tag, value)| {
                let mut w = vec![flags, tag.len() as u8];
                w.extend(tag.as_bytes());
                w.extend(value);
                (Caa, w)
            }),
        (any::<u16>(), any::<u8>(), any::<u8>(), bytes(1..48)).prop_map(|(k, a, d, digest)| {
            let mut w = k.to_be_bytes().to_vec();
            w.extend([a, d]);
            w.extend(digest);
            (Ds, w)
        }),
        (any::<[u8; 3]>(), bytes(1..64)).prop_map(|(f, data)| (Tlsa, [f.to_vec(), data].concat())),
        (any::<[u8; 2]>(), bytes(1..40)).prop_map(|(f, fp)| (Sshfp, [f.to_vec(), fp].concat())),
        (
            any::<[u16; 2]>(),
            character_string(),
            character_string(),
            character_string(),
            name_wire()
        )
            .prop_map(|(f, flags, services, regexp, replacement)| {
                let mut w: Vec<u8> = f.iter().flat_map(|x| x.to_be_bytes()).collect();
                w.extend([flags, services, regexp, replacement].concat());
                (Naptr, w)
            }),
        (prop::sample::select(vec![Svcb, Https]), name_wire()).prop_map(|(t, target)| {
            // Alias mode: priority 0, no parameters.
            (t, [vec![0, 0], target].concat())
        }),
        (
            prop::sample::select(vec![Svcb, Https]),
            1u16..,
            name_wire(),
            any::<u16>()
        )
            .prop_map(|(t, priority, target, port)| {
                let mut w = priority.to_be_bytes().to_vec();
                w.extend(target);
                w.extend([0, 3, 0, 2]);
                w.extend(port.to_be_bytes());
                (t, w)
            }),
        (65280u16..65535, bytes(0..60)).prop_map(|(code, data)| (Other(code), data)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn wire_survives_a_trip_through_route53_text((rtype, wire) in typed_rdata()) {
        let value = decode_to_route53_value(rtype, &wire)
            .map_err(|e| TestCaseError::fail(format!("{rtype} {wire:02x?}: {e}")))?;
        let again = encode_route53_value(rtype, &value)
            .map_err(|e| TestCaseError::fail(format!("{rtype} {value:?}: {e}")))?;
        prop_assert_eq!(&again, &wire, "{} {:?}", rtype, value);
    }

    #[test]
    fn decoded_values_are_canonical((rtype, wire) in typed_rdata()) {
        let value = decode_to_route53_value(rtype, &wire).unwrap();
        let wire_again = encode_route53_value(rtype, &value).unwrap();
        prop_assert_eq!(decode_to_route53_value(rtype, &wire_again).unwrap(), value);
    }

    #[test]
    fn names_without_trailing_dot_mean_the_same_name(name in "[a-zA-Z0-9-]{1,20}(\\.[a-zA-Z0-9-]{1,20}){0,3}") {
        let bare = encode_route53_value(RrType::Cname, &name).unwrap();
        let dotted = encode_route53_value(RrType::Cname, &format!("{name}.")).unwrap();
        prop_assert_eq!(bare, dotted);
    }

    #[test]
    fn encoding_never_panics(rtype in prop::sample::select(RrType::ALL.to_vec()), value in "\\PC{0,60}") {
        let _ = encode_route53_value(rtype, &value);
    }

    #[test]
    fn encoding_zone_file_syntax_never_panics(
        rtype in prop::sample::select(RrType::ALL.to_vec()),
        tokens in prop::collection::vec(
            prop_oneof![
                Just("\"\"a".to_string()),
                Just("\"".to_string()),
                Just("(".to_string()),
                Just(")".to_string()),
                Just(";".to_string()),
                Just("\\#".to_string()),
                Just("@".to_string()),
                Just("$ORIGIN".to_string()),
                Just("\n".to_string()),
                "[0-9]{1,3}",
                "[a-z.\\\\\"]{1,8}",
            ],
            0..8,
        )
    ) {
        let _ = encode_route53_value(rtype, &tokens.join(" "));
        let _ = encode_route53_value(rtype, &tokens.concat());
    }
}
