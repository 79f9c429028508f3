//! DNSSEC's wire formats (RFC 4034), shared by the signer (authoritative answers, the KSK's
//! DNSKEY signatures made through KMS) and the validator.
//!
//! Names here are uncompressed wire names (`\x03www\x07example\x00`). Functions that need
//! the canonical form (RFC 4034 §6.2: ASCII letters lowercased) say so; [`canonical_name`]
//! makes it. RDATA given to [`signed_data`] must already be canonical (names inside NS, CNAME,
//! SOA, PTR, MX, SRV, DNAME… RDATA lowercased, RFC 4034 §6.2 item 3 as amended by RFC 6840
//! §5.1); the caller knows the record type, this module does not.

use base64::Engine as _;
use ring::digest::{digest, SHA256};

/// DNSSEC algorithm 13, ECDSA P-256 with SHA-256 (RFC 6605): what Route 53 and Cairn sign with.
pub const ALGORITHM_ECDSAP256SHA256: u8 = 13;
/// DS digest type 2, SHA-256 (RFC 4509).
pub const DIGEST_SHA256: u8 = 2;
/// DNSKEY flags of a key-signing key (Zone Key + Secure Entry Point).
pub const FLAGS_KSK: u16 = 257;
/// DNSKEY flags of a zone-signing key (Zone Key).
pub const FLAGS_ZSK: u16 = 256;
/// The DNSKEY protocol field, always 3.
pub const PROTOCOL: u8 = 3;
/// Record type numbers this module writes.
pub mod rtype {
    /// DS.
    pub const DS: u16 = 43;
    /// RRSIG.
    pub const RRSIG: u16 = 46;
    /// NSEC.
    pub const NSEC: u16 = 47;
    /// DNSKEY.
    pub const DNSKEY: u16 = 48;
}

/// A DNSKEY record's contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dnskey {
    /// 257 for a KSK, 256 for a ZSK.
    pub flags: u16,
    /// The DNSSEC algorithm number.
    pub algorithm: u8,
    /// The public key in the algorithm's DNSSEC form (`x‖y` for algorithm 13).
    pub public_key: Vec<u8>,
}

impl Dnskey {
    /// An algorithm-13 key with these flags.
    pub fn p256(flags: u16, public_key: &[u8; 64]) -> Self {
        Dnskey {
            flags,
            algorithm: ALGORITHM_ECDSAP256SHA256,
            public_key: public_key.to_vec(),
        }
    }

    /// The RDATA: flags, protocol 3, algorithm, public key.
    pub fn rdata(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.public_key.len());
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.push(PROTOCOL);
        out.push(self.algorithm);
        out.extend_from_slice(&self.public_key);
        out
    }

    /// The key tag (RFC 4034 Appendix B).
    pub fn key_tag(&self) -> u16 {
        key_tag(&self.rdata())
    }

    /// The SHA-256 DS digest of this key at `owner` (any case; it is made canonical).
    pub fn ds_digest_sha256(&self, owner: &[u8]) -> [u8; 32] {
        let mut input = canonical_name(owner);
        input.extend_from_slice(&self.rdata());
        digest(&SHA256, &input)
            .as_ref()
            .try_into()
            .expect("SHA-256 is 32 bytes")
    }

    /// The DS RDATA for this key at `owner`, SHA-256.
    pub fn ds_rdata(&self, owner: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(36);
        out.extend_from_slice(&self.key_tag().to_be_bytes());
        out.push(self.algorithm);
        out.push(DIGEST_SHA256);
        out.extend_from_slice(&self.ds_digest_sha256(owner));
        out
    }

    /// The DNSKEY in presentation form, as Route 53's `DNSKEYRecord`: `257 3 13 <base64>`.
    pub fn text(&self) -> String {
        format!(
            "{} {} {} {}",
            self.flags,
            PROTOCOL,
            self.algorithm,
            base64::engine::general_purpose::STANDARD.encode(&self.public_key)
        )
    }

    /// The DS in presentation form, as Route 53's `DSRecord`: `<tag> 13 2 <HEX>`.
    pub fn ds_text(&self, owner: &[u8]) -> String {
        format!(
            "{} {} {} {}",
            self.key_tag(),
            self.algorithm,
            DIGEST_SHA256,
            hex::encode_upper(self.ds_digest_sha256(owner))
        )
    }
}

