-- 0009_heartbeat_procedure.sql - the heartbeat in one round trip.
--
-- Heartbeats are the hottest path (every instance, every minute), and they are
-- bound by database round trips (NOTES.md). spot_heartbeat checks the token,
-- that the agent is the caller's, that the instance is the agent's, records
-- the heartbeat, keeps the agent's liveness when the instance is its primary,
-- and answers with one row:
--   outcome ('ok' | 'unauthorized' | 'no_agent' | 'no_instance'), role,
--   config_version, pending_commands, came_online (1 when an offline agent
--   came back: the caller writes the event and the notification), client_id.
-- The same rules as core/auth.c and core/agents.c; MySQL 8 accepts it too.

CREATE PROCEDURE spot_heartbeat(
	IN p_token_hash BINARY(32),
	IN p_agent_id CHAR(36),
	IN p_instance_id VARCHAR(32),
	IN p_status VARCHAR(32),
	IN p_uptime BIGINT)
	MODIFIES SQL DATA
	SQL SECURITY INVOKER
BEGIN
	DECLARE v_client CHAR(36) DEFAULT NULL;
	DECLARE v_token_agent CHAR(36) DEFAULT NULL;
	DECLARE v_kind VARCHAR(16) DEFAULT NULL;
	DECLARE v_agent_client CHAR(36) DEFAULT NULL;
	DECLARE v_role VARCHAR(16) DEFAULT NULL;
	DECLARE v_came_online INT DEFAULT 0;
	DECLARE CONTINUE HANDLER FOR NOT FOUND BEGIN END;

	SELECT t.client_id, t.agent_id, t.kind INTO v_client, v_token_agent, v_kind
	FROM client_tokens t JOIN clients c ON c.id = t.client_id
	WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL
		AND (t.expires_at IS NULL OR t.expires_at > UTC_TIMESTAMP(3)) AND c.is_active;

	IF v_client IS NULL THEN
		SELECT 'unauthorized', NULL, NULL, NULL, 0, NULL;
	ELSE
		SELECT a.client_id INTO v_agent_client FROM agents a WHERE a.id = p_agent_id;
		IF v_agent_client IS NULL OR v_agent_client <> v_client
				OR (v_kind = 'agent' AND (v_token_agent IS NULL OR v_token_agent <> p_agent_id)) THEN
			SELECT 'no_agent', NULL, NULL, NULL, 0, v_client;
		ELSE
			SELECT i.role INTO v_role FROM instances i WHERE i.id = p_instance_id AND i.agent_id = p_agent_id;
			IF v_role IS NULL THEN
				SELECT 'no_instance', NULL, NULL, NULL, 0, v_client;
			ELSE
				UPDATE instances SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = p_status,
					uptime_seconds = p_uptime
				WHERE id = p_instance_id;
				IF v_role = 'primary' THEN
					UPDATE agents SET status = 'online', last_heartbeat_at = UTC_TIMESTAMP(3),
						reported_status = p_status
					WHERE id = p_agent_id AND status = 'offline';
					SET v_came_online = ROW_COUNT();
					IF v_came_online = 0 THEN
						UPDATE agents SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = p_status
						WHERE id = p_agent_id;
					END IF;
				END IF;
				SELECT 'ok', v_role, a.config_version,
					(SELECT COUNT(*) FROM commands c WHERE c.agent_id = p_agent_id AND c.status = 'pending'
						AND c.expires_at > UTC_TIMESTAMP(3)
						AND (c.instance_id = p_instance_id OR (c.instance_id IS NULL AND v_role = 'primary'))),
					v_came_online, v_client
				FROM agents a WHERE a.id = p_agent_id;
			END IF;
		END IF;
	END IF;
END;
