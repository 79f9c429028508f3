//! Signature checks (RFC 4034 §3, RFC 4035 §5.3): one RRSIG over one RRset with one
//! DNSKEY, and a DNSKEY against a DS. The cryptography is `ring`'s: RSA/SHA-256 (8),
//! RSA/SHA-512 (10), ECDSA P-256 (13) and P-384 (14), Ed25519 (15).

use cairn_crypto::dnssec::{signed_data, RrsigFields};
use ring::digest;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

/// Why one signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SigError {
    /// The validity window ended before now.
    Expired,
    /// The validity window starts after now.
    NotYetValid,
    /// The algorithm is not one Cairn verifies.
    UnsupportedAlgorithm,
    /// The RRSIG, its key or the signature did not check out.
    Invalid,
}

/// The fields of a DNSKEY's RDATA Cairn reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key<'a> {
    pub(crate) flags: u16,
    pub(crate) algorithm: u8,
    pub(crate) public_key: &'a [u8],
    pub(crate) tag: u16,
}

/// Reads DNSKEY RDATA (flags, protocol 3, algorithm, key).
pub(crate) fn parse_dnskey(rdata: &[u8]) -> Option<Key<'_>> {
    if rdata.len() < 5 || rdata[2] != 3 {
        return None;
    }
    Some(Key {
        flags: u16::from_be_bytes([rdata[0], rdata[1]]),
        algorithm: rdata[3],
        public_key: &rdata[4..],
        tag: cairn_crypto::dnssec::key_tag(rdata),
    })
}

/// Whether Cairn can verify signatures of this algorithm (others make a zone insecure,
/// RFC 4035 §5.2).
pub(crate) fn supported_algorithm(algorithm: u8) -> bool {
    matches!(algorithm, 8 | 10 | 13 | 14 | 15)
}

/// Whether a DS digest type is one Cairn computes (SHA-1, SHA-256, SHA-384).
pub(crate) fn supported_digest(digest_type: u8) -> bool {
    matches!(digest_type, 1 | 2 | 4)
}

/// Whether DS RDATA (`tag, algorithm, digest type, digest`) names the DNSKEY `dnskey_rdata`
/// at `owner` (RFC 4034 §5.1.4).
pub(crate) fn ds_matches(ds: &[u8], owner: &[u8], dnskey_rdata: &[u8]) -> bool {
    let Some(key) = parse_dnskey(dnskey_rdata) else {
        return false;
    };
    if ds.len() < 5 || u16::from_be_bytes([ds[0], ds[1]]) != key.tag || ds[2] != key.algorithm {
        return false;
    }
    let algorithm = match ds[3] {
        1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        2 => &digest::SHA256,
        4 => &digest::SHA384,
        _ => return false,
    };
    let mut input = cairn_crypto::dnssec::canonical_name(owner);
    input.extend_from_slice(dnskey_rdata);
    digest::digest(algorithm, &input).as_ref() == &ds[4..]
}

/// Serial-number arithmetic (RFC 1982, RFC 4034 §3.1.5): whether `a` is before `b`.
fn before(a: u32, b: u32) -> bool {
    a != b && b.wrapping_sub(a) < 0x8000_0000
}

/// Checks the RRSIG `fields`/`sig` over `rdatas` at `owner` (class IN) with `key`, at
/// `now` (seconds since the epoch, low 32 bits).
pub(crate) fn verify(
    fields: &RrsigFields,
    sig: &[u8],
    owner: &[u8],
    rdatas: &[&[u8]],
    key: &Key<'_>,
    now: u32,
) -> Result<(), SigError> {
    if fields.algorithm != key.algorithm || fields.key_tag != key.tag {
        return Err(SigError::Invalid);
    }
    // Bit 7 (ZONE) must be set on a key that signs (RFC 4034 §2.1.1).
    if key.flags & 0x0100 == 0 {
        return Err(SigError::Invalid);
    }
    if before(fields.expiration, now) {
        return Err(SigError::Expired);
    }
    if before(now, fields.inception) {
        return Err(SigError::NotYetValid);
    }
    let data = signed_data(fields, owner, 1, rdatas);
    verify_raw(key.algorithm, key.public_key, &data, sig)
}

