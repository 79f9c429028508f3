-- The KMS subset (issue 18): keys and aliases, each a JSON document (serde of
-- cairn_model::kms::KmsKey / KmsAlias) with the columns lookups need beside it. A key's body
-- holds its private key only sealed with the node master key. Writes log no change.

CREATE TABLE kms_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,             -- a UUID
    account       TEXT COLLATE "C" NOT NULL,
    region        TEXT COLLATE "C" NOT NULL,
    created_at_ms BIGINT NOT NULL,
    body          TEXT COLLATE "C" NOT NULL                 -- JSON cairn_model::kms::KmsKey
);

CREATE INDEX kms_keys_by_account ON kms_keys (account, region, created_at_ms);

CREATE TABLE kms_aliases (
    account TEXT COLLATE "C" NOT NULL,
    region  TEXT COLLATE "C" NOT NULL,
    name    TEXT COLLATE "C" NOT NULL,                      -- alias/…
    body    TEXT COLLATE "C" NOT NULL,                      -- JSON cairn_model::kms::KmsAlias
    PRIMARY KEY (account, region, name)
);
