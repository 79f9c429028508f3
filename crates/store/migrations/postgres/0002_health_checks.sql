-- Health checks (issue 6). The config is a JSON document (cairn_model::health::HealthCheckConfig).
-- Their caller references go into caller_references (kind 'healthcheck') and stay used after
-- the check is deleted, as Route 53's do.
CREATE TABLE health_checks (
    id              TEXT COLLATE "C" PRIMARY KEY,          -- a UUID, no prefix
    caller_reference TEXT COLLATE "C" NOT NULL,
    version         BIGINT NOT NULL,          -- HealthCheckVersion
    config          TEXT COLLATE "C" NOT NULL,
    created_at_ms   BIGINT NOT NULL
);

-- One row per check: what the probes saw and what routing uses.
CREATE TABLE health_check_status (
    id                 TEXT COLLATE "C" PRIMARY KEY REFERENCES health_checks (id) ON DELETE CASCADE,
    raw_healthy        BOOLEAN NOT NULL DEFAULT TRUE,   -- after FailureThreshold, before Inverted/Disabled
    consecutive_ok     BIGINT NOT NULL DEFAULT 0,
    consecutive_fail   BIGINT NOT NULL DEFAULT 0,
    effective_healthy  BOOLEAN NOT NULL DEFAULT TRUE,   -- what routing uses (last published)
    override_status    BOOLEAN,                      -- NULL, or forced healthy (TRUE) / unhealthy (FALSE)
    last_region        TEXT COLLATE "C",
    last_ip            TEXT COLLATE "C",
    last_status        TEXT COLLATE "C",
    last_checked_ms    BIGINT,
    failure_region     TEXT COLLATE "C",
    failure_ip         TEXT COLLATE "C",
    failure_status     TEXT COLLATE "C",
    failure_checked_ms BIGINT
);
