-- 0015_coordinator_indexes.sql - the replica coordinator's candidate query
-- (core/db_coordinator.c, every 10 s) without whole-table scans.
--
-- It looks for agents in manual-replica mode and for interruption events not yet
-- resolved. Neither had an index: the first scanned agents, the second every
-- event ever recorded, which only grows. With these, both read only the rows
-- they want (open events are few; manual-replica agents are a share of agents).
-- Columns are unchanged (core/schema_expected.c needs no change).

CREATE INDEX idx_agents_manual_replica ON agents (manual_replica_enabled, enabled);
CREATE INDEX idx_spot_interruption_events_open ON spot_interruption_events (resolved_at, agent_id);
