-- 0002_fleet.sql - the instance catalog, spot pools, agents, the EC2 instances they
-- run on, and standby replicas (DESIGN.md section 4, seeds 001 and 003).

-- The instance catalog, seeded from the CSV shipped in sql/ and updatable by admins.
CREATE TABLE instance_types (
	instance_type   VARCHAR(64)   NOT NULL,
	region          VARCHAR(32)   NOT NULL,
	family          VARCHAR(32)   NULL,
	vcpu            INT           NOT NULL,
	memory_gib      DECIMAL(10,3) NOT NULL,
	arch            VARCHAR(16)   NOT NULL DEFAULT 'x86_64',
	ondemand_price  DECIMAL(12,6) NULL,
	is_active       BOOLEAN       NOT NULL DEFAULT TRUE,
	version         INT           NOT NULL DEFAULT 1,
	created_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at      DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (instance_type, region),
	KEY idx_instance_types_region (region, is_active),
	CONSTRAINT chk_instance_types_sizes CHECK (vcpu > 0 AND memory_gib > 0),
	CONSTRAINT chk_instance_types_price CHECK (ondemand_price IS NULL OR ondemand_price >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A spot capacity pool: id = '<instance_type>.<az>', e.g. 't3.medium.ap-south-1a'.
-- flagged_until: an interruption seen by any client flags the pool for everyone
-- for 30 minutes (DESIGN.md section 6). interruption_bucket is the AWS Spot Advisor
-- interruption-frequency range index (0 = '<5%' ... 4 = '>20%') where known.
CREATE TABLE spot_pools (
	id                    VARCHAR(128) NOT NULL,
	instance_type         VARCHAR(64)  NOT NULL,
	region                VARCHAR(32)  NOT NULL,
	az                    VARCHAR(32)  NOT NULL,
	interruption_bucket   TINYINT      NULL,
	last_interruption_at  DATETIME(3)  NULL,
	flagged_until         DATETIME(3)  NULL,
	is_active             BOOLEAN      NOT NULL DEFAULT TRUE,
	version               INT          NOT NULL DEFAULT 1,
	created_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at            DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_spot_pools_type_az (instance_type, region, az),
	KEY idx_spot_pools_region (region, instance_type),
	CONSTRAINT chk_spot_pools_bucket CHECK (interruption_bucket IS NULL OR interruption_bucket BETWEEN 0 AND 4)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An agent: a logical workload that survives switches (logical_agent_id is unique
-- per client). status is derived by the server (online|offline); reported_status is
-- what the last heartbeat said. instance_id .. current_pool_id describe the current
-- primary instance (a denormalised pointer, no FK: instances rows come and go).
-- Manual-replica mode excludes auto-switch and auto-terminate (seed 001); the API
-- answers 409 first, the CHECK is the backstop, so turn the other flags off in the
-- same UPDATE that turns manual_replica_enabled on.
CREATE TABLE agents (
	id                      CHAR(36)     NOT NULL,
	client_id               CHAR(36)     NOT NULL,
	logical_agent_id        VARCHAR(255) NOT NULL,
	hostname                VARCHAR(255) NULL,
	agent_version           VARCHAR(64)  NULL,
	instance_id             VARCHAR(32)  NULL,
	instance_type           VARCHAR(64)  NULL,
	region                  VARCHAR(32)  NULL,
	az                      VARCHAR(32)  NULL,
	current_mode            VARCHAR(16)  NOT NULL DEFAULT 'unknown',
	current_pool_id         VARCHAR(128) NULL,
	status                  VARCHAR(16)  NOT NULL DEFAULT 'offline',
	reported_status         VARCHAR(32)  NULL,
	enabled                 BOOLEAN      NOT NULL DEFAULT TRUE,
	last_heartbeat_at       DATETIME(3)  NULL,
	auto_switch_enabled     BOOLEAN      NOT NULL DEFAULT FALSE,
	auto_terminate_enabled  BOOLEAN      NOT NULL DEFAULT TRUE,
	terminate_wait_seconds  INT          NOT NULL DEFAULT 300,
	manual_replica_enabled  BOOLEAN      NOT NULL DEFAULT FALSE,
	config_version          INT          NOT NULL DEFAULT 1,
	notice_status           VARCHAR(16)  NOT NULL DEFAULT 'none',
	notice_received_at      DATETIME(3)  NULL,
	notice_deadline         DATETIME(3)  NULL,
	fastest_boot_pool_id    VARCHAR(128) NULL,
	last_switch_at          DATETIME(3)  NULL,
	version                 INT          NOT NULL DEFAULT 1,
	created_at              DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at              DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_agents_client_logical (client_id, logical_agent_id),
	KEY idx_agents_client_status (client_id, status),
	KEY idx_agents_heartbeat (status, last_heartbeat_at),
	KEY idx_agents_instance (instance_id),
	KEY idx_agents_notice (notice_status, notice_deadline),
	CONSTRAINT fk_agents_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT chk_agents_status CHECK (status IN ('online', 'offline')),
	CONSTRAINT chk_agents_mode CHECK (current_mode IN ('spot', 'ondemand', 'unknown')),
	CONSTRAINT chk_agents_notice CHECK (notice_status IN ('none', 'rebalance', 'termination')),
	CONSTRAINT chk_agents_wait CHECK (terminate_wait_seconds >= 0),
	CONSTRAINT chk_agents_manual_excl CHECK (manual_replica_enabled = FALSE
		OR (auto_switch_enabled = FALSE AND auto_terminate_enabled = FALSE))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE client_tokens
	ADD CONSTRAINT fk_client_tokens_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE;

-- Every EC2 instance we manage, replicas included; id is the AWS instance id.
-- Roles: primary -> zombie -> terminated; replica -> primary.
-- One primary per agent is enforced here: primary_agent_id is agent_id while the row
-- is the primary and NULL otherwise, and a UNIQUE index ignores NULLs, so a second
-- primary for the same agent fails with ER_DUP_ENTRY while any number of replicas,
-- zombies and terminated rows may coexist. VIRTUAL (not STORED) because MySQL 8
-- refuses ON DELETE CASCADE on the base column of a STORED generated column.
-- RTRIM() is a no-op on a UUID but is needed: MariaDB refuses a generated column
-- that yields a bare CHAR column, whose value depends on sql_mode
-- PAD_CHAR_TO_FULL_LENGTH (error 1901).
-- role_changed_at starts the terminate_wait_seconds clock of a zombie.
CREATE TABLE instances (
	id                        VARCHAR(32)   NOT NULL,
	agent_id                  CHAR(36)      NOT NULL,
	client_id                 CHAR(36)      NOT NULL,
	role                      VARCHAR(16)   NOT NULL,
	primary_agent_id          CHAR(36)      GENERATED ALWAYS AS (CASE WHEN role = 'primary' THEN RTRIM(agent_id) END) VIRTUAL,
	instance_type             VARCHAR(64)   NULL,
	region                    VARCHAR(32)   NULL,
	az                        VARCHAR(32)   NULL,
	mode                      VARCHAR(16)   NOT NULL DEFAULT 'unknown',
	pool_id                   VARCHAR(128)  NULL,
	spot_price                DECIMAL(12,6) NULL,
	ondemand_price            DECIMAL(12,6) NULL,
	reported_status           VARCHAR(32)   NULL,
	last_heartbeat_at         DATETIME(3)   NULL,
	installed_at              DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	role_changed_at           DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	termination_attempted_at  DATETIME(3)   NULL,
	termination_confirmed     BOOLEAN       NOT NULL DEFAULT FALSE,
	termination_error         VARCHAR(1024) NULL,
	terminated_at             DATETIME(3)   NULL,
	version                   INT           NOT NULL DEFAULT 1,
	created_at                DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at                DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_instances_one_primary (primary_agent_id),
	KEY idx_instances_agent_role (agent_id, role),
	KEY idx_instances_client_role (client_id, role),
	KEY idx_instances_zombies (role, termination_confirmed, role_changed_at),
	KEY idx_instances_pool (pool_id, role),
	CONSTRAINT fk_instances_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT fk_instances_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT chk_instances_role CHECK (role IN ('primary', 'replica', 'zombie', 'terminated')),
	CONSTRAINT chk_instances_mode CHECK (mode IN ('spot', 'ondemand', 'unknown')),
	CONSTRAINT chk_instances_prices CHECK ((spot_price IS NULL OR spot_price >= 0)
		AND (ondemand_price IS NULL OR ondemand_price >= 0))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Standby replicas. instance_id is NULL while launching, then points at the instances
-- row (role 'replica') of the launched instance. At most one live manual replica per
-- agent is enforced like the one-primary rule: live_manual_agent_id is agent_id while
-- a manual replica is launching, syncing or ready, NULL otherwise, under a UNIQUE
-- index (so end the old replica before, or in the same transaction as, its successor).
-- command_id (the launch_replica command) gets its FK in 0004.
CREATE TABLE replica_instances (
	id                        CHAR(36)      NOT NULL,
	agent_id                  CHAR(36)      NOT NULL,
	client_id                 CHAR(36)      NOT NULL,
	instance_id               VARCHAR(32)   NULL,
	command_id                CHAR(36)      NULL,
	replica_type              VARCHAR(32)   NOT NULL,
	status                    VARCHAR(16)   NOT NULL DEFAULT 'launching',
	live_manual_agent_id      CHAR(36)      GENERATED ALWAYS AS (CASE WHEN replica_type = 'manual'
		AND status IN ('launching', 'syncing', 'ready') THEN RTRIM(agent_id) END) VIRTUAL,
	pool_id                   VARCHAR(128)  NULL,
	instance_type             VARCHAR(64)   NULL,
	az                        VARCHAR(32)   NULL,
	spot_price                DECIMAL(12,6) NULL,
	state_transfer_progress   DECIMAL(5,2)  NOT NULL DEFAULT 0,
	error                     VARCHAR(1024) NULL,
	ready_at                  DATETIME(3)   NULL,
	promoted_at               DATETIME(3)   NULL,
	termination_attempted_at  DATETIME(3)   NULL,
	termination_confirmed     BOOLEAN       NOT NULL DEFAULT FALSE,
	terminated_at             DATETIME(3)   NULL,
	version                   INT           NOT NULL DEFAULT 1,
	created_at                DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at                DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_replica_instances_instance (instance_id),
	UNIQUE KEY uq_replica_instances_live_manual (live_manual_agent_id),
	KEY idx_replica_instances_agent_status (agent_id, status),
	KEY idx_replica_instances_client (client_id, created_at),
	KEY idx_replica_instances_status (status, updated_at),
	KEY idx_replica_instances_command (command_id),
	CONSTRAINT fk_replica_instances_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT fk_replica_instances_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_replica_instances_instance FOREIGN KEY (instance_id) REFERENCES instances (id) ON DELETE SET NULL,
	CONSTRAINT chk_replica_instances_type CHECK (replica_type IN ('manual', 'automatic-rebalance', 'automatic-termination')),
	CONSTRAINT chk_replica_instances_status CHECK (status IN ('launching', 'syncing', 'ready', 'promoted', 'terminated', 'failed')),
	CONSTRAINT chk_replica_instances_progress CHECK (state_transfer_progress BETWEEN 0 AND 100)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
