-- 0005_jobs_system.sql - job leases, job run records and global settings
-- (DESIGN.md section 6).

-- A singular job takes its lease with
--   UPDATE job_leases SET holder = ?, expires_at = ?, acquired_at = ?
--    WHERE name = ? AND (expires_at < ? OR holder = ?)
-- after an INSERT IGNORE of the row (holder NULL, expires_at in the past), which works
-- on a single server, on replication and on Galera. name is the executable's name
-- without 'spot-' (e.g. 'replica-coordinator') and equals job_runs.job_name.
CREATE TABLE job_leases (
	name         VARCHAR(64)  NOT NULL,
	holder       VARCHAR(128) NULL,
	expires_at   DATETIME(3)  NOT NULL,
	acquired_at  DATETIME(3)  NULL,
	updated_at   DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per job pass: inserted 'running', finished 'succeeded' or 'failed' with the
-- counts tick() returned (stats) or the error. Kept 90 days.
CREATE TABLE job_runs (
	id           CHAR(36)     NOT NULL,
	job_name     VARCHAR(64)  NOT NULL,
	holder       VARCHAR(128) NOT NULL,
	started_at   DATETIME(3)  NOT NULL,
	finished_at  DATETIME(3)  NULL,
	status       VARCHAR(16)  NOT NULL DEFAULT 'running',
	stats        JSON         NULL,
	error        TEXT         NULL,
	PRIMARY KEY (id),
	KEY idx_job_runs_job_time (job_name, started_at),
	KEY idx_job_runs_status_time (status, started_at),
	KEY idx_job_runs_started (started_at),
	CONSTRAINT chk_job_runs_status CHECK (status IN ('running', 'succeeded', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Global settings as key/value text (e.g. SAFE_MODE = 'true' | 'false', which stops
-- every automatic command). `key` is a reserved word: quote it with backticks.
CREATE TABLE system_config (
	`key`        VARCHAR(64)   NOT NULL,
	value        VARCHAR(1024) NOT NULL,
	description  VARCHAR(255)  NULL,
	updated_by   VARCHAR(80)   NULL,
	version      INT           NOT NULL DEFAULT 1,
	updated_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (`key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO system_config (`key`, value, description, updated_by, updated_at)
VALUES ('SAFE_MODE', 'false', 'When true, no automatic command is issued (switches, replicas, emergencies).',
	'migration', UTC_TIMESTAMP(3));
