-- IAM (issue 12): users, access keys, inline user policies, managed policies with their
-- versions, and user attachments. Every row names its account (the node's today; accounts
-- of their own come later). User names are unique per account without regard to case, so
-- rows key on user_key, the lowercased name. Writes log no change.

CREATE TABLE iam_users (
    account       TEXT NOT NULL,
    user_key      TEXT NOT NULL,                -- lowercased UserName
    created_at_ms INTEGER NOT NULL,
    body          TEXT NOT NULL,                -- JSON cairn_model::iam::IamUser
    PRIMARY KEY (account, user_key)
);

CREATE TABLE iam_access_keys (
    id            TEXT PRIMARY KEY,             -- AKIA…, unique in the installation
    account       TEXT NOT NULL,
    user_key      TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    body          TEXT NOT NULL                 -- JSON cairn_model::iam::AccessKey (secret sealed)
);

CREATE INDEX iam_access_keys_by_user ON iam_access_keys (account, user_key, created_at_ms);

CREATE TABLE iam_user_policies (
    account  TEXT NOT NULL,
    user_key TEXT NOT NULL,
    name     TEXT NOT NULL,
    document TEXT NOT NULL,                     -- the policy JSON as the caller sent it
    PRIMARY KEY (account, user_key, name)
);

CREATE TABLE iam_policies (
    account       TEXT NOT NULL,
    arn           TEXT NOT NULL,
    name          TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    body          TEXT NOT NULL,                -- JSON cairn_model::iam::ManagedPolicy
    PRIMARY KEY (account, arn),
    UNIQUE (account, name)
);

CREATE TABLE iam_policy_versions (
    account       TEXT NOT NULL,
    arn           TEXT NOT NULL,
    version_id    TEXT NOT NULL,                -- v1, v2, …
    created_at_ms INTEGER NOT NULL,
    document      TEXT NOT NULL,
    PRIMARY KEY (account, arn, version_id)
);

CREATE TABLE iam_user_attachments (
    account     TEXT NOT NULL,
    user_key    TEXT NOT NULL,
    arn         TEXT NOT NULL,                  -- a managed policy's ARN
    PRIMARY KEY (account, user_key, arn)
);

CREATE INDEX iam_user_attachments_by_policy ON iam_user_attachments (account, arn);
