-- Route 53 Domains (issue 14): domains registered under the installation's TLDs and the
-- operations on them, each a JSON document (serde of cairn_model::domains::RegisteredDomain /
-- DomainOperation) with the columns lookups need beside it. Writes log no change: the
-- delegation is served from the TLD's zone, whose record changes are logged as usual.

CREATE TABLE registered_domains (
    name    TEXT PRIMARY KEY,                   -- lower case, no trailing dot
    account TEXT NOT NULL,
    body    TEXT NOT NULL                       -- JSON cairn_model::domains::RegisteredDomain
);

CREATE INDEX registered_domains_by_account ON registered_domains (account, name);

CREATE TABLE domain_operations (
    id              TEXT PRIMARY KEY,           -- a UUID
    account         TEXT NOT NULL,
    domain          TEXT NOT NULL,
    submitted_at_ms INTEGER NOT NULL,
    body            TEXT NOT NULL               -- JSON cairn_model::domains::DomainOperation
);

CREATE INDEX domain_operations_by_account ON domain_operations (account, submitted_at_ms);
