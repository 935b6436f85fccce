-- 0007_agent_protocol.sql - what the agent protocol needs beyond 0001-0006.
--
-- * instances.role gains 'standby': an unknown instance of a logical agent that
--   already has a live primary waits as a standby until a switch-report or a
--   promotion names it (DESIGN.md section 4). It never acts as the primary.
-- * instances.uptime_seconds: the agent's uptime from its last heartbeat.
-- * client_tokens.instance_id: an agent token is issued per registration of an
--   instance; re-registering the same instance revokes its older tokens.

ALTER TABLE instances DROP CONSTRAINT chk_instances_role;
ALTER TABLE instances
	ADD CONSTRAINT chk_instances_role CHECK (role IN ('primary', 'standby', 'replica', 'zombie', 'terminated')),
	ADD COLUMN uptime_seconds BIGINT NULL AFTER reported_status;

ALTER TABLE client_tokens
	ADD COLUMN instance_id VARCHAR(32) NULL AFTER agent_id,
	ADD KEY idx_client_tokens_agent_instance (agent_id, instance_id, revoked_at);
