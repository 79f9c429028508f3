//! The XML of Route 53's DNSSEC shapes: `KeySigningKey` and GetDNSSEC's response.
//!
//! Every number and text a KSK shows (key tag, DS, DNSKEY) comes from
//! `cairn_crypto::dnssec::Dnskey`, the same code the signer uses, so what the API shows is
//! what is served.

use base64::Engine as _;
use cairn_crypto::dnssec::{Dnskey, FLAGS_KSK};
use cairn_model::dnssec::{KeySigningKey, ZoneSigning};
use cairn_model::HostedZone;

use crate::protocol::rest_xml::{timestamp, XmlWriter};

/// The DNSKEY record of a KSK.
pub fn dnskey(ksk: &KeySigningKey) -> Dnskey {
    Dnskey {
        flags: FLAGS_KSK,
        algorithm: cairn_crypto::dnssec::ALGORITHM_ECDSAP256SHA256,
        public_key: ksk.public_key.clone(),
    }
}

/// `<KeySigningKey>` (or `<member>` in a list) of a KSK of `zone`.
pub fn key_signing_key(w: &mut XmlWriter, element: &str, zone: &HostedZone, ksk: &KeySigningKey) {
    let key = dnskey(ksk);
    let ds = key.ds_text(zone.name.wire());
    let digest = ds.rsplit(' ').next().unwrap_or_default().to_string();
    w.open(element)
        .leaf("Name", &ksk.name)
        .leaf("KmsArn", &ksk.kms_arn)
        .leaf("Flag", key.flags.to_string())
        .leaf("SigningAlgorithmMnemonic", "ECDSAP256SHA256")
        .leaf("SigningAlgorithmType", key.algorithm.to_string())
        .leaf("DigestAlgorithmMnemonic", "SHA-256")
        .leaf(
            "DigestAlgorithmType",
            cairn_crypto::dnssec::DIGEST_SHA256.to_string(),
        )
        .leaf("KeyTag", key.key_tag().to_string())
        .leaf("DigestValue", digest)
        .leaf(
            "PublicKey",
            base64::engine::general_purpose::STANDARD.encode(&ksk.public_key),
        )
        .leaf("DSRecord", ds)
        .leaf("DNSKEYRecord", key.text())
        .leaf("Status", ksk.status.as_str())
        .leaf_opt("StatusMessage", ksk.status_message.as_deref())
        .leaf("CreatedDate", timestamp(ksk.created_at_ms))
        .leaf("LastModifiedDate", timestamp(ksk.last_modified_at_ms))
        .close(element);
}

/// GetDNSSEC's body: `Status` and `KeySigningKeys`.
pub fn get_dnssec(zone: &HostedZone, signing: &ZoneSigning) -> String {
    let mut w = XmlWriter::new("GetDNSSECResponse");
    w.open("Status")
        .leaf("ServeSignature", signing.status.as_str())
        .leaf_opt("StatusMessage", signing.status_message.as_deref())
        .close("Status");
    w.open("KeySigningKeys");
    for ksk in &signing.ksks {
        key_signing_key(&mut w, "member", zone, ksk);
    }
    w.close("KeySigningKeys");
    w.finish("GetDNSSECResponse")
}
