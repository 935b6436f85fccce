-- 0017_heartbeat_generation.sql - a generation number that tells a heartbeat
-- whether the answer it remembers still holds (issue 3).
--
-- A heartbeat's answer (the instance's role, the agent's config_version and
-- status, the pending commands, and whether the caller's token is still good)
-- depends on rows of instances, agents, commands, client_tokens and clients. The
-- workers keep the last answer per (token, agent, instance) with the hb_gen it
-- was read with (core/agents.c) and send only
--   UPDATE instances SET last_heartbeat_at ... WHERE id = ? AND agent_id = ?
--          AND role = ? AND hb_gen = ?
-- One matched row proves that nothing the answer depends on has changed, so the
-- heartbeat is one statement; no match sends the heartbeat down the full path
-- (the token check and answer SELECT, then the write).
--
-- The triggers below raise hb_gen in the same transaction as every change an
-- answer depends on, whoever makes it (a worker, a job, an operator by hand):
--   commands       any insert or delete; an update of status, instance, lease
--                  or expiry (the pending count)
--   agents         config_version or status (the answer; offline -> online)
--   clients        is_active (a disabled client's tokens stop at once)
--   client_tokens  revocation, expiry, hash, kind, agent or client changes;
--                  last_used_at (touched hourly) does not count
-- The instance's own role is checked by the UPDATE itself. Time-driven changes
-- (a command's lease or expiry running out, a token expiring, the agent row
-- falling due for its liveness write, the token's hourly touch) are not
-- writes; the worker keeps each answer only until the earliest of them.
--
-- Deletes made by foreign-key cascades fire no triggers; they delete the
-- instances rows too (agents and clients cascade to instances), so the UPDATE
-- matches nothing and the full path answers.

-- A new row starts from the microsecond it was made, so an instance deleted and
-- made again under the same id never takes up an old incarnation's numbers
-- (one change raises it by 1; no row changes a million times a second).
ALTER TABLE instances ADD COLUMN hb_gen BIGINT UNSIGNED NOT NULL
	DEFAULT (FLOOR(UNIX_TIMESTAMP(NOW(6)) * 1000000));

CREATE TRIGGER trg_commands_hb_insert AFTER INSERT ON commands FOR EACH ROW
	UPDATE instances SET hb_gen = hb_gen + 1 WHERE agent_id = NEW.agent_id;

CREATE TRIGGER trg_commands_hb_update AFTER UPDATE ON commands FOR EACH ROW
BEGIN
	IF NOT (NEW.status <=> OLD.status AND NEW.instance_id <=> OLD.instance_id AND NEW.acked_at <=> OLD.acked_at
		AND NEW.expires_at <=> OLD.expires_at AND NEW.agent_id <=> OLD.agent_id) THEN
		UPDATE instances SET hb_gen = hb_gen + 1 WHERE agent_id IN (OLD.agent_id, NEW.agent_id);
	END IF;
END;

CREATE TRIGGER trg_commands_hb_delete AFTER DELETE ON commands FOR EACH ROW
	UPDATE instances SET hb_gen = hb_gen + 1 WHERE agent_id = OLD.agent_id;

CREATE TRIGGER trg_agents_hb_update AFTER UPDATE ON agents FOR EACH ROW
BEGIN
	IF NOT (NEW.config_version <=> OLD.config_version AND NEW.status <=> OLD.status
		AND NEW.client_id <=> OLD.client_id) THEN
		UPDATE instances SET hb_gen = hb_gen + 1 WHERE agent_id = NEW.id;
	END IF;
END;

CREATE TRIGGER trg_clients_hb_update AFTER UPDATE ON clients FOR EACH ROW
BEGIN
	IF NOT (NEW.is_active <=> OLD.is_active) THEN
		UPDATE instances SET hb_gen = hb_gen + 1 WHERE client_id = NEW.id;
	END IF;
END;

-- An agent token speaks for its agent alone: only that agent's instances are
-- affected. A client token speaks for every agent of its client.
CREATE TRIGGER trg_client_tokens_hb_update AFTER UPDATE ON client_tokens FOR EACH ROW
BEGIN
	IF NOT (NEW.revoked_at <=> OLD.revoked_at AND NEW.expires_at <=> OLD.expires_at
		AND NEW.token_hash <=> OLD.token_hash AND NEW.kind <=> OLD.kind AND NEW.agent_id <=> OLD.agent_id
		AND NEW.client_id <=> OLD.client_id) THEN
		IF OLD.kind = 'agent' AND NEW.kind = 'agent' AND OLD.agent_id IS NOT NULL
			AND OLD.agent_id <=> NEW.agent_id AND OLD.client_id <=> NEW.client_id THEN
			UPDATE instances SET hb_gen = hb_gen + 1 WHERE agent_id = OLD.agent_id;
		ELSE
			UPDATE instances SET hb_gen = hb_gen + 1 WHERE client_id IN (OLD.client_id, NEW.client_id);
		END IF;
	END IF;
END;

CREATE TRIGGER trg_client_tokens_hb_delete AFTER DELETE ON client_tokens FOR EACH ROW
BEGIN
	IF OLD.kind = 'agent' AND OLD.agent_id IS NOT NULL THEN
		UPDATE instances SET hb_gen = hb_gen + 1 WHERE agent_id = OLD.agent_id;
	ELSE
		UPDATE instances SET hb_gen = hb_gen + 1 WHERE client_id = OLD.client_id;
	END IF;
END;
