-- 0003_pricing.sql - the three pricing tiers (DESIGN.md sections 4 and 6, seed 004):
-- pricing_reports (one row per report) -> spot_price_snapshots (staging, raw
-- samples) -> pricing_consolidated (5-minute grid, merged, gaps flagged or
-- interpolated) -> pricing_canonical (grid plus features for the decision engine).
-- On-demand prices are spelled ondemand_price everywhere (the seeds drifted between
-- ondemand_price and on_demand_price).

-- One row per pricing report received. request_id is the agent's X-Request-ID, so a
-- replayed spooled report cannot be recorded twice for the same agent.
CREATE TABLE pricing_reports (
	id              CHAR(36)      NOT NULL,
	client_id       CHAR(36)      NOT NULL,
	agent_id        CHAR(36)      NOT NULL,
	instance_id     VARCHAR(32)   NULL,
	source_role     VARCHAR(16)   NOT NULL DEFAULT 'unknown',
	request_id      VARCHAR(128)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	ondemand_price  DECIMAL(12,6) NULL,
	price_count     INT           NOT NULL DEFAULT 0,
	accepted_count  INT           NOT NULL DEFAULT 0,
	rejected_count  INT           NOT NULL DEFAULT 0,
	received_at     DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_pricing_reports_request (agent_id, request_id),
	KEY idx_pricing_reports_agent_time (agent_id, received_at),
	KEY idx_pricing_reports_client_time (client_id, received_at),
	KEY idx_pricing_reports_received (received_at),
	CONSTRAINT fk_pricing_reports_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT fk_pricing_reports_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT chk_pricing_reports_role CHECK (source_role IN ('primary', 'replica', 'zombie', 'unknown'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Staging: one row per price sample. observed_at is the time AWS gives the price
-- (price histories are step functions: the price holds until the next change);
-- received_at drives incremental consolidation. The same AWS point is reported again
-- on every pricing pass, so (pool_id, observed_at, instance_id) is the dedupe key:
-- insert with INSERT IGNORE / ON DUPLICATE KEY UPDATE. Primary and replica samples
-- of one point stay separate rows (different instance_id) for the merge step.
CREATE TABLE spot_price_snapshots (
	id           CHAR(36)      NOT NULL,
	pool_id      VARCHAR(128)  NOT NULL,
	agent_id     CHAR(36)      NOT NULL,
	instance_id  VARCHAR(32)   NOT NULL,
	source_role  VARCHAR(16)   NOT NULL,
	price        DECIMAL(12,6) NOT NULL,
	observed_at  DATETIME(3)   NOT NULL,
	received_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	request_id   VARCHAR(128)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	PRIMARY KEY (id),
	UNIQUE KEY uq_spot_price_snapshots_sample (pool_id, observed_at, instance_id),
	KEY idx_spot_price_snapshots_received (received_at),
	KEY idx_spot_price_snapshots_agent (agent_id, received_at),
	CONSTRAINT fk_spot_price_snapshots_pool FOREIGN KEY (pool_id) REFERENCES spot_pools (id) ON DELETE CASCADE,
	CONSTRAINT fk_spot_price_snapshots_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
	CONSTRAINT chk_spot_price_snapshots_role CHECK (source_role IN ('primary', 'replica', 'zombie', 'unknown')),
	CONSTRAINT chk_spot_price_snapshots_price CHECK (price >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Consolidated 5-minute grid, one row per (pool, bucket), written by spot-consolidate
-- with upserts on that key, so re-running a window changes nothing.
-- data_quality_flag: 'actual' (one source), 'deduplicated' (primary and replica within
-- 0.5 %: primary's value), 'averaged' (they differ: the mean, flagged for review),
-- 'interpolated' (gap up to 30 min filled linearly). gap_flagged marks a gap of more
-- than 10 min before this bucket (gap_seconds); longer gaps stay open (no rows).
CREATE TABLE pricing_consolidated (
	id                 CHAR(36)      NOT NULL,
	pool_id            VARCHAR(128)  NOT NULL,
	bucket_start       DATETIME(3)   NOT NULL,
	price              DECIMAL(12,6) NOT NULL,
	primary_price      DECIMAL(12,6) NULL,
	replica_price      DECIMAL(12,6) NULL,
	sample_count       INT           NOT NULL DEFAULT 0,
	data_quality_flag  VARCHAR(16)   NOT NULL DEFAULT 'actual',
	gap_flagged        BOOLEAN       NOT NULL DEFAULT FALSE,
	gap_seconds        INT           NULL,
	consolidated_at    DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_pricing_consolidated_bucket (pool_id, bucket_start),
	KEY idx_pricing_consolidated_bucket (bucket_start),
	CONSTRAINT fk_pricing_consolidated_pool FOREIGN KEY (pool_id) REFERENCES spot_pools (id) ON DELETE CASCADE,
	CONSTRAINT chk_pricing_consolidated_flag CHECK (data_quality_flag IN ('actual', 'deduplicated', 'averaged', 'interpolated')),
	CONSTRAINT chk_pricing_consolidated_price CHECK (price >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Canonical grid with the features the decision engine and backtests read.
-- volatility_* are standard deviations of price over the window; discount_pct is
-- 100 * (1 - price / ondemand_price).
CREATE TABLE pricing_canonical (
	id                       CHAR(36)      NOT NULL,
	pool_id                  VARCHAR(128)  NOT NULL,
	bucket_start             DATETIME(3)   NOT NULL,
	price                    DECIMAL(12,6) NOT NULL,
	ondemand_price           DECIMAL(12,6) NULL,
	discount_pct             DECIMAL(7,3)  NULL,
	price_change_pct         DECIMAL(9,3)  NULL,
	price_mean_24h           DECIMAL(12,6) NULL,
	price_min_24h            DECIMAL(12,6) NULL,
	price_max_24h            DECIMAL(12,6) NULL,
	volatility_1h            DECIMAL(12,6) NULL,
	volatility_24h           DECIMAL(12,6) NULL,
	interruption_count_24h   INT           NOT NULL DEFAULT 0,
	interruption_bucket      TINYINT       NULL,
	hour_of_day              TINYINT       NOT NULL,
	day_of_week              TINYINT       NOT NULL,
	data_quality_flag        VARCHAR(16)   NOT NULL DEFAULT 'actual',
	created_at               DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at               DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (id),
	UNIQUE KEY uq_pricing_canonical_bucket (pool_id, bucket_start),
	KEY idx_pricing_canonical_bucket (bucket_start),
	CONSTRAINT fk_pricing_canonical_pool FOREIGN KEY (pool_id) REFERENCES spot_pools (id) ON DELETE CASCADE,
	CONSTRAINT chk_pricing_canonical_flag CHECK (data_quality_flag IN ('actual', 'deduplicated', 'averaged', 'interpolated')),
	CONSTRAINT chk_pricing_canonical_time CHECK (hour_of_day BETWEEN 0 AND 23 AND day_of_week BETWEEN 0 AND 6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
