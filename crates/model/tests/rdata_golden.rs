//! Golden values: one row per record type, `(type, Route 53 value, wire
//! RDATA, canonical value, zone-file presentation)`.

#![allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md B3)

use cairn_model::rdata::{
    codes, decode_to_route53_value, encode_route53_value, route53_value_to_presentation,
};
use cairn_model::RrType;

struct Golden {
    rtype: RrType,
    value: &'static str,
    wire_hex: &'static str,
    canonical: &'static str,
    presentation: &'static str,
}

const fn row(
    rtype: RrType,
    value: &'static str,
    wire_hex: &'static str,
    canonical: &'static str,
    presentation: &'static str,
) -> Golden {
    Golden {
        rtype,
        value,
        wire_hex,
        canonical,
        presentation,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (0..clean.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&clean[i..i + 2], 16).unwrap())
        .collect()
}

fn goldens() -> Vec<Golden> {
    use RrType::*;
    vec![
        row(A, "192.0.2.1", "c0000201", "192.0.2.1", "192.0.2.1"),
        row(
            Aaaa,
            "2001:0db8:85a3:0:0:8a2e:0370:7334",
            "20010db885a3000000008a2e03707334",
            "2001:db8:85a3::8a2e:370:7334",
            "2001:db8:85a3::8a2e:370:7334",
        ),
        row(
            Caa,
            r#"0 issue "ca.example.net; account=123456""#,
            "0005 6973737565 63612e6578616d706c652e6e65743b206163636f756e743d313233343536",
            r#"0 issue "ca.example.net; account=123456""#,
            r#"0 issue "ca.example.net; account=123456""#,
        ),
        row(
            Caa,
            r#"128 iodef "mailto:security@example.com""#,
            "8005 696f646566 6d61696c746f3a7365637572697479406578616d706c652e636f6d",
            r#"128 iodef "mailto:security@example.com""#,
            r#"128 iodef "mailto:security@example.com""#,
        ),
        // Case inside RDATA is kept; a missing trailing dot still means absolute.
        row(
            Cname,
            "Hostname.Example.com",
            "08486f73746e616d65 074578616d706c65 03636f6d 00",
            "Hostname.Example.com.",
            "Hostname.Example.com.",
        ),
        row(Cname, "www.example.com.", "03777777076578616d706c6503636f6d00", "www.example.com.", "www.example.com."),
        // Route 53 octal escapes in names; zone files use decimal ones.
        row(Cname, r"\052.example.com", "012a076578616d706c6503636f6d00", "*.example.com.", "*.example.com."),
        row(Cname, r"a\040b.example.com", "036120620 76578616d706c6503636f6d00", r"a\ b.example.com.", r"a\ b.example.com."),
        row(Cname, r"a\073b.example.com", "03613b62076578616d706c6503636f6d00", r"a\;b.example.com.", r"a\;b.example.com."),
        row(Cname, r"caf\303\251.example.com", "05636166c3a9076578616d706c6503636f6d00", r"caf\303\251.example.com.", r"caf\195\169.example.com."),
        row(
            Ds,
            "123 4 5 1234567890abcdef1234567890ABCDEF",
            "007b 04 05 1234567890abcdef1234567890abcdef",
            "123 4 5 1234567890ABCDEF1234567890ABCDEF",
            "123 4 5 1234567890ABCDEF1234567890ABCDEF",
        ),
        row(Mx, "10 mail.example.com", "000a 046d61696c 076578616d706c6503636f6d00", "10 mail.example.com.", "10 mail.example.com."),
        row(Mx, "0 .", "0000 00", "0 .", "0 ."),
        row(
            Naptr,
            r#"100 50 "u" "E2U+sip" "!^(\\+441632960083)$!sip:\\1@example.com!" ."#,
            "0064 0032 0175 07 4532552b736970 27 215e285c2b343431363332393630303833292421 7369703a5c31406578616d706c652e636f6d21 00",
            r#"100 50 "u" "E2U+sip" "!^(\\+441632960083)$!sip:\\1@example.com!" ."#,
            r#"100 50 "u" "E2U+sip" "!^(\\+441632960083)$!sip:\\1@example.com!" ."#,
        ),
        row(
            Naptr,
            r#"100 10 "S" "SIP+D2U" "" _sip._udp.example.com"#,
            "0064 000a 0153 07 5349502b443255 00 045f736970 045f756470 076578616d706c6503636f6d00",
            r#"100 10 "S" "SIP+D2U" "" _sip._udp.example.com."#,
            r#"100 10 "S" "SIP+D2U" "" _sip._udp.example.com."#,
        ),
        row(Ns, "ns-1.example.com", "046e732d31076578616d706c6503636f6d00", "ns-1.example.com.", "ns-1.example.com."),
        row(Ptr, "host.example.com.", "04686f7374076578616d706c6503636f6d00", "host.example.com.", "host.example.com."),
        row(
            Soa,
            "ns-2048.awsdns-64.net hostmaster.awsdns.com 1 7200 900 1209600 86400",
            "076e732d32303438 0961777364 6e732d3634 036e657400 0a686f73746d6173746572 06617773646e73 03636f6d00 00000001 00001c20 00000384 00127500 00015180",
            "ns-2048.awsdns-64.net. hostmaster.awsdns.com. 1 7200 900 1209600 86400",
            "ns-2048.awsdns-64.net. hostmaster.awsdns.com. 1 7200 900 1209600 86400",
        ),
        row(
            Spf,
            r#""v=spf1 ip4:192.168.0.1/16 -all""#,
            "1e763d73706631206970343a3139322e3136382e302e312f3136202d616c6c",
            r#""v=spf1 ip4:192.168.0.1/16 -all""#,
            r#""v=spf1 ip4:192.168.0.1/16 -all""#,
        ),
        row(
            Srv,
            "10 5 80 hostname.example.com",
            "000a 0005 0050 08686f73746e616d65 076578616d706c6503636f6d00",
            "10 5 80 hostname.example.com.",
            "10 5 80 hostname.example.com.",
        ),
        row(Txt, r#""String 1" "String 2""#, "08537472696e672031 08537472696e672032", r#""String 1" "String 2""#, r#""String 1" "String 2""#),
        // Octal escapes in, octal out; decimal in zone files.
        row(Txt, r#""tab\011quote\"back\\slash""#, "14 746162 09 71756f7465 22 6261636b 5c 736c617368", r#""tab\011quote\"back\\slash""#, r#""tab\009quote\"back\\slash""#),
        row(Txt, r#""caf\303\251""#, "05636166c3a9", r#""caf\303\251""#, r#""caf\195\169""#),
        row(Txt, r#""""#, "00", r#""""#, r#""""#),
        row(
            Tlsa,
            "3 1 1 0123456789abcdef0123456789ABCDEF",
            "030101 0123456789abcdef0123456789abcdef",
            "3 1 1 0123456789ABCDEF0123456789ABCDEF",
            "3 1 1 0123456789ABCDEF0123456789ABCDEF",
        ),
        row(
            Sshfp,
            "1 1 0123456789abcdef0123456789abcdef01234567",
            "0101 0123456789abcdef0123456789abcdef01234567",
            "1 1 0123456789ABCDEF0123456789ABCDEF01234567",
            "1 1 0123456789ABCDEF0123456789ABCDEF01234567",
        ),
        row(
            Svcb,
            "1 svc.example.com alpn=h2,h3 port=8443",
            "0001 03737663076578616d706c6503636f6d00 0001 0006 026832 026833 0003 0002 20fb",
            "1 svc.example.com. alpn=h2,h3 port=8443",
            "1 svc.example.com. alpn=h2,h3 port=8443",
        ),
        row(
            Https,
            r#"1 . alpn="h2,h3" ipv4hint=192.0.2.1"#,
            "0001 00 0001 0006 026832 026833 0004 0004 c0000201",
            "1 . alpn=h2,h3 ipv4hint=192.0.2.1",
            "1 . alpn=h2,h3 ipv4hint=192.0.2.1",
        ),
        row(Https, "0 cdn.example.com", "0000 0363646e 076578616d706c6503636f6d00", "0 cdn.example.com.", "0 cdn.example.com."),
        row(Dname, "example.net", "076578616d706c65036e657400", "example.net.", "example.net."),
        row(Other(65280), r"\# 4 0A000001", "0a000001", r"\# 4 0a000001", r"\# 4 0a000001"),
        row(Other(65281), r"\# 0", "", r"\# 0", r"\# 0"),
    ]
}

#[test]
fn every_golden_value_encodes_to_its_wire_bytes() {
    for g in goldens() {
        let wire = encode_route53_value(g.rtype, g.value)
            .unwrap_or_else(|e| panic!("{} {:?}: {e}", g.rtype, g.value));
        assert_eq!(
            hex(&wire),
            hex(&unhex(g.wire_hex)),
            "{} {:?}",
            g.rtype,
            g.value
        );
    }
}

#[test]
fn every_golden_wire_decodes_to_its_canonical_value() {
    for g in goldens() {
        let value = decode_to_route53_value(g.rtype, &unhex(g.wire_hex)).unwrap();
        assert_eq!(value, g.canonical, "{}", g.rtype);
        // The canonical value is itself a valid value for the same bytes.
        assert_eq!(
            encode_route53_value(g.rtype, &value).unwrap(),
            unhex(g.wire_hex)
        );
    }
}

#[test]
fn every_golden_value_has_its_zone_file_form() {
    for g in goldens() {
        let text = route53_value_to_presentation(g.rtype, g.value).unwrap();
        assert_eq!(text, g.presentation, "{} {:?}", g.rtype, g.value);
    }
}

#[test]
fn golden_table_covers_every_type() {
    let table = goldens();
    for t in RrType::ALL {
        assert!(table.iter().any(|g| g.rtype == t), "no golden row for {t}");
    }
}

#[test]
fn names_inside_rdata_keep_their_case_and_escapes() {
    let wire = encode_route53_value(RrType::Mx, "10 MAIL.Example.COM").unwrap();
    assert_eq!(&wire[2..7], b"\x04MAIL");
    assert_eq!(
        decode_to_route53_value(RrType::Mx, &wire).unwrap(),
        "10 MAIL.Example.COM."
    );
}

//------------ refused values --------------------------------------------------

fn refusal(rtype: RrType, value: &str) -> (String, String) {
    let err = encode_route53_value(rtype, value).unwrap_err();
    assert_eq!(err.value, value);
    (err.code().to_string(), err.to_string())
}

#[test]
fn bad_addresses_get_route53s_codes() {
    let (code, message) = refusal(RrType::A, "192.0.2.256");
    assert_eq!(code, codes::A_ILLEGAL_IPV4);
    assert_eq!(
        message,
        "Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address \
         (Value is not a valid IPv4 address) encountered with '192.0.2.256'"
    );
    assert_eq!(refusal(RrType::A, "2001:db8::1").0, codes::A_ILLEGAL_IPV4);
    assert_eq!(refusal(RrType::A, "").0, codes::A_ILLEGAL_IPV4);
    let (code, message) = refusal(RrType::Aaaa, "192.0.2.1");
    assert_eq!(code, codes::AAAA_ILLEGAL_IPV6);
    assert!(message.contains("(Value is not a valid IPv6 address)"));
}

#[test]
fn unquoted_txt_is_refused_like_route53() {
    let (code, message) = refusal(RrType::Txt, "v=spf1 -all");
    assert_eq!(code, codes::INVALID_CHARACTER_STRING);
    assert_eq!(
        message,
        "Invalid Resource Record: FATAL problem: InvalidCharacterString \
         (Value should be enclosed in quotation marks) encountered with 'v=spf1 -all'"
    );
    assert_eq!(
        refusal(RrType::Spf, "v=spf1 -all").0,
        codes::INVALID_CHARACTER_STRING
    );
}

#[test]
fn txt_strings_over_255_bytes_are_refused() {
    let value = format!("\"{}\"", "x".repeat(256));
    let (code, message) = refusal(RrType::Txt, &value);
    assert_eq!(code, codes::CHARACTER_STRING_TOO_LONG);
    assert!(message.contains("CharacterStringTooLong (Value is too long)"));
    // Several strings of 255 are fine.
    let ok = format!("\"{0}\" \"{0}\"", "x".repeat(255));
    assert_eq!(encode_route53_value(RrType::Txt, &ok).unwrap().len(), 512);
}

#[test]
fn empty_names_are_refused() {
    let (code, message) = refusal(RrType::Cname, "");
    assert_eq!(code, codes::DOMAIN_NAME_EMPTY);
    assert_eq!(
        message,
        "Invalid Resource Record: FATAL problem: DomainNameEmpty (Domain name is empty) encountered with ''"
    );
    assert_eq!(refusal(RrType::Ns, "  ").0, codes::DOMAIN_NAME_EMPTY);
}

#[test]
fn malformed_names_get_precise_codes() {
    assert_eq!(
        refusal(RrType::Cname, "a..example.com").0,
        codes::DOMAIN_LABEL_EMPTY
    );
    assert_eq!(
        refusal(RrType::Mx, &format!("10 {}.com", "a".repeat(64))).0,
        codes::DOMAIN_LABEL_TOO_LONG
    );
    let long = vec!["abcdefghi"; 26].join(".");
    assert_eq!(
        refusal(RrType::Srv, &format!("1 1 1 {long}")).0,
        codes::DOMAIN_NAME_TOO_LONG
    );
    assert_eq!(
        refusal(RrType::Ptr, r"a\9.example.com").0,
        codes::INVALID_ESCAPE
    );
}

#[test]
fn caa_follows_route53s_rules() {
    assert_eq!(
        refusal(RrType::Caa, "0 issue ca.example.net").0,
        codes::INVALID_CHARACTER_STRING
    );
    assert_eq!(
        refusal(RrType::Caa, r#"1 issue "ca.example.net""#).0,
        codes::CAA_ILLEGAL_FLAGS
    );
    assert_eq!(
        refusal(RrType::Caa, r#"0 is-sue "ca.example.net""#).0,
        codes::INVALID_RDATA
    );
    assert_eq!(refusal(RrType::Caa, "0 issue").0, codes::INVALID_RDATA);
}

#[test]
fn other_malformed_values_name_the_type() {
    let (code, message) = refusal(RrType::Mx, "ten mail.example.com");
    assert_eq!(code, codes::INVALID_RDATA);
    assert!(message.contains("(MX value is not valid: "), "{message}");
    assert_eq!(refusal(RrType::Mx, "10").0, codes::INVALID_RDATA);
    assert_eq!(
        refusal(RrType::Mx, "70000 mail.example.com").0,
        codes::INVALID_RDATA
    );
    assert_eq!(
        refusal(RrType::Cname, "two names.example.com").0,
        codes::INVALID_RDATA
    );
    assert_eq!(
        refusal(RrType::Soa, "ns. host. 1 2 3 4").0,
        codes::INVALID_RDATA
    );
    assert_eq!(refusal(RrType::Ds, "1 2 3 xyz").0, codes::INVALID_RDATA);
    assert_eq!(
        refusal(RrType::Other(65280), "0a000001").0,
        codes::INVALID_RDATA
    );
    assert_eq!(
        refusal(RrType::Other(65280), r"\# 3 0a000001").0,
        codes::INVALID_RDATA
    );
}

#[test]
fn zone_file_syntax_in_a_value_cannot_escape_its_field() {
    // A semicolon would start a comment in a zone file and silently drop
    // the rest; here it is part of the name.
    let wire = encode_route53_value(RrType::Mx, "10 mail;junk").unwrap();
    assert_eq!(&wire[2..12], b"\x09mail;junk");
    assert_eq!(
        route53_value_to_presentation(RrType::Mx, "10 mail;junk").unwrap(),
        r"10 mail\;junk."
    );
    // A line break never ends the record: it is a byte of the label.
    let wire = encode_route53_value(RrType::Cname, "a.example.com\nb").unwrap();
    assert_eq!(&wire[10..], b"\x05com\nb\x00");
    assert_eq!(
        refusal(RrType::Txt, "\"unclosed").0,
        codes::UNTERMINATED_QUOTE
    );
}

#[test]
fn invalid_wire_is_reported_not_guessed() {
    let err = decode_to_route53_value(RrType::A, &[1, 2, 3]).unwrap_err();
    assert_eq!(err.code(), codes::INVALID_RDATA_WIRE);
    assert_eq!(err.value, r"\# 3 010203");
    assert!(decode_to_route53_value(RrType::Aaaa, &[0; 4]).is_err());
    assert!(decode_to_route53_value(RrType::Txt, &[5, b'a']).is_err());
    assert!(decode_to_route53_value(RrType::Mx, &[0, 10, 3, b'a']).is_err());
    // Trailing bytes after a complete value are refused too.
    assert!(decode_to_route53_value(RrType::Cname, &[0, 0]).is_err());
}
