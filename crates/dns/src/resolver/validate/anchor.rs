//! Trust anchors: where chains of trust start (RFC 4035 §4.4). Read from a file of DS or
//! DNSKEY records in zone-file syntax (`--trust-anchor FILE`), else the IANA root KSKs.

use base64::Engine;

use crate::resolver::name;

/// The root zone's DS records as IANA publishes them (https://data.iana.org/root-anchors/,
/// also Debian's dns-root-data `root.ds`): KSK-2017 (20326) and KSK-2024 (38696).
pub const IANA_ROOT_ANCHORS: &str = "\
. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
";

/// The anchors of one zone: DS RDATA and/or DNSKEY RDATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The zone (lowercase wire name).
    pub zone: Vec<u8>,
    /// DS RDATA: a DNSKEY matching one is trusted.
    pub ds: Vec<Vec<u8>>,
    /// DNSKEY RDATA trusted as is.
    pub dnskeys: Vec<Vec<u8>>,
}

/// Every trust anchor, one entry per zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchors {
    anchors: Vec<Anchor>,
}

/// A trust anchor file that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trust anchor line {line}: {reason}")]
pub struct AnchorError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl TrustAnchors {
    /// The IANA root anchors (see [`IANA_ROOT_ANCHORS`]).
    pub fn iana() -> Self {
        Self::parse(IANA_ROOT_ANCHORS).expect("the built-in anchors parse")
    }

    /// Reads DS and DNSKEY records, one per line (`owner [TTL] [IN] DS|DNSKEY …`; a
    /// DNSKEY's key may be split into several words and wrapped in parentheses on one
    /// line). `;` starts a comment; other record types are skipped, so `kdig` or
    /// `keymgr` output can be used as it is.
    pub fn parse(text: &str) -> Result<Self, AnchorError> {
        let mut anchors: Vec<Anchor> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let err = |reason: &str| AnchorError {
                line: index + 1,
                reason: reason.to_string(),
            };
            let line = raw.split(';').next().unwrap_or("").replace(['(', ')'], " ");
            let words: Vec<&str> = line.split_whitespace().collect();
            let Some((&owner, rest)) = words.split_first() else {
                continue;
            };
            let mut rest = rest;
            // Optional TTL and class, in either order.
            while let Some((&word, tail)) = rest.split_first() {
                if word.eq_ignore_ascii_case("IN") || word.bytes().all(|b| b.is_ascii_digit()) {
                    rest = tail;
                } else {
                    break;
                }
            }
            let Some((&rtype, fields)) = rest.split_first() else {
                return Err(err("no record type"));
            };
            let zone = name::from_text(owner).ok_or_else(|| err("bad owner name"))?;
            let zone = name::to_lowercase(&zone);
            let (ds, dnskey) = match rtype.to_ascii_uppercase().as_str() {
                "DS" => (
                    Some(ds_rdata(fields).ok_or_else(|| err("bad DS record"))?),
                    None,
                ),
                "DNSKEY" => (
                    None,
                    Some(dnskey_rdata(fields).ok_or_else(|| err("bad DNSKEY record"))?),
                ),
                _ => continue,
            };
            let at = match anchors.iter().position(|a| a.zone == zone) {
                Some(at) => at,
                None => {
                    anchors.push(Anchor {
                        zone,
                        ds: Vec::new(),
                        dnskeys: Vec::new(),
                    });
                    anchors.len() - 1
                }
            };
            anchors[at].ds.extend(ds);
            anchors[at].dnskeys.extend(dnskey);
        }
        if anchors.is_empty() {
            return Err(AnchorError {
                line: 0,
                reason: "no DS or DNSKEY record".into(),
            });
        }
        Ok(Self { anchors })
    }

    /// The anchor of the deepest zone at or above `name`, if any.
    pub fn closest(&self, name: &[u8]) -> Option<&Anchor> {
        self.anchors
            .iter()
            .filter(|a| name::is_at_or_below(name, &a.zone))
            .max_by_key(|a| a.zone.len())
    }

    /// Every anchor.
    pub fn anchors(&self) -> &[Anchor] {
        &self.anchors
    }
}

/// `tag algorithm digest-type hex…`.
fn ds_rdata(fields: &[&str]) -> Option<Vec<u8>> {
    let [tag, algorithm, digest_type, digest @ ..] = fields else {
        return None;
    };
    let mut out = tag.parse::<u16>().ok()?.to_be_bytes().to_vec();
    out.push(algorithm.parse().ok()?);
    out.push(digest_type.parse().ok()?);
    let hex: String = digest.concat();
    if hex.is_empty() || !hex.len().is_multiple_of(2) {
        return None;
    }
    for pair in hex.as_bytes().chunks(2) {
        out.push(u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?);
    }
    Some(out)
}

/// `flags protocol algorithm base64…`.
fn dnskey_rdata(fields: &[&str]) -> Option<Vec<u8>> {
    let [flags, protocol, algorithm, key @ ..] = fields else {
        return None;
    };
    let mut out = flags.parse::<u16>().ok()?.to_be_bytes().to_vec();
    out.push(protocol.parse().ok()?);
    out.push(algorithm.parse().ok()?);
    let key = base64::engine::general_purpose::STANDARD
        .decode(key.concat())
        .ok()?;
    if key.is_empty() {
        return None;
    }
    out.extend(key);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_anchors_are_the_two_root_ksks() {
        let anchors = TrustAnchors::iana();
        let root = anchors.closest(name::ROOT).expect("a root anchor");
        let tags: Vec<u16> = root
            .ds
            .iter()
            .map(|ds| u16::from_be_bytes([ds[0], ds[1]]))
            .collect();
        assert_eq!(tags, [20326, 38696]);
        assert_eq!(root.ds[0].len(), 4 + 32);
    }

    #[test]
    fn zone_file_lines_with_ttl_class_comments_and_dnskeys_parse() {
        let text = "; anchors\n\
            example. 3600 IN DS 12345 13 2 ABCDEF0123 ; a comment\n\
            Example. DNSKEY 257 3 13 ( AAEC AwQ= )\n\
            example. 60 IN SOA ns. host. 1 2 3 4 5\n";
        let anchors = TrustAnchors::parse(text).expect("parses");
        let a = anchors
            .closest(&name::from_text("www.example.").expect("name"))
            .expect("covers");
        assert_eq!(
            a.ds,
            [vec![0x30, 0x39, 13, 2, 0xab, 0xcd, 0xef, 0x01, 0x23]]
        );
        assert_eq!(a.dnskeys, [vec![1, 1, 3, 13, 0, 1, 2, 3, 4]]);
        assert!(anchors.closest(name::ROOT).is_none());
        assert!(TrustAnchors::parse("example. DS 1 13 2 ABC\n").is_err());
        assert!(TrustAnchors::parse("; nothing\n").is_err());
    }
}
