-- Cairn's first schema. Record sets are JSON documents (serde of cairn_model::ResourceRecordSet)
-- keyed by zone, Route 53 sort name, type and set identifier, so new record fields need no
-- migration. Every committed change appends one row to `changes`; its `seq` is the change-log
-- position the data plane follows.

CREATE TABLE hosted_zones (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,          -- Route 53 form, trailing dot
    sort_name         TEXT NOT NULL,          -- reversed labels, for ListHostedZonesByName
    caller_reference  TEXT NOT NULL,
    comment           TEXT,
    has_config        INTEGER NOT NULL,
    private_zone      INTEGER NOT NULL,
    delegation_set_id TEXT,
    name_servers      TEXT NOT NULL,          -- JSON array of names
    created_at_ms     INTEGER NOT NULL
);
CREATE INDEX hosted_zones_by_name ON hosted_zones (sort_name, id);

CREATE TABLE record_sets (
    zone_id        TEXT NOT NULL REFERENCES hosted_zones (id),
    sort_name      TEXT NOT NULL,             -- Route 53 listing key: com.example.www.
    rtype          TEXT NOT NULL,
    set_identifier TEXT NOT NULL DEFAULT '',
    name           TEXT NOT NULL,             -- Route 53 form, to load the sets at given names
    body           TEXT NOT NULL,             -- JSON ResourceRecordSet
    PRIMARY KEY (zone_id, sort_name, rtype, set_identifier)
);
CREATE INDEX record_sets_by_name ON record_sets (zone_id, name);

-- Caller references stay used after their resource is deleted (Route 53 refuses reuse).
CREATE TABLE caller_references (
    kind        TEXT NOT NULL,               -- 'hostedzone' | 'delegationset'
    reference   TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    PRIMARY KEY (kind, reference)
);

CREATE TABLE changes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    subject_kind    TEXT NOT NULL,           -- 'hostedzone'
    subject_id      TEXT NOT NULL,
    comment         TEXT,
    submitted_at_ms INTEGER NOT NULL
);

-- Serving nodes: what each has applied, and when it last said so.
CREATE TABLE nodes (
    node_id      TEXT PRIMARY KEY,
    applied_seq  INTEGER NOT NULL,
    heartbeat_ms INTEGER NOT NULL
);

CREATE TABLE tags (
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (resource_type, resource_id, key)
);

CREATE TABLE delegation_sets (
    id               TEXT PRIMARY KEY,
    caller_reference TEXT NOT NULL,
    name_servers     TEXT NOT NULL,          -- JSON array of names
    created_at_ms    INTEGER NOT NULL
);
