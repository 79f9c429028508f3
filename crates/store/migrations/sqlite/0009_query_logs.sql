-- Query logging (issue 13): Route 53 Resolver query log configs and their VPC associations.
-- Each is a JSON document (serde of cairn_model::query_log) with the columns lookups and
-- uniqueness need beside it. Every write logs a 'network' change, so the data plane reloads
-- load_network(), which returns both.

CREATE TABLE query_log_configs (
    id                 TEXT PRIMARY KEY,        -- rslvr-qlc-…
    owner_account      TEXT NOT NULL,
    creator_request_id TEXT NOT NULL,
    body               TEXT NOT NULL,           -- JSON cairn_model::query_log::QueryLogConfig
    UNIQUE (owner_account, creator_request_id)
);

CREATE TABLE query_log_associations (
    id        TEXT PRIMARY KEY,                 -- rslvr-qlcassoc-…
    config_id TEXT NOT NULL REFERENCES query_log_configs (id),
    vpc_id    TEXT NOT NULL,
    body      TEXT NOT NULL,                    -- JSON cairn_model::query_log::QueryLogAssociation
    UNIQUE (config_id, vpc_id)
);

-- Route 53 public DNS query logging (CreateQueryLoggingConfig): one per hosted zone.
CREATE TABLE public_query_log_configs (
    id      TEXT PRIMARY KEY,                   -- a UUID
    zone_id TEXT NOT NULL UNIQUE,
    body    TEXT NOT NULL                       -- JSON cairn_model::query_log::PublicQueryLogConfig
);
