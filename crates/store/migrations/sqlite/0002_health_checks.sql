-- Health checks (issue 6). The config is a JSON document (cairn_model::health::HealthCheckConfig).
-- Their caller references go into caller_references (kind 'healthcheck') and stay used after
-- the check is deleted, as Route 53's do.
CREATE TABLE health_checks (
    id              TEXT PRIMARY KEY,          -- a UUID, no prefix
    caller_reference TEXT NOT NULL,
    version         INTEGER NOT NULL,          -- HealthCheckVersion
    config          TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL
);

-- One row per check: what the probes saw and what routing uses.
CREATE TABLE health_check_status (
    id                 TEXT PRIMARY KEY REFERENCES health_checks (id) ON DELETE CASCADE,
    raw_healthy        INTEGER NOT NULL DEFAULT 1,   -- after FailureThreshold, before Inverted/Disabled
    consecutive_ok     INTEGER NOT NULL DEFAULT 0,
    consecutive_fail   INTEGER NOT NULL DEFAULT 0,
    effective_healthy  INTEGER NOT NULL DEFAULT 1,   -- what routing uses (last published)
    override_status    INTEGER,                      -- NULL, or forced healthy (1) / unhealthy (0)
    last_region        TEXT,
    last_ip            TEXT,
    last_status        TEXT,
    last_checked_ms    INTEGER,
    failure_region     TEXT,
    failure_ip         TEXT,
    failure_status     TEXT,
    failure_checked_ms INTEGER
);
