-- Resolver DNSSEC validation (issue 18): one row per VPC whose setting was ever updated
-- (the default, no row, is validation off). A JSON document (serde of
-- cairn_model::resolver::VpcDnssecConfig); every write logs a 'network' change, so the data
-- plane reloads load_network(), which returns them.

CREATE TABLE resolver_dnssec_configs (
    resource_id TEXT PRIMARY KEY,               -- the VPC
    body        TEXT NOT NULL                   -- JSON cairn_model::resolver::VpcDnssecConfig
);
