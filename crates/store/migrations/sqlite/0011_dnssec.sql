-- Route 53 DNSSEC signing (issue 18): a zone's signing state and its key-signing keys.
-- A zone with no row here is NOT_SIGNING with no keys. Private keys never reach the store in
-- the clear: a ZSK's PKCS#8 is sealed by the API with the node master key, and a KSK's key
-- stays in KMS (only its public key is kept here). Every write logs a 'hostedzone' change,
-- so the data plane reloads the zone (load_zone fills ZoneContents::dnssec).

CREATE TABLE dnssec_zones (
    zone_id              TEXT PRIMARY KEY,  -- Z…
    status               TEXT NOT NULL,     -- ServeSignature
    version              INTEGER NOT NULL,  -- bumped by every write (ConcurrentModification)
    signatures_expire_at INTEGER NOT NULL,  -- earliest DNSKEY RRSIG expiry, epoch seconds
    body                 TEXT NOT NULL      -- JSON cairn_model::dnssec::ZoneSigning without ksks
);

CREATE TABLE key_signing_keys (
    zone_id  TEXT NOT NULL,
    name     TEXT NOT NULL,
    kms_arn  TEXT NOT NULL,
    position INTEGER NOT NULL,              -- creation order
    body     TEXT NOT NULL,                 -- JSON cairn_model::dnssec::KeySigningKey
    PRIMARY KEY (zone_id, name),
    UNIQUE (zone_id, kms_arn)
);
