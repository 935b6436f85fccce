"""app.py - the Flask peer of the heartbeat endpoint: the comparison point of bench/heartbeat.sh.

Run by bench/heartbeat.sh with Debian's packages (python3-flask, gunicorn, python3-mysqldb):

    SPOT_DB_SOCKET=... SPOT_DB_USER=spot SPOT_DB_PASSWORD=... SPOT_DB_NAME=spot \
    /usr/bin/python3 /usr/bin/gunicorn --workers 2 --worker-class sync \
        --bind unix:DIR/run/bench/flask.sock --chdir bench/flask_peer app:app

behind the stack's nginx and TLS (`location /flask/api/agents/` proxy_pass to the socket,
the /flask prefix stripped). The same work as spot-fcgi's heartbeat without X-Request-ID
(core/agents.c agents_heartbeat_token, statements of core/db_agents.c) when it has no
remembered answer (the C workers' memo, migration 0017, is not reproduced here: this peer is
the straightforward implementation): validate the JSON body as fcgi-app/agent_api.c does,
SHA-256 the bearer token, then the full path's statements in the same order on every
heartbeat, on a persistent connection per worker (autocommit and CLIENT_FOUND_ROWS, as the C
workers):
  1. SQL_HB_FAST_STATE, one non-locking SELECT that checks the token (client_tokens JOIN
     clients JOIN instances JOIN agents: live token, active client, the agent's own token or
     its client's) and reads the answer: role, agent status, config_version, client_id,
     whether the agent row is older than 300 s (AGENT_LIVENESS_WRITE_S), pending commands
     (the C text without its last two columns, hb_gen and how long the answer holds, which
     only a memo needs).
     No row: the token or the instance is wrong, and a token lookup says which, for 401 or
     404, as agents_heartbeat_why;
  2. SQL_HB_INSTANCE, the heartbeat's write by primary key (UPDATE instances SET
     last_heartbeat_at, reported_status, uptime_seconds WHERE id = ? AND agent_id = ?);
  3. only when the instance is the primary and that agent row is stale or offline: the
     agent row's UPDATE (SQL_HB_ONLINE, the offline->online one, first, then SQL_HB_AGENT).
The same JSON answer and status codes (200, 400, 401, 404, 415, 503). The rare
offline->online transition would also write an audit row and a notification in C; the
bench fleet is online, so that path is not taken here. MySQLdb interpolates parameters
on the client (no server-side prepared statements); the statement texts are the C ones.
"""
import hashlib
import os
import re

import MySQLdb
from MySQLdb.constants import CLIENT
from flask import Flask, jsonify, request

app = Flask(__name__)
_conn = None  # one per worker process, opened on first use (gunicorn forks before that)
_INSTANCE = re.compile(r"^i-([0-9a-f]{8}|[0-9a-f]{17})$")
_WORD = re.compile(r"^[a-z0-9_-]+$")
_STALE_S = 300  # core/agents.h AGENT_LIVENESS_WRITE_S

# core/db_agents.c SQL_HB_FAST_STATE, SQL_HB_INSTANCE, SQL_HB_ONLINE, SQL_HB_AGENT (placeholders as %s).
SQL_HB_FAST_STATE = (
    "SELECT i.role, a.status, a.config_version, a.client_id, "
    "a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < UTC_TIMESTAMP(3) - INTERVAL %s SECOND, "
    "(SELECT COUNT(*) FROM commands c WHERE c.agent_id = a.id AND "
    "(c.status = 'pending' OR (c.status = 'acked' AND c.acked_at < UTC_TIMESTAMP(3) - INTERVAL 60 SECOND)) "
    "AND c.expires_at > UTC_TIMESTAMP(3) AND (c.instance_id = i.id OR (c.instance_id IS NULL AND i.role = 'primary'))), "
    "t.id, t.last_used_at IS NULL OR t.last_used_at < UTC_TIMESTAMP(3) - INTERVAL %s SECOND "
    "FROM client_tokens t JOIN clients k ON k.id = t.client_id AND k.is_active "
    "JOIN instances i ON i.id = %s AND i.agent_id = %s AND i.client_id = t.client_id "
    "JOIN agents a ON a.id = i.agent_id "
    "WHERE t.token_hash = %s AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > UTC_TIMESTAMP(3)) "
    "AND (t.kind = 'client' OR t.agent_id = i.agent_id)")
# core/auth.c SQL_AUTH_TOUCH: the token's last_used_at, at most once per AUTH_TOUCH_S.
SQL_TOUCH = ("UPDATE client_tokens SET last_used_at = UTC_TIMESTAMP(3) WHERE id = %s "
             "AND (last_used_at IS NULL OR last_used_at < UTC_TIMESTAMP(3) - INTERVAL %s SECOND)")
