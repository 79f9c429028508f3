-- Cairn's first schema, in PostgreSQL's dialect (migrations/sqlite/ has the same numbering).
-- Text columns compare bytewise (COLLATE "C"), as SQLite's do, so listings keep Route 53's
-- order whatever the database's locale; booleans are BOOLEAN; `seq` is a BIGSERIAL handed out
-- under the writers' advisory lock (src/postgres.rs), so in commit order.
-- Record sets are JSON documents (serde of cairn_model::ResourceRecordSet)
-- keyed by zone, Route 53 sort name, type and set identifier, so new record fields need no
-- migration. Every committed change appends one row to `changes`; its `seq` is the change-log
-- position the data plane follows.

CREATE TABLE hosted_zones (
    id                TEXT COLLATE "C" PRIMARY KEY,
    name              TEXT COLLATE "C" NOT NULL,          -- Route 53 form, trailing dot
    sort_name         TEXT COLLATE "C" NOT NULL,          -- reversed labels, for ListHostedZonesByName
    caller_reference  TEXT COLLATE "C" NOT NULL,
    comment           TEXT COLLATE "C",
    has_config        BOOLEAN NOT NULL,
    private_zone      BOOLEAN NOT NULL,
    delegation_set_id TEXT COLLATE "C",
    name_servers      TEXT COLLATE "C" NOT NULL,          -- JSON array of names
    created_at_ms     BIGINT NOT NULL
);
CREATE INDEX hosted_zones_by_name ON hosted_zones (sort_name, id);

CREATE TABLE record_sets (
    zone_id        TEXT COLLATE "C" NOT NULL REFERENCES hosted_zones (id),
    sort_name      TEXT COLLATE "C" NOT NULL,             -- Route 53 listing key: com.example.www.
    rtype          TEXT COLLATE "C" NOT NULL,
    set_identifier TEXT COLLATE "C" NOT NULL DEFAULT '',
    name           TEXT COLLATE "C" NOT NULL,             -- Route 53 form, to load the sets at given names
    body           TEXT COLLATE "C" NOT NULL,             -- JSON ResourceRecordSet
    PRIMARY KEY (zone_id, sort_name, rtype, set_identifier)
);
CREATE INDEX record_sets_by_name ON record_sets (zone_id, name);

-- Caller references stay used after their resource is deleted (Route 53 refuses reuse).
CREATE TABLE caller_references (
    kind        TEXT COLLATE "C" NOT NULL,               -- 'hostedzone' | 'delegationset'
    reference   TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (kind, reference)
);

CREATE TABLE changes (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT COLLATE "C" NOT NULL UNIQUE,
    subject_kind    TEXT COLLATE "C" NOT NULL,           -- 'hostedzone'
    subject_id      TEXT COLLATE "C" NOT NULL,
    comment         TEXT COLLATE "C",
    submitted_at_ms BIGINT NOT NULL
);

-- Serving nodes: what each has applied, and when it last said so.
CREATE TABLE nodes (
    node_id      TEXT COLLATE "C" PRIMARY KEY,
    applied_seq  BIGINT NOT NULL,
    heartbeat_ms BIGINT NOT NULL
);

CREATE TABLE tags (
    resource_type TEXT COLLATE "C" NOT NULL,
    resource_id   TEXT COLLATE "C" NOT NULL,
    key           TEXT COLLATE "C" NOT NULL,
    value         TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (resource_type, resource_id, key)
);

CREATE TABLE delegation_sets (
    id               TEXT COLLATE "C" PRIMARY KEY,
    caller_reference TEXT COLLATE "C" NOT NULL,
    name_servers     TEXT COLLATE "C" NOT NULL,          -- JSON array of names
    created_at_ms    BIGINT NOT NULL
);
