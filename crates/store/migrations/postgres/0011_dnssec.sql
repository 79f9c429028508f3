-- Route 53 DNSSEC signing (issue 18): a zone's signing state and its key-signing keys.
-- A zone with no row here is NOT_SIGNING with no keys. Private keys never reach the store in
-- the clear: a ZSK's PKCS#8 is sealed by the API with the node master key, and a KSK's key
-- stays in KMS (only its public key is kept here). Every write logs a 'hostedzone' change,
-- so the data plane reloads the zone (load_zone fills ZoneContents::dnssec).

CREATE TABLE dnssec_zones (
    zone_id              TEXT COLLATE "C" PRIMARY KEY,  -- Z…
    status               TEXT COLLATE "C" NOT NULL,     -- ServeSignature
    version              BIGINT NOT NULL,               -- bumped by every write (ConcurrentModification)
    signatures_expire_at BIGINT NOT NULL,               -- earliest DNSKEY RRSIG expiry, epoch seconds
    body                 TEXT COLLATE "C" NOT NULL      -- JSON cairn_model::dnssec::ZoneSigning without ksks
);

CREATE TABLE key_signing_keys (
    zone_id  TEXT COLLATE "C" NOT NULL,
    name     TEXT COLLATE "C" NOT NULL,
    kms_arn  TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL,                           -- creation order
    body     TEXT COLLATE "C" NOT NULL,                 -- JSON cairn_model::dnssec::KeySigningKey
    PRIMARY KEY (zone_id, name),
    UNIQUE (zone_id, kms_arn)
);
