-- CIDR collections (issue 6): IP-based routing's collections, each a JSON document (serde of
-- cairn_model::cidr::CidrCollection: locations and their blocks) with the columns lookups
-- and uniqueness need beside it. Every write logs a 'cidrcollection' change, so the data
-- plane reloads load_cidr_collections(). Record sets name a collection inside their body
-- (cidr_routing_config.collection_id); the in-use checks read it with json_extract.

CREATE TABLE cidr_collections (
    id               TEXT PRIMARY KEY,          -- a UUID
    name             TEXT NOT NULL UNIQUE,
    caller_reference TEXT NOT NULL,
    version          INTEGER NOT NULL,
    body             TEXT NOT NULL,             -- JSON cairn_model::cidr::CidrCollection
    created_at_ms    INTEGER NOT NULL
);