/// The key tag of a DNSKEY's RDATA (RFC 4034 Appendix B; algorithm 1 is not supported).
pub fn key_tag(rdata: &[u8]) -> u16 {
    let mut acc: u32 = 0;
    for (i, &b) in rdata.iter().enumerate() {
        acc += if i & 1 == 0 {
            u32::from(b) << 8
        } else {
            u32::from(b)
        };
    }
    acc += (acc >> 16) & 0xffff;
    (acc & 0xffff) as u16
}

/// An RRSIG's fields other than its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrsigFields {
    /// The type of the RRset it covers.
    pub type_covered: u16,
    /// The DNSSEC algorithm.
    pub algorithm: u8,
    /// Labels in the owner name, not counting the root or a leading `*` ([`label_count`]).
    pub labels: u8,
    /// The RRset's TTL as the zone has it.
    pub original_ttl: u32,
    /// Not valid after (seconds since the epoch, modulo 2^32).
    pub expiration: u32,
    /// Not valid before.
    pub inception: u32,
    /// The signing key's tag.
    pub key_tag: u16,
    /// The zone's apex, as a canonical wire name.
    pub signer: Vec<u8>,
}

impl RrsigFields {
    /// The RRSIG RDATA before its signature (what [`signed_data`] starts with).
    pub fn write_prefix(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.type_covered.to_be_bytes());
        out.push(self.algorithm);
        out.push(self.labels);
        out.extend_from_slice(&self.original_ttl.to_be_bytes());
        out.extend_from_slice(&self.expiration.to_be_bytes());
        out.extend_from_slice(&self.inception.to_be_bytes());
        out.extend_from_slice(&self.key_tag.to_be_bytes());
        out.extend_from_slice(&self.signer);
    }

    /// The whole RRSIG RDATA with `signature`.
    pub fn rdata(&self, signature: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(18 + self.signer.len() + signature.len());
        self.write_prefix(&mut out);
        out.extend_from_slice(signature);
        out
    }

    /// Reads an RRSIG RDATA: its fields and its signature.
    pub fn parse(rdata: &[u8]) -> Option<(RrsigFields, &[u8])> {
        if rdata.len() < 19 {
            return None;
        }
        let u32_at = |i: usize| u32::from_be_bytes(rdata[i..i + 4].try_into().expect("4 bytes"));
        let signer_len = wire_name_len(&rdata[18..])?;
        let fields = RrsigFields {
            type_covered: u16::from_be_bytes([rdata[0], rdata[1]]),
            algorithm: rdata[2],
            labels: rdata[3],
            original_ttl: u32_at(4),
            expiration: u32_at(8),
            inception: u32_at(12),
            key_tag: u16::from_be_bytes([rdata[16], rdata[17]]),
            signer: rdata[18..18 + signer_len].to_vec(),
        };
        Some((fields, &rdata[18 + signer_len..]))
    }
}

