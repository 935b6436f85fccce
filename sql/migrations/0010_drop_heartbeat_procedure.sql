-- 0010_drop_heartbeat_procedure.sql - the heartbeat no longer calls a procedure.
--
-- Measured (bench/RESULTS.md): spot_heartbeat cost mariadbd about 440 us per
-- call against about 90 us for a single prepared UPDATE; the statement-by-
-- statement overhead inside the procedure outweighed the round trips it
-- saved. The heartbeat is now one UPDATE that checks the token in its join,
-- then one SELECT for the answer (core/db_agents.c).
DROP PROCEDURE IF EXISTS spot_heartbeat;
