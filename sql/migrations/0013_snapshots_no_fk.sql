-- 0013_snapshots_no_fk.sql - spot_price_snapshots loses its two foreign keys.
--
-- The staging table takes every price sample the fleet reports (issue 3: at least
-- 20,000 a second). With fk_spot_price_snapshots_pool and fk_spot_price_snapshots_agent,
-- each inserted row costs InnoDB two extra index lookups (spot_pools, agents) and a
-- shared lock on both parent rows until the report's transaction commits; the shared
-- lock on the agents row also makes a heartbeat's agent-row UPDATE wait for it. That
-- is 40 of the ~70 index reads of a 20-price report (bench/RESULTS.md, "Pricing
-- reports (issue 3)").
--
-- What the keys guaranteed, and what guarantees it now:
-- - pool_id names a spot_pools row: the only writer (core/pricing.c) creates the
--   report's missing pools in the same transaction, just before the samples.
-- - agent_id names an agents row: the writer checks, in the same transaction, that
--   the instance is the agent's.
-- What is given up: ON DELETE CASCADE. Deleting an agent or a pool no longer deletes
-- its staging samples. Nothing deletes agents or pools today; and a sample stays a true
-- observation of the AWS price after its reporter is gone (readers go by pool_id:
-- consolidation, pages, risk, replicas). Cleaning up after such a delete is then the
-- staging table's retention, not a cascade. The indexes the keys used are kept
-- (uq_spot_price_snapshots_sample, idx_spot_price_snapshots_agent): readers need them.
-- Columns are unchanged (core/schema_expected.c needs no change).

ALTER TABLE spot_price_snapshots
	DROP FOREIGN KEY fk_spot_price_snapshots_pool,
	DROP FOREIGN KEY fk_spot_price_snapshots_agent;