/// The data an RRSIG signs (RFC 4034 §3.1.8.1): its RDATA without the signature, then each
/// record of the RRset as `owner ‖ type ‖ class ‖ original TTL ‖ RDLENGTH ‖ RDATA`, in
/// canonical order (RDATA compared as bytes), duplicates once.
///
/// `owner` is the name the RRset is at, any case. When `fields.labels` is fewer than its
/// labels, the RRset was synthesised from a wildcard and the owner signed is `*.` and the
/// rightmost `labels` labels (RFC 4035 §5.3.2). `rdatas` must be canonical (see the module
/// doc).
pub fn signed_data(fields: &RrsigFields, owner: &[u8], class: u16, rdatas: &[&[u8]]) -> Vec<u8> {
    let mut owner = canonical_name(owner);
    let labels = label_count(&owner);
    if fields.labels < labels {
        owner = wildcard_of(&owner, labels - fields.labels);
    }
    let mut sorted: Vec<&[u8]> = rdatas.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::with_capacity(
        64 + sorted
            .iter()
            .map(|r| owner.len() + 10 + r.len())
            .sum::<usize>(),
    );
    fields.write_prefix(&mut out);
    for rdata in sorted {
        out.extend_from_slice(&owner);
        out.extend_from_slice(&fields.type_covered.to_be_bytes());
        out.extend_from_slice(&class.to_be_bytes());
        out.extend_from_slice(&fields.original_ttl.to_be_bytes());
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    out
}

/// A wire name with ASCII letters lowercased (RFC 4034 §6.2).
pub fn canonical_name(wire: &[u8]) -> Vec<u8> {
    let mut out = wire.to_vec();
    let mut i = 0;
    while i < out.len() {
        let len = usize::from(out[i]);
        if len == 0 {
            break;
        }
        let end = (i + 1 + len).min(out.len());
        out[i + 1..end].make_ascii_lowercase();
        i = end;
    }
    out
}

/// The RRSIG labels count of a wire name: its labels, not counting the root or a leading `*`.
pub fn label_count(wire: &[u8]) -> u8 {
    let mut count = 0u8;
    let mut i = 0;
    let mut first = true;
    while i < wire.len() && wire[i] != 0 {
        let len = usize::from(wire[i]);
        let is_star = first && len == 1 && wire.get(i + 1) == Some(&b'*');
        if !is_star {
            count = count.saturating_add(1);
        }
        first = false;
        i += 1 + len;
    }
    count
}

/// The length of the uncompressed wire name at the start of `input`.
fn wire_name_len(input: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        let len = usize::from(*input.get(i)?);
        if len == 0 {
            return Some(i + 1);
        }
        if len > 63 {
            return None;
        }
        i += 1 + len;
    }
}

/// `*.` and `name` without its leftmost `drop` labels.
fn wildcard_of(name: &[u8], drop: u8) -> Vec<u8> {
    let mut i = 0;
    for _ in 0..drop {
        i += 1 + usize::from(name[i]);
    }
    let mut out = vec![1, b'*'];
    out.extend_from_slice(&name[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for label in text
            .trim_end_matches('.')
            .split('.')
            .filter(|l| !l.is_empty())
        {
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
        out.push(0);
        out
    }

    /// RFC 4034 Appendix B's algorithm checked on the root KSK-2017 (key tag 20326; the DS
    /// IANA publishes).
    #[test]
    fn key_tag_and_ds_of_the_root_ksk() {
        let public_key = base64::engine::general_purpose::STANDARD
            .decode(
                "AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLA\
                 Jr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLr\
                 jyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6\
                 H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qih\
                 ylGa8subX2Nn6UwNR1AkUTV74bU=",
            )
            .unwrap();
        let key = Dnskey {
            flags: FLAGS_KSK,
            algorithm: 8,
            public_key,
        };
        assert_eq!(key.key_tag(), 20326);
        assert_eq!(
            key.ds_text(&wire(".")),
            "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
        );
    }

    #[test]
    fn label_counts_skip_the_root_and_a_leading_star() {
        assert_eq!(label_count(&wire(".")), 0);
        assert_eq!(label_count(&wire("www.example.com.")), 3);
        assert_eq!(label_count(&wire("*.example.com.")), 2);
    }

    #[test]
    fn signed_data_sorts_dedups_and_rewrites_wildcard_owners() {
        let fields = RrsigFields {
            type_covered: 1,
            algorithm: ALGORITHM_ECDSAP256SHA256,
            labels: 2,
            original_ttl: 300,
            expiration: 2,
            inception: 1,
            key_tag: 7,
            signer: wire("example.com."),
        };
        let data = signed_data(
            &fields,
            &wire("A.B.Example.com."),
            1,
            &[&[2; 4], &[1; 4], &[2; 4]],
        );
        let mut expected = Vec::new();
        fields.write_prefix(&mut expected);
        for rdata in [[1u8; 4], [2u8; 4]] {
            expected.extend_from_slice(&wire("*.example.com."));
            expected.extend_from_slice(&[0, 1, 0, 1, 0, 0, 1, 44, 0, 4]);
            expected.extend_from_slice(&rdata);
        }
        assert_eq!(data, expected);
        let rdata = fields.rdata(&[9; 64]);
        let (parsed, sig) = RrsigFields::parse(&rdata).unwrap();
        assert_eq!((parsed, sig), (fields, &[9u8; 64][..]));
    }
}
