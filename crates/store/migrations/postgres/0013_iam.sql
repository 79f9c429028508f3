-- IAM (issue 12): users, access keys, inline user policies, managed policies with their
-- versions, and user attachments. Every row names its account (the node's today; accounts
-- of their own come later). User names are unique per account without regard to case, so
-- rows key on user_key, the lowercased name. Writes log no change.

CREATE TABLE iam_users (
    account       TEXT COLLATE "C" NOT NULL,
    user_key      TEXT COLLATE "C" NOT NULL,                -- lowercased UserName
    created_at_ms BIGINT NOT NULL,
    body          TEXT COLLATE "C" NOT NULL,                -- JSON cairn_model::iam::IamUser
    PRIMARY KEY (account, user_key)
);

CREATE TABLE iam_access_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,             -- AKIA…, unique in the installation
    account       TEXT COLLATE "C" NOT NULL,
    user_key      TEXT COLLATE "C" NOT NULL,
    created_at_ms BIGINT NOT NULL,
    body          TEXT COLLATE "C" NOT NULL                 -- JSON cairn_model::iam::AccessKey (secret sealed)
);

CREATE INDEX iam_access_keys_by_user ON iam_access_keys (account, user_key, created_at_ms);

CREATE TABLE iam_user_policies (
    account  TEXT COLLATE "C" NOT NULL,
    user_key TEXT COLLATE "C" NOT NULL,
    name     TEXT COLLATE "C" NOT NULL,
    document TEXT COLLATE "C" NOT NULL,                     -- the policy JSON as the caller sent it
    PRIMARY KEY (account, user_key, name)
);

CREATE TABLE iam_policies (
    account       TEXT COLLATE "C" NOT NULL,
    arn           TEXT COLLATE "C" NOT NULL,
    name          TEXT COLLATE "C" NOT NULL,
    created_at_ms BIGINT NOT NULL,
    body          TEXT COLLATE "C" NOT NULL,                -- JSON cairn_model::iam::ManagedPolicy
    PRIMARY KEY (account, arn),
    UNIQUE (account, name)
);

CREATE TABLE iam_policy_versions (
    account       TEXT COLLATE "C" NOT NULL,
    arn           TEXT COLLATE "C" NOT NULL,
    version_id    TEXT COLLATE "C" NOT NULL,                -- v1, v2, …
    created_at_ms BIGINT NOT NULL,
    document      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account, arn, version_id)
);

CREATE TABLE iam_user_attachments (
    account     TEXT COLLATE "C" NOT NULL,
    user_key    TEXT COLLATE "C" NOT NULL,
    arn         TEXT COLLATE "C" NOT NULL,                  -- a managed policy's ARN
    PRIMARY KEY (account, user_key, arn)
);

CREATE INDEX iam_user_attachments_by_policy ON iam_user_attachments (account, arn);
