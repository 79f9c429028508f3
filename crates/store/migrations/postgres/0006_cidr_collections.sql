-- CIDR collections (issue 6): IP-based routing's collections, each a JSON document (serde of
-- cairn_model::cidr::CidrCollection: locations and their blocks) with the columns lookups
-- and uniqueness need beside it. Every write logs a 'cidrcollection' change, so the data
-- plane reloads load_cidr_collections(). Record sets name a collection inside their body
-- (cidr_routing_config.collection_id); the in-use checks read it with body::jsonb #>> '{cidr_routing_config,collection_id}'.

CREATE TABLE cidr_collections (
    id               TEXT COLLATE "C" PRIMARY KEY,          -- a UUID
    name             TEXT COLLATE "C" NOT NULL UNIQUE,
    caller_reference TEXT COLLATE "C" NOT NULL,
    version          BIGINT NOT NULL,
    body             TEXT COLLATE "C" NOT NULL,             -- JSON cairn_model::cidr::CidrCollection
    created_at_ms    BIGINT NOT NULL
);
