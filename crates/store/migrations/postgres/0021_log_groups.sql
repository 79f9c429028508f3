-- CloudWatch Logs log groups (issue 13), each a JSON document (serde of
-- cairn_model::log_group::LogGroup) beside its key. The events are the query-log files under
-- the data directory, not rows. Writes log no change.

CREATE TABLE log_groups (
    account        TEXT COLLATE "C" NOT NULL,
    region         TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    retention_days BIGINT,                      -- NULL: kept for ever
    body           TEXT COLLATE "C" NOT NULL,   -- JSON cairn_model::log_group::LogGroup
    PRIMARY KEY (account, region, name)
);
