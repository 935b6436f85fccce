-- 0016_decision_policy.sql - the decision engine's per-client policy and the
-- history spot-decide carries between its evaluations (issue 8, DESIGN.md
-- section 6).
--
-- client_policies: one row per client that changed its policy; a client without
-- a row uses the defaults of core/decision.h (decision_policy_default: 30 %
-- minimum savings, 60 min cooldown, max risk 0.50, on-demand fallback allowed
-- after 15 min, return to spot after 30 min, compatible types up to 2x the
-- size). The column defaults below are the same numbers.
CREATE TABLE client_policies (
	client_id               CHAR(36)     NOT NULL,
	min_savings_pct         DECIMAL(5,2) NOT NULL DEFAULT 30.00,
	cooldown_minutes        INT          NOT NULL DEFAULT 60,
	max_risk                DECIMAL(5,4) NOT NULL DEFAULT 0.5000,
	ondemand_fallback       BOOLEAN      NOT NULL DEFAULT TRUE,
	fallback_wait_minutes   INT          NOT NULL DEFAULT 15,
	return_wait_minutes     INT          NOT NULL DEFAULT 30,
	size_factor             DECIMAL(5,2) NOT NULL DEFAULT 2.00,
	updated_by              VARCHAR(80)  NULL,
	version                 INT          NOT NULL DEFAULT 1,
	created_at              DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
	updated_at              DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
	PRIMARY KEY (client_id),
	CONSTRAINT fk_client_policies_client FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE,
	CONSTRAINT chk_client_policies_values CHECK (min_savings_pct BETWEEN 0 AND 100 AND cooldown_minutes >= 0
		AND max_risk BETWEEN 0 AND 1 AND fallback_wait_minutes >= 0 AND return_wait_minutes >= 0
		AND size_factor >= 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The engine's memory between evaluations (decision_history of core/decision.h),
-- kept on each decision row so the agent's latest row is all the next tick reads:
-- want_mode/want_since are what the evaluations have proposed without a break
-- since when (the fallback and return waits count from want_since), and
-- last_command_at is the time of the latest switch command spot-decide issued for
-- the agent (the cooldown counts from it, or from agents.last_switch_at when later).
ALTER TABLE ml_decisions
	ADD COLUMN want_mode VARCHAR(16) NULL,
	ADD COLUMN want_since DATETIME(3) NULL,
	ADD COLUMN last_command_at DATETIME(3) NULL;