/// Verifies `sig` over `data` with a DNSSEC public key of `algorithm`.
pub(crate) fn verify_raw(
    algorithm: u8,
    public_key: &[u8],
    data: &[u8],
    sig: &[u8],
) -> Result<(), SigError> {
    let ok = match algorithm {
        8 | 10 => {
            let (e, n) = rsa_parts(public_key).ok_or(SigError::Invalid)?;
            let params = if algorithm == 8 {
                &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
            } else {
                &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
            };
            RsaPublicKeyComponents { n, e }
                .verify(params, data, sig)
                .is_ok()
        }
        13 | 14 => {
            // DNSSEC keeps x‖y; ring wants the uncompressed SEC1 point 04‖x‖y.
            let mut point = Vec::with_capacity(1 + public_key.len());
            point.push(4);
            point.extend_from_slice(public_key);
            let params = if algorithm == 13 {
                &signature::ECDSA_P256_SHA256_FIXED
            } else {
                &signature::ECDSA_P384_SHA384_FIXED
            };
            UnparsedPublicKey::new(params, &point)
                .verify(data, sig)
                .is_ok()
        }
        15 => UnparsedPublicKey::new(&signature::ED25519, public_key)
            .verify(data, sig)
            .is_ok(),
        _ => return Err(SigError::UnsupportedAlgorithm),
    };
    if ok {
        Ok(())
    } else {
        Err(SigError::Invalid)
    }
}

/// Splits an RSA DNSKEY public key (RFC 3110 §2) into exponent and modulus.
fn rsa_parts(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = key.split_first()?;
    let (len, rest) = if first == 0 {
        let (len, rest) = rest.split_at_checked(2)?;
        (usize::from(u16::from_be_bytes([len[0], len[1]])), rest)
    } else {
        (usize::from(first), rest)
    };
    let (e, n) = rest.split_at_checked(len)?;
    (!e.is_empty() && !n.is_empty()).then_some((e, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_crypto::dnssec::{Dnskey, FLAGS_ZSK};
    use cairn_crypto::P256Key;

    fn wire(text: &str) -> Vec<u8> {
        crate::resolver::name::from_text(text).expect("a name")
    }

    fn fields(key: &Dnskey, owner: &[u8]) -> RrsigFields {
        RrsigFields {
            type_covered: 1,
            algorithm: 13,
            labels: cairn_crypto::dnssec::label_count(owner),
            original_ttl: 300,
            expiration: 2_000_000_000,
            inception: 1_000_000_000,
            key_tag: key.key_tag(),
            signer: wire("example."),
        }
    }

    #[test]
    fn p256_signature_verifies_and_tampering_fails() {
        let signer = P256Key::generate();
        let dnskey = Dnskey::p256(FLAGS_ZSK, &signer.public_key());
        let rdata = dnskey.rdata();
        let key = parse_dnskey(&rdata).expect("parses");
        let owner = wire("www.example.");
        let f = fields(&dnskey, &owner);
        let a: &[u8] = &[192, 0, 2, 1];
        let sig = signer.sign_fixed(&signed_data(&f, &owner, 1, &[a]));
        let now = 1_500_000_000;
        assert_eq!(verify(&f, &sig, &owner, &[a], &key, now), Ok(()));
        // Owner case does not matter (canonical form).
        assert_eq!(
            verify(&f, &sig, &wire("WWW.Example."), &[a], &key, now),
            Ok(())
        );
        let other: &[u8] = &[192, 0, 2, 2];
        assert_eq!(
            verify(&f, &sig, &owner, &[other], &key, now),
            Err(SigError::Invalid)
        );
        assert_eq!(
            verify(&f, &sig, &owner, &[a], &key, 2_100_000_000),
            Err(SigError::Expired)
        );
        assert_eq!(
            verify(&f, &sig, &owner, &[a], &key, 900_000_000),
            Err(SigError::NotYetValid)
        );
    }

    #[test]
    fn ds_of_a_key_matches_it_only() {
        let signer = P256Key::generate();
        let dnskey = Dnskey::p256(257, &signer.public_key());
        let owner = wire("example.");
        let ds = dnskey.ds_rdata(&owner);
        assert!(ds_matches(&ds, &owner, &dnskey.rdata()));
        assert!(ds_matches(&ds, &wire("EXAMPLE."), &dnskey.rdata()));
        assert!(!ds_matches(&ds, &wire("other."), &dnskey.rdata()));
        let mut wrong = ds.clone();
        *wrong.last_mut().expect("digest") ^= 1;
        assert!(!ds_matches(&wrong, &owner, &dnskey.rdata()));
    }

    #[test]
    fn rsa_keys_split_into_exponent_and_modulus() {
        assert_eq!(
            rsa_parts(&[3, 1, 0, 1, 9, 9]),
            Some((&[1u8, 0, 1][..], &[9u8, 9][..]))
        );
        assert_eq!(rsa_parts(&[0, 0, 1, 3, 7]), Some((&[3u8][..], &[7u8][..])));
        assert_eq!(rsa_parts(&[5, 1]), None);
    }

    #[test]
    fn serial_arithmetic_wraps() {
        assert!(before(1, 2));
        assert!(before(u32::MAX, 1));
        assert!(!before(2, 1));
        assert!(!before(5, 5));
    }
}
