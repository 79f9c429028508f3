//! ECDSA P-256 keys with SHA-256: the only key KMS needs to make for Route 53's KSKs
//! (`ECC_NIST_P256`, `SIGN_VERIFY`) and the algorithm Cairn signs zones with (DNSSEC
//! algorithm 13, ECDSAP256SHA256).
//!
//! A key is kept as PKCS#8 (what [`P256Key::generate`] returns, sealed with the
//! [`MasterKey`](crate::MasterKey) before it is stored). DNSSEC wants the public key as the
//! 64-byte `x‖y` and signatures as the 64-byte `r‖s` (RFC 6605); KMS gives the public key as
//! DER SubjectPublicKeyInfo and signatures as DER (X9.62). Both forms are here.

use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair as _, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING,
};

/// The DER SubjectPublicKeyInfo prefix of an uncompressed P-256 point (id-ecPublicKey,
/// prime256v1, BIT STRING of 66 bytes).
const SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// A P-256 key could not be made from the bytes given.
#[derive(Debug, thiserror::Error)]
#[error("not a P-256 key: {0}")]
pub struct KeyError(String);

/// A P-256 private key, ready to sign in both forms.
pub struct P256Key {
    fixed: EcdsaKeyPair,
    der: EcdsaKeyPair,
    pkcs8: Vec<u8>,
    rng: SystemRandom,
}

impl std::fmt::Debug for P256Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P256Key({})", hex::encode(&self.public_key()[..8]))
    }
}

impl P256Key {
    /// A new random key.
    pub fn generate() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .expect("the system random source works");
        Self::from_pkcs8(pkcs8.as_ref()).expect("ring reads the PKCS#8 it wrote")
    }

    /// The key kept as PKCS#8.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let fixed = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng)
            .map_err(|e| KeyError(e.to_string()))?;
        let der = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
            .map_err(|e| KeyError(e.to_string()))?;
        Ok(P256Key {
            fixed,
            der,
            pkcs8: pkcs8.to_vec(),
            rng,
        })
    }

    /// The PKCS#8 document to keep (seal it first).
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key as DNSSEC writes it in a DNSKEY: `x‖y`, 64 bytes (RFC 6605 §4).
    pub fn public_key(&self) -> [u8; 64] {
        let point = self.fixed.public_key().as_ref();
        point[1..65]
            .try_into()
            .expect("an uncompressed P-256 point is 65 bytes")
    }

    /// The public key as KMS's GetPublicKey returns it: DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Vec<u8> {
        spki_from_public_key(&self.public_key())
    }

    /// SHA-256 of `message`, signed as DNSSEC wants it: `r‖s`, 64 bytes.
    pub fn sign_fixed(&self, message: &[u8]) -> [u8; 64] {
        let sig = self
            .fixed
            .sign(&self.rng, message)
            .expect("P-256 signing does not fail");
        sig.as_ref()
            .try_into()
            .expect("a fixed P-256 signature is 64 bytes")
    }

    /// SHA-256 of `message`, signed as KMS returns it: DER `ECDSA-Sig-Value`.
    pub fn sign_der(&self, message: &[u8]) -> Vec<u8> {
        let sig = self
            .der
            .sign(&self.rng, message)
            .expect("P-256 signing does not fail");
        sig.as_ref().to_vec()
    }
}

/// DER SubjectPublicKeyInfo for a DNSSEC-form (`x‖y`) public key.
pub fn spki_from_public_key(public_key: &[u8; 64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(SPKI_PREFIX.len() + 65);
    out.extend_from_slice(&SPKI_PREFIX);
    out.push(0x04);
    out.extend_from_slice(public_key);
    out
}

/// The DNSSEC-form (`x‖y`) public key in a P-256 SubjectPublicKeyInfo, if it is one.
pub fn public_key_from_spki(spki: &[u8]) -> Option<[u8; 64]> {
    let rest = spki.strip_prefix(&SPKI_PREFIX[..])?;
    let point = rest.strip_prefix(&[0x04][..])?;
    point.try_into().ok()
}

/// Whether `signature` (`r‖s`) is `public_key`'s (`x‖y`) signature of `message`.
pub fn verify_fixed(public_key: &[u8; 64], message: &[u8], signature: &[u8]) -> bool {
    let mut point = [0u8; 65];
    point[0] = 0x04;
    point[1..].copy_from_slice(public_key);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .verify(message, signature)
        .is_ok()
}

/// Whether the DER `signature` is `public_key`'s (`x‖y`) signature of `message`.
pub fn verify_der(public_key: &[u8; 64], message: &[u8], signature: &[u8]) -> bool {
    let mut point = [0u8; 65];
    point[0] = 0x04;
    point[1..].copy_from_slice(public_key);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point)
        .verify(message, signature)
        .is_ok()
}

/// A DER `ECDSA-Sig-Value` (what KMS's Sign returns) as DNSSEC's 64-byte `r‖s`.
pub fn der_signature_to_fixed(der: &[u8]) -> Option<[u8; 64]> {
    // SEQUENCE { INTEGER r, INTEGER s }, each at most 33 bytes (a leading 0 keeps it positive).
    let body = der.strip_prefix(&[0x30][..])?;
    let (&len, body) = body.split_first()?;
    if usize::from(len) != body.len() {
        return None;
    }
    let (r, body) = der_integer(body)?;
    let (s, rest) = der_integer(body)?;
    if !rest.is_empty() {
        return None;
    }
    let mut out = [0u8; 64];
    out[32 - r.len()..32].copy_from_slice(r);
    out[64 - s.len()..].copy_from_slice(s);
    Some(out)
}

/// One DER INTEGER's magnitude (leading zeros dropped, at most 32 bytes) and what follows.
fn der_integer(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let input = input.strip_prefix(&[0x02][..])?;
    let (&len, input) = input.split_first()?;
    let len = usize::from(len);
    if len == 0 || len > 33 || input.len() < len {
        return None;
    }
    let (mut value, rest) = input.split_at(len);
    while value.len() > 1 && value[0] == 0 {
        value = &value[1..];
    }
    (value.len() <= 32).then_some((value, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_signature_forms_verify_and_convert() {
        let key = P256Key::generate();
        let again = P256Key::from_pkcs8(key.pkcs8()).unwrap();
        assert_eq!(key.public_key(), again.public_key());
        let fixed = key.sign_fixed(b"rrset");
        assert!(verify_fixed(&key.public_key(), b"rrset", &fixed));
        assert!(!verify_fixed(&key.public_key(), b"other", &fixed));
        let der = key.sign_der(b"rrset");
        assert!(verify_der(&key.public_key(), b"rrset", &der));
        let converted = der_signature_to_fixed(&der).unwrap();
        assert!(verify_fixed(&key.public_key(), b"rrset", &converted));
    }

    #[test]
    fn spki_round_trips() {
        let key = P256Key::generate();
        assert_eq!(
            public_key_from_spki(&key.spki_der()),
            Some(key.public_key())
        );
        assert_eq!(public_key_from_spki(b"junk"), None);
    }
}
