-- Route 53 Domains (issue 14): domains registered under the installation's TLDs and the
-- operations on them, each a JSON document (serde of cairn_model::domains::RegisteredDomain /
-- DomainOperation) with the columns lookups need beside it. Writes log no change: the
-- delegation is served from the TLD's zone, whose record changes are logged as usual.

CREATE TABLE registered_domains (
    name    TEXT COLLATE "C" PRIMARY KEY,       -- lower case, no trailing dot
    account TEXT COLLATE "C" NOT NULL,
    body    TEXT COLLATE "C" NOT NULL           -- JSON cairn_model::domains::RegisteredDomain
);

CREATE INDEX registered_domains_by_account ON registered_domains (account, name);

CREATE TABLE domain_operations (
    id              TEXT COLLATE "C" PRIMARY KEY,   -- a UUID
    account         TEXT COLLATE "C" NOT NULL,
    domain          TEXT COLLATE "C" NOT NULL,
    submitted_at_ms BIGINT NOT NULL,
    body            TEXT COLLATE "C" NOT NULL       -- JSON cairn_model::domains::DomainOperation
);

CREATE INDEX domain_operations_by_account ON domain_operations (account, submitted_at_ms);
