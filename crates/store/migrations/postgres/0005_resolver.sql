-- Route 53 Resolver and Route 53 Profiles (issue 5): endpoints, rules, rule associations,
-- per-VPC resolver configs, profiles, their VPC associations and the resources they carry.
-- Each is a JSON document (serde of cairn_model::resolver) with the columns lookups and
-- uniqueness need beside it. Every write logs a 'network' change, so the data plane reloads
-- load_network(), which returns all of these. Tags live in the `tags` table.

CREATE TABLE resolver_endpoints (
    id                 TEXT COLLATE "C" PRIMARY KEY,        -- rslvr-in-… / rslvr-out-…
    owner_account      TEXT COLLATE "C" NOT NULL,
    creator_request_id TEXT COLLATE "C" NOT NULL,
    host_vpc_id        TEXT COLLATE "C" NOT NULL,
    body               TEXT COLLATE "C" NOT NULL,           -- JSON cairn_model::resolver::ResolverEndpoint
    UNIQUE (owner_account, creator_request_id)
);

CREATE TABLE resolver_rules (
    id                 TEXT COLLATE "C" PRIMARY KEY,        -- rslvr-rr-…
    owner_account      TEXT COLLATE "C" NOT NULL,
    creator_request_id TEXT COLLATE "C" NOT NULL,
    endpoint_id        TEXT COLLATE "C",                    -- FORWARD: the outbound endpoint
    body               TEXT COLLATE "C" NOT NULL,           -- JSON cairn_model::resolver::ResolverRule
    UNIQUE (owner_account, creator_request_id)
);

CREATE TABLE resolver_rule_associations (
    id      TEXT COLLATE "C" PRIMARY KEY,                   -- rslvr-rrassoc-…
    rule_id TEXT COLLATE "C" NOT NULL REFERENCES resolver_rules (id),
    vpc_id  TEXT COLLATE "C" NOT NULL,
    body    TEXT COLLATE "C" NOT NULL,                      -- JSON cairn_model::resolver::RuleAssociation
    UNIQUE (rule_id, vpc_id)
);

CREATE TABLE resolver_configs (
    resource_id TEXT COLLATE "C" PRIMARY KEY,               -- the VPC
    body        TEXT COLLATE "C" NOT NULL                   -- JSON cairn_model::resolver::VpcResolverConfig
);

CREATE TABLE profiles (
    id            TEXT COLLATE "C" PRIMARY KEY,             -- rp-…
    owner_account TEXT COLLATE "C" NOT NULL,
    client_token  TEXT COLLATE "C" NOT NULL,
    body          TEXT COLLATE "C" NOT NULL,                -- JSON cairn_model::resolver::Profile
    UNIQUE (owner_account, client_token)
);

CREATE TABLE profile_associations (
    id         TEXT COLLATE "C" PRIMARY KEY,                -- rpassoc-…
    profile_id TEXT COLLATE "C" NOT NULL REFERENCES profiles (id),
    vpc_id     TEXT COLLATE "C" NOT NULL UNIQUE,            -- one profile per VPC
    body       TEXT COLLATE "C" NOT NULL                    -- JSON cairn_model::resolver::ProfileAssociation
);

CREATE TABLE profile_resources (
    id           TEXT COLLATE "C" PRIMARY KEY,              -- rpr-…
    profile_id   TEXT COLLATE "C" NOT NULL REFERENCES profiles (id),
    resource_arn TEXT COLLATE "C" NOT NULL,
    body         TEXT COLLATE "C" NOT NULL,                 -- JSON cairn_model::resolver::ProfileResource
    UNIQUE (profile_id, resource_arn)
);