_TOUCH_S = 3600  # core/auth.h AUTH_TOUCH_S
SQL_HB_INSTANCE = ("UPDATE instances SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = %s, uptime_seconds = %s "
                   "WHERE id = %s AND agent_id = %s")
SQL_HB_ONLINE = ("UPDATE agents SET status = 'online', last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = %s "
                 "WHERE id = %s AND status = 'offline'")
SQL_HB_AGENT = "UPDATE agents SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = %s WHERE id = %s"
# Why no row came back (rare): the token's principal, then the agent's client.
SQL_TOKEN = ("SELECT t.kind, t.agent_id, t.client_id FROM client_tokens t JOIN clients c ON c.id = t.client_id "
             "WHERE t.token_hash = %s AND t.revoked_at IS NULL "
             "AND (t.expires_at IS NULL OR t.expires_at > UTC_TIMESTAMP(3)) AND c.is_active")
SQL_AGENT_CLIENT = "SELECT client_id FROM agents WHERE id = %s"


def db():
    global _conn
    if _conn is None:
        _conn = MySQLdb.connect(unix_socket=os.environ["SPOT_DB_SOCKET"], user=os.environ.get("SPOT_DB_USER", "spot"),
                                passwd=os.environ["SPOT_DB_PASSWORD"], db=os.environ.get("SPOT_DB_NAME", "spot"),
                                charset="utf8mb4", autocommit=True, client_flag=CLIENT.FOUND_ROWS)
    return _conn


def error(status, code, message, field=None):
    e = {"code": code, "message": message}
    if field is not None:
        e["field"] = field
    return jsonify({"error": e}), status


@app.post("/api/agents/<agent_id>/heartbeat")
def heartbeat(agent_id):
    global _conn
    if not request.is_json:
        return error(415, "unsupported_media_type", "send application/json", "Content-Type")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "validation_failed", "the body is not a JSON object", "body")
    inst, status, uptime = body.get("instance_id"), body.get("status"), body.get("uptime_seconds", -1)
    if not isinstance(inst, str) or not _INSTANCE.match(inst):
        return error(400, "validation_failed", "is not an EC2 instance id (i- and 8 or 17 hex digits)", "instance_id")
    if not isinstance(status, str) or not 1 <= len(status) <= 32 or not _WORD.match(status):
        return error(400, "validation_failed", "must be a status word like running", "status")
    if isinstance(uptime, bool) or not isinstance(uptime, int) or uptime > 100 * 365 * 86400:
        return error(400, "validation_failed", "must be a whole number of seconds", "uptime_seconds")
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer ") or len(auth) < 8:
        r = error(401, "unauthorized", "a valid bearer token is required", "Authorization")
        r[0].headers["WWW-Authenticate"] = "Bearer"
        return r
    token_hash = hashlib.sha256(auth[7:].encode()).digest()
    outcome, row = "ok", None
    try:
        cur = db().cursor()
        cur.execute(SQL_HB_FAST_STATE, (_STALE_S, _TOUCH_S, inst, agent_id, token_hash))
        row = cur.fetchone()
        if row is None:
            cur.execute(SQL_TOKEN, (token_hash,))
            tok = cur.fetchone()
            if tok is None:
                outcome = "unauthorized"
            elif tok[0] == "agent" and tok[1] != agent_id:
                outcome = "no_agent"
            else:
                cur.execute(SQL_AGENT_CLIENT, (agent_id,))
                ag = cur.fetchone()
                outcome = "no_agent" if ag is None or ag[0] != tok[2] else "no_instance"
        else:
            cur.execute(SQL_HB_INSTANCE, (status, uptime if uptime >= 0 else None, inst, agent_id))
            if row[7]:
                cur.execute(SQL_TOUCH, (row[6], _TOUCH_S))
            if row[0] == "primary" and (row[4] or row[1] == "offline"):
                if cur.execute(SQL_HB_ONLINE, (status, agent_id)) == 0:
                    cur.execute(SQL_HB_AGENT, (status, agent_id))
        cur.close()
    except MySQLdb.Error:
        try:
            _conn.close()
        except Exception:
            pass
        _conn = None
        r = error(503, "db_unavailable", "the database is not answering; retry later")
        r[0].headers["Retry-After"] = "2"
        return r
    if outcome == "unauthorized":
        r = error(401, "unauthorized", "a valid bearer token is required", "Authorization")
        r[0].headers["WWW-Authenticate"] = "Bearer"
        return r
    if outcome == "no_agent":
        return error(404, "not_found", "no such agent")
    if outcome != "ok":
        return error(404, "not_found", "this instance is not registered to this agent; register first", "instance_id")
    role, _status, config_version, _client, _stale, pending, _token_id, _token_due = row
    return jsonify({"role": role, "pending_commands": int(pending), "config_version": int(config_version)})
