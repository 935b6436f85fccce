-- 0001_tenancy_auth.sql - tenants, their API tokens, dashboard users, sessions and
-- idempotency keys (DESIGN.md sections 4 and 5).
--
-- Conventions for every migration in this folder:
--   * plain CREATE TABLE, InnoDB, utf8mb4; accepted by MariaDB 10.11 and MySQL 8.0.16+
--     (no ENUM, no ADD COLUMN IF NOT EXISTS, no RETURNING, no sequences);
--   * ids are CHAR(36) UUIDs (instances.id is the AWS instance id);
--   * times are DATETIME(3) in UTC: the caller sets time_zone = '+00:00';
--   * rows two actors can race on carry version INT for optimistic locking;
--   * status/role columns are VARCHAR + a CHECK; constraint names are prefixed by
--     their table because MySQL keeps CHECK and FK names unique per schema;
--   * MySQL refuses a CHECK on a column that a FK action (CASCADE / SET NULL) touches,
--     so cross-column rules on such columns are enforced by the code, not by CHECK.
--   * schema_migrations belongs to spot-migrate and is not created here.

CREATE TABLE clients (
	id             CHAR(36)      NOT NULL,
	name           VARCHAR(255)  NOT NULL,
	email          VARCHAR(255)  NULL,
	plan           VARCHAR(32)   NOT NULL DEFAULT 'free',
	max_agents     INT           NOT NULL DEFAULT 5,
	max_instances  INT           NOT NULL DEFAULT 10,
	is_active      BOOLEAN       NOT NULL DEFAULT TRUE,
	total_savings  DECIMAL(16,6) NOT NULL DEFAULT 0,
	version        INT           NOT NULL DEFAULT 1,
	created_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_clients_email (email),
	KEY idx_clients_active (is_active, created_at),
	CONSTRAINT chk_clients_limits CHECK (max_agents >= 0 AND max_instances >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Bearer tokens: only the SHA-256 of the token is stored (tokens are high-entropy
-- random strings, so a fast hash is right). kind 'client' = the client token used to
-- register; kind 'agent' = the token registration hands out, scoped to agent_id
-- (the FK to agents is added in 0002, once agents exists).
CREATE TABLE client_tokens (
	id            CHAR(36)     NOT NULL,
	client_id     CHAR(36)     NOT NULL,
	agent_id      CHAR(36)     NULL,
	kind          VARCHAR(16)  NOT NULL DEFAULT 'client',
	token_hash    BINARY(32)   NOT NULL,
	token_prefix  VARCHAR(16)  NULL,
	label         VARCHAR(255) NULL,
	created_at    DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	last_used_at  DATETIME(3)  NULL,
	expires_at    DATETIME(3)  NULL,
	revoked_at    DATETIME(3)  NULL,
	PRIMARY KEY (id),
	UNIQUE KEY uq_client_tokens_hash (token_hash),
	KEY idx_client_tokens_client (client_id, revoked_at),
	KEY idx_client_tokens_agent (agent_id),
	CONSTRAINT fk_client_tokens_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT chk_client_tokens_kind CHECK (kind IN ('client', 'agent'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Dashboard users. password_hash is a PHC string (argon2id or scrypt). A 'client'
-- user has a client_id, an 'admin' has none (enforced by the code: MySQL forbids a
-- CHECK on a column with ON DELETE CASCADE). email is unique case-insensitively.
CREATE TABLE users (
	id                  CHAR(36)     NOT NULL,
	email               VARCHAR(255) NOT NULL,
	password_hash       VARCHAR(255) NOT NULL,
	role                VARCHAR(16)  NOT NULL,
	client_id           CHAR(36)     NULL,
	display_name        VARCHAR(255) NULL,
	is_active           BOOLEAN      NOT NULL DEFAULT TRUE,
	failed_login_count  INT          NOT NULL DEFAULT 0,
	last_login_at       DATETIME(3)  NULL,
	version             INT          NOT NULL DEFAULT 1,
	created_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at          DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_users_email (email),
	KEY idx_users_client (client_id),
	CONSTRAINT fk_users_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT chk_users_role CHECK (role IN ('admin', 'client'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Browser sessions. id is the SHA-256 of the spot_session cookie value, so a leaked
-- table does not leak live cookies. csrf_token is the per-session CSRF secret (hex).
CREATE TABLE sessions (
	id            BINARY(32)   NOT NULL,
	user_id       CHAR(36)     NOT NULL,
	csrf_token    CHAR(64)     CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	remote_addr   VARCHAR(45)  NULL,
	user_agent    VARCHAR(255) NULL,
	created_at    DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	last_seen_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	expires_at    DATETIME(3)  NOT NULL,
	PRIMARY KEY (id),
	KEY idx_sessions_user (user_id),
	KEY idx_sessions_expires (expires_at),
	CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- X-Request-ID idempotency (seed 004, DESIGN.md section 5). Keys are scoped to the
-- caller ('agent:<id>', 'client:<id>', 'user:<id>', 'admin'); body_sha256 detects a
-- reused key with another body (409). response_status is NULL while the first request
-- is still in flight. Kept at least 24 h (expires_at), then removed by the cleaner.
CREATE TABLE idempotency_keys (
	caller           VARCHAR(80)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	idempotency_key  VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	method           VARCHAR(8)   NOT NULL,
	path             VARCHAR(512) NOT NULL,
	body_sha256      BINARY(32)   NOT NULL,
	response_status  SMALLINT     NULL,
	response_body    MEDIUMTEXT   NULL,
	created_at       DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	expires_at       DATETIME(3)  NOT NULL,
	PRIMARY KEY (caller, idempotency_key),
	KEY idx_idempotency_keys_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
