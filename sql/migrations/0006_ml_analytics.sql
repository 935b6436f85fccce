-- 0006_ml_analytics.sql - the model registry and decision log, pool risk, savings and
-- growth snapshots, cleanup and replica cost logs, agent health metrics
-- (DESIGN.md sections 4 and 6, seeds 001 and 004).

-- Model registry. model_version is the model's own label; version is the row's
-- optimistic-lock counter (activate / roll back race). At most one active model:
-- active_slot is 1 while status = 'active' and NULL otherwise, under a UNIQUE index
-- (activation demotes the old model and promotes the new one in one transaction,
-- demotion first). previous_model_id is what a roll back returns to.
CREATE TABLE ml_models (
	id                 CHAR(36)      NOT NULL,
	name               VARCHAR(128)  NOT NULL,
	model_version      VARCHAR(64)   NOT NULL,
	engine             VARCHAR(64)   NOT NULL,
	status             VARCHAR(16)   NOT NULL DEFAULT 'uploaded',
	active_slot        TINYINT       GENERATED ALWAYS AS (CASE WHEN status = 'active' THEN 1 END) VIRTUAL,
	file_path          VARCHAR(1024) NULL,
	file_sha256        BINARY(32)    NULL,
	file_size          BIGINT        NULL,
	parameters         JSON          NULL,
	metrics            JSON          NULL,
	validation_error   TEXT          NULL,
	previous_model_id  CHAR(36)      NULL,
	uploaded_by        VARCHAR(80)   NULL,
	validated_at       DATETIME(3)   NULL,
	activated_at       DATETIME(3)   NULL,
	deactivated_at     DATETIME(3)   NULL,
	version            INT           NOT NULL DEFAULT 1,
	created_at         DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at         DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_ml_models_name_version (name, model_version),
	UNIQUE KEY uq_ml_models_one_active (active_slot),
	KEY idx_ml_models_status (status, created_at),
	CONSTRAINT fk_ml_models_previous FOREIGN KEY (previous_model_id) REFERENCES ml_models (id) ON DELETE SET NULL,
	CONSTRAINT chk_ml_models_status CHECK (status IN ('uploaded', 'validated', 'invalid', 'active', 'retired'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every decision the decision job takes, for auto-switch agents ('auto') and the
-- others ('recommendation'), with inputs, outcome and latency. suppressed_reason says
-- why an 'auto' switch was not issued (cooldown, safe_mode, ...).
CREATE TABLE ml_decisions (
	id                 CHAR(36)      NOT NULL,
	client_id          CHAR(36)      NOT NULL,
	agent_id           CHAR(36)      NOT NULL,
	model_id           CHAR(36)      NULL,
	instance_id        VARCHAR(32)   NULL,
	decision_mode      VARCHAR(16)   NOT NULL,
	decision           VARCHAR(16)   NOT NULL,
	current_pool_id    VARCHAR(128)  NULL,
	current_mode       VARCHAR(16)   NULL,
	current_price      DECIMAL(12,6) NULL,
	target_pool_id     VARCHAR(128)  NULL,
	target_mode        VARCHAR(16)   NULL,
	target_price       DECIMAL(12,6) NULL,
	ondemand_price     DECIMAL(12,6) NULL,
	expected_savings   DECIMAL(12,6) NULL,
	risk_score         DECIMAL(5,4)  NULL,
	confidence         DECIMAL(5,4)  NULL,
	reason             VARCHAR(1024) NULL,
	inputs             JSON          NULL,
	executed           BOOLEAN       NOT NULL DEFAULT FALSE,
	command_id         CHAR(36)      NULL,
	suppressed_reason  VARCHAR(64)   NULL,
	latency_ms         INT           NULL,
	decided_at         DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY idx_ml_decisions_agent_time (agent_id, decided_at),
	KEY idx_ml_decisions_client_time (client_id, decided_at),
	KEY idx_ml_decisions_model_time (model_id, decided_at),
	KEY idx_ml_decisions_time (decided_at),
	CONSTRAINT fk_ml_decisions_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_ml_decisions_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT fk_ml_decisions_model FOREIGN KEY (model_id) REFERENCES ml_models (id) ON DELETE SET NULL,
	CONSTRAINT fk_ml_decisions_command FOREIGN KEY (command_id) REFERENCES commands (id) ON DELETE SET NULL,
	CONSTRAINT chk_ml_decisions_mode CHECK (decision_mode IN ('auto', 'recommendation')),
	CONSTRAINT chk_ml_decisions_decision CHECK (decision IN ('stay', 'switch')),
	CONSTRAINT chk_ml_decisions_target CHECK (target_mode IS NULL OR target_mode IN ('spot', 'ondemand'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Hourly pool risk (DESIGN.md section 6): risk_score in [0,1] from interruptions
-- (40 %), instance age (30 %) and price volatility (30 %), raised while flagged.
-- analyzed_at is the hour the row is for, so re-running the hour upserts.
CREATE TABLE pool_risk_analysis (
	id                       CHAR(36)      NOT NULL,
	pool_id                  VARCHAR(128)  NOT NULL,
	analyzed_at              DATETIME(3)   NOT NULL,
	risk_score               DECIMAL(5,4)  NOT NULL,
	interruption_score       DECIMAL(5,4)  NOT NULL DEFAULT 0,
	age_score                DECIMAL(5,4)  NOT NULL DEFAULT 0,
	volatility_score         DECIMAL(5,4)  NOT NULL DEFAULT 0,
	interruption_count       INT           NOT NULL DEFAULT 0,
	window_hours             INT           NOT NULL DEFAULT 24,
	avg_instance_age_hours   DECIMAL(10,2) NULL,
	price_volatility         DECIMAL(12,6) NULL,
	interruption_bucket      TINYINT       NULL,
	flagged                  BOOLEAN       NOT NULL DEFAULT FALSE,
	created_at               DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_pool_risk_analysis_hour (pool_id, analyzed_at),
	KEY idx_pool_risk_analysis_time (analyzed_at),
	CONSTRAINT fk_pool_risk_analysis_pool FOREIGN KEY (pool_id) REFERENCES spot_pools (id) ON DELETE CASCADE,
	CONSTRAINT chk_pool_risk_analysis_score CHECK (risk_score BETWEEN 0 AND 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Daily savings per client (snapshot job): what the fleet would have cost on demand
-- against what it cost, replicas included.
CREATE TABLE savings_snapshots (
	id                   CHAR(36)      NOT NULL,
	client_id            CHAR(36)      NOT NULL,
	snapshot_date        DATE          NOT NULL,
	ondemand_cost        DECIMAL(16,6) NOT NULL DEFAULT 0,
	actual_cost          DECIMAL(16,6) NOT NULL DEFAULT 0,
	replica_cost         DECIMAL(16,6) NOT NULL DEFAULT 0,
	savings              DECIMAL(16,6) NOT NULL DEFAULT 0,
	savings_pct          DECIMAL(7,3)  NULL,
	instance_hours       DECIMAL(12,3) NOT NULL DEFAULT 0,
	spot_hours           DECIMAL(12,3) NOT NULL DEFAULT 0,
	ondemand_hours       DECIMAL(12,3) NOT NULL DEFAULT 0,
	switch_count         INT           NOT NULL DEFAULT 0,
	interruption_count   INT           NOT NULL DEFAULT 0,
	created_at           DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_savings_snapshots_day (client_id, snapshot_date),
	KEY idx_savings_snapshots_date (snapshot_date),
	CONSTRAINT fk_savings_snapshots_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Daily platform growth (seed 001: client counts at 00:05), one row per day.
CREATE TABLE clients_daily_snapshot (
	snapshot_date     DATE        NOT NULL,
	total_clients     INT         NOT NULL DEFAULT 0,
	active_clients    INT         NOT NULL DEFAULT 0,
	new_clients       INT         NOT NULL DEFAULT 0,
	total_agents      INT         NOT NULL DEFAULT 0,
	online_agents     INT         NOT NULL DEFAULT 0,
	total_instances   INT         NOT NULL DEFAULT 0,
	created_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (snapshot_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Cleanup runs: an agent's cleanup-report (AMIs and snapshots it removed) or the
-- server's retention cleaner (rows removed per table, in details).
CREATE TABLE cleanup_logs (
	id                  CHAR(36)    NOT NULL,
	client_id           CHAR(36)    NULL,
	agent_id            CHAR(36)    NULL,
	source              VARCHAR(16) NOT NULL,
	amis_deregistered   INT         NOT NULL DEFAULT 0,
	snapshots_deleted   INT         NOT NULL DEFAULT 0,
	rows_deleted        BIGINT      NOT NULL DEFAULT 0,
	details             JSON        NULL,
	errors              JSON        NULL,
	created_at          DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY idx_cleanup_logs_client_time (client_id, created_at),
	KEY idx_cleanup_logs_agent_time (agent_id, created_at),
	KEY idx_cleanup_logs_time (created_at),
	CONSTRAINT fk_cleanup_logs_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_cleanup_logs_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT chk_cleanup_logs_source CHECK (source IN ('agent', 'server'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Replica cost over time, logged by the coordinator per replica and period;
-- (replica_id, period_start) makes a re-run idempotent.
CREATE TABLE replica_cost_log (
	id            CHAR(36)      NOT NULL,
	client_id     CHAR(36)      NOT NULL,
	agent_id      CHAR(36)      NOT NULL,
	replica_id    CHAR(36)      NULL,
	instance_id   VARCHAR(32)   NULL,
	replica_type  VARCHAR(32)   NULL,
	pool_id       VARCHAR(128)  NULL,
	hourly_price  DECIMAL(12,6) NOT NULL,
	period_start  DATETIME(3)   NOT NULL,
	period_end    DATETIME(3)   NOT NULL,
	cost          DECIMAL(16,6) NOT NULL,
	created_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_replica_cost_log_period (replica_id, period_start),
	KEY idx_replica_cost_log_client_time (client_id, period_start),
	KEY idx_replica_cost_log_agent_time (agent_id, period_start),
	CONSTRAINT fk_replica_cost_log_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_replica_cost_log_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT fk_replica_cost_log_replica FOREIGN KEY (replica_id) REFERENCES replica_instances (id) ON DELETE SET NULL,
	CONSTRAINT chk_replica_cost_log_period CHECK (period_end >= period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per-agent health samples over a period (heartbeats expected vs received, resource
-- use the agent reports), for the heartbeat miss rate and the health pages.
CREATE TABLE agent_health_metrics (
	id                    CHAR(36)     NOT NULL,
	client_id             CHAR(36)     NOT NULL,
	agent_id              CHAR(36)     NOT NULL,
	instance_id           VARCHAR(32)  NULL,
	period_start          DATETIME(3)  NOT NULL,
	period_end            DATETIME(3)  NOT NULL,
	heartbeats_expected   INT          NOT NULL DEFAULT 0,
	heartbeats_received   INT          NOT NULL DEFAULT 0,
	uptime_seconds        BIGINT       NULL,
	cpu_percent           DECIMAL(5,2) NULL,
	memory_percent        DECIMAL(5,2) NULL,
	disk_percent          DECIMAL(5,2) NULL,
	pending_commands      INT          NOT NULL DEFAULT 0,
	reported_status       VARCHAR(32)  NULL,
	created_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_agent_health_metrics_period (agent_id, period_start),
	KEY idx_agent_health_metrics_client_time (client_id, period_start),
	KEY idx_agent_health_metrics_time (period_start),
	CONSTRAINT fk_agent_health_metrics_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_agent_health_metrics_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT chk_agent_health_metrics_period CHECK (period_end >= period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
