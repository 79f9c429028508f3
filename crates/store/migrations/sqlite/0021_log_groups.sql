-- CloudWatch Logs log groups (issue 13), each a JSON document (serde of
-- cairn_model::log_group::LogGroup) beside its key. The events are the query-log files under
-- the data directory, not rows. Writes log no change.

CREATE TABLE log_groups (
    account        TEXT NOT NULL,
    region         TEXT NOT NULL,
    name           TEXT NOT NULL,
    retention_days INTEGER,                     -- NULL: kept for ever
    body           TEXT NOT NULL,               -- JSON cairn_model::log_group::LogGroup
    PRIMARY KEY (account, region, name)
);
