-- 0004_operations.sql - agent commands, switch history, interruption events, the
-- audit log and user notifications (DESIGN.md sections 4 and 5, seeds 001 and 004).

-- Commands for agents. status: pending -> acked -> running -> succeeded | failed,
-- or pending/acked -> expired after expires_at. The pending -> acked transition is a
-- conditional UPDATE (WHERE status = 'pending' AND version = ?), which is what makes
-- a command run at most once. request_id is the idempotency key of whoever created
-- the command (X-Request-ID, or a deterministic key made by a job).
CREATE TABLE commands (
	id           CHAR(36)      NOT NULL,
	client_id    CHAR(36)      NOT NULL,
	agent_id     CHAR(36)      NOT NULL,
	instance_id  VARCHAR(32)   NULL,
	type         VARCHAR(32)   NOT NULL,
	payload      JSON          NULL,
	status       VARCHAR(16)   NOT NULL DEFAULT 'pending',
	priority     INT           NOT NULL DEFAULT 0,
	request_id   VARCHAR(128)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	reason       VARCHAR(64)   NULL,
	created_by   VARCHAR(80)   NULL,
	result       JSON          NULL,
	error        VARCHAR(2048) NULL,
	created_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	acked_at     DATETIME(3)   NULL,
	started_at   DATETIME(3)   NULL,
	finished_at  DATETIME(3)   NULL,
	expires_at   DATETIME(3)   NOT NULL,
	version      INT           NOT NULL DEFAULT 1,
	updated_at   DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_commands_request (request_id),
	KEY idx_commands_agent_status (agent_id, status, priority, created_at),
	KEY idx_commands_status_expires (status, expires_at),
	KEY idx_commands_client_time (client_id, created_at),
	CONSTRAINT fk_commands_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_commands_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT chk_commands_type CHECK (type IN ('switch', 'launch_replica', 'promote', 'emergency_launch', 'terminate', 'cleanup')),
	CONSTRAINT chk_commands_status CHECK (status IN ('pending', 'acked', 'running', 'succeeded', 'failed', 'expired'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE replica_instances
	ADD CONSTRAINT fk_replica_instances_command FOREIGN KEY (command_id) REFERENCES commands (id) ON DELETE SET NULL;

-- Switch history (the columns of seed 001, ondemand_price spelled as elsewhere).
-- One switch row per command (switch-report replays hit uq_switches_command).
-- Instance and pool ids are history, not FKs: instances rows are cleaned up later.
-- savings_impact is the hourly price difference old - new.
CREATE TABLE switches (
	id                    CHAR(36)      NOT NULL,
	client_id             CHAR(36)      NOT NULL,
	agent_id              CHAR(36)      NOT NULL,
	command_id            CHAR(36)      NULL,
	status                VARCHAR(16)   NOT NULL DEFAULT 'completed',
	event_trigger         VARCHAR(32)   NULL,
	old_instance_id       VARCHAR(32)   NULL,
	old_mode              VARCHAR(16)   NULL,
	old_pool_id           VARCHAR(128)  NULL,
	old_spot_price        DECIMAL(12,6) NULL,
	new_instance_id       VARCHAR(32)   NULL,
	new_mode              VARCHAR(16)   NULL,
	new_pool_id           VARCHAR(128)  NULL,
	new_spot_price        DECIMAL(12,6) NULL,
	ondemand_price        DECIMAL(12,6) NULL,
	savings_impact        DECIMAL(12,6) NULL,
	ami_id                VARCHAR(32)   NULL,
	initiated_at          DATETIME(3)   NULL,
	ami_created_at        DATETIME(3)   NULL,
	instance_launched_at  DATETIME(3)   NULL,
	instance_ready_at     DATETIME(3)   NULL,
	old_terminated_at     DATETIME(3)   NULL,
	downtime_seconds      DECIMAL(10,3) NULL,
	error                 VARCHAR(2048) NULL,
	created_at            DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_switches_command (command_id),
	KEY idx_switches_client_time (client_id, initiated_at),
	KEY idx_switches_agent_time (agent_id, initiated_at),
	KEY idx_switches_created (created_at),
	CONSTRAINT fk_switches_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_switches_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT fk_switches_command FOREIGN KEY (command_id) REFERENCES commands (id) ON DELETE SET NULL,
	CONSTRAINT chk_switches_status CHECK (status IN ('completed', 'failed')),
	CONSTRAINT chk_switches_modes CHECK ((old_mode IS NULL OR old_mode IN ('spot', 'ondemand', 'unknown'))
		AND (new_mode IS NULL OR new_mode IN ('spot', 'ondemand', 'unknown')))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- AWS interruption signals: rebalance recommendation or the 2-minute termination
-- notice (seed 000's ENUM bug avoided: VARCHAR + CHECK, NULL allowed by absence).
-- One row per (instance, signal): a re-reported notice updates the row
-- (ON DUPLICATE KEY UPDATE) instead of adding one. The response fields are filled in
-- as the coordinator acts (version guards those updates).
CREATE TABLE spot_interruption_events (
	id                CHAR(36)      NOT NULL,
	client_id         CHAR(36)      NOT NULL,
	agent_id          CHAR(36)      NOT NULL,
	instance_id       VARCHAR(32)   NOT NULL,
	pool_id           VARCHAR(128)  NULL,
	instance_type     VARCHAR(64)   NULL,
	region            VARCHAR(32)   NULL,
	az                VARCHAR(32)   NULL,
	signal_type       VARCHAR(32)   NOT NULL,
	notice_time       DATETIME(3)   NULL,
	action_time       DATETIME(3)   NULL,
	notice_action     VARCHAR(16)   NULL,
	risk_score        DECIMAL(5,4)  NULL,
	response_action   VARCHAR(32)   NULL,
	replica_id        CHAR(36)      NULL,
	command_id        CHAR(36)      NULL,
	outcome           VARCHAR(32)   NULL,
	failover_seconds  DECIMAL(10,3) NULL,
	detected_at       DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	resolved_at       DATETIME(3)   NULL,
	version           INT           NOT NULL DEFAULT 1,
	updated_at        DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_spot_interruption_events_signal (instance_id, signal_type),
	KEY idx_spot_interruption_events_client_time (client_id, detected_at),
	KEY idx_spot_interruption_events_agent_time (agent_id, detected_at),
	KEY idx_spot_interruption_events_pool_time (pool_id, detected_at),
	KEY idx_spot_interruption_events_time (detected_at),
	CONSTRAINT fk_spot_interruption_events_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_spot_interruption_events_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT fk_spot_interruption_events_replica FOREIGN KEY (replica_id) REFERENCES replica_instances (id) ON DELETE SET NULL,
	CONSTRAINT fk_spot_interruption_events_command FOREIGN KEY (command_id) REFERENCES commands (id) ON DELETE SET NULL,
	CONSTRAINT chk_spot_interruption_events_signal CHECK (signal_type IN ('rebalance-recommendation', 'termination-notice')),
	CONSTRAINT chk_spot_interruption_events_action CHECK (notice_action IS NULL OR notice_action IN ('terminate', 'stop', 'hibernate')),
	CONSTRAINT chk_spot_interruption_events_response CHECK (response_action IS NULL
		OR response_action IN ('monitor', 'launch_replica', 'promote_replica', 'emergency_launch'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Audit log: who (actor) did what (action) to which subject, with the state before
-- and after as JSON. Deliberately no FKs: audit rows outlive their subjects.
-- trace_id is nginx's $request_id (X-Trace-Id).
CREATE TABLE system_events (
	id            CHAR(36)      NOT NULL,
	client_id     CHAR(36)      NULL,
	agent_id      CHAR(36)      NULL,
	actor_type    VARCHAR(16)   NOT NULL,
	actor_id      VARCHAR(80)   NULL,
	action        VARCHAR(64)   NOT NULL,
	severity      VARCHAR(16)   NOT NULL DEFAULT 'info',
	subject_type  VARCHAR(32)   NULL,
	subject_id    VARCHAR(128)  NULL,
	message       VARCHAR(2048) NULL,
	pre_state     JSON          NULL,
	post_state    JSON          NULL,
	trace_id      VARCHAR(64)   NULL,
	created_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	KEY idx_system_events_client_time (client_id, created_at),
	KEY idx_system_events_time (created_at),
	KEY idx_system_events_action_time (action, created_at),
	KEY idx_system_events_subject (subject_type, subject_id),
	CONSTRAINT chk_system_events_actor CHECK (actor_type IN ('user', 'admin', 'client', 'agent', 'job', 'system')),
	CONSTRAINT chk_system_events_severity CHECK (severity IN ('debug', 'info', 'warning', 'error', 'critical'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- User-facing notifications. client_id NULL = for admins. dedupe_key (made globally
-- unique by the code, e.g. 'zombie_unconfirmed:<instance id>') keeps a monitor that
-- runs every 5 minutes from repeating the same notification.
CREATE TABLE notifications (
	id          CHAR(36)      NOT NULL,
	client_id   CHAR(36)      NULL,
	agent_id    CHAR(36)      NULL,
	type        VARCHAR(64)   NOT NULL,
	severity    VARCHAR(16)   NOT NULL DEFAULT 'info',
	title       VARCHAR(255)  NOT NULL,
	message     VARCHAR(2048) NULL,
	dedupe_key  VARCHAR(191)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	is_read     BOOLEAN       NOT NULL DEFAULT FALSE,
	read_at     DATETIME(3)   NULL,
	created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_notifications_dedupe (dedupe_key),
	KEY idx_notifications_client_read (client_id, is_read, created_at),
	KEY idx_notifications_agent (agent_id, created_at),
	KEY idx_notifications_time (created_at),
	CONSTRAINT fk_notifications_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_notifications_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT chk_notifications_severity CHECK (severity IN ('info', 'warning', 'error', 'critical'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
