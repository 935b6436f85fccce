"""app.py - the Flask peer of the heartbeat endpoint: the comparison point of bench/heartbeat.sh.

Run by bench/heartbeat.sh with Debian's packages (python3-flask, gunicorn, python3-mysqldb):

    SPOT_DB_SOCKET=... SPOT_DB_USER=spot SPOT_DB_PASSWORD=... SPOT_DB_NAME=spot \
    /usr/bin/python3 /usr/bin/gunicorn --workers 2 --worker-class sync \
        --bind unix:DIR/run/bench/flask.sock --chdir bench/flask_peer app:app

behind the stack's nginx and TLS (`location /flask/api/agents/` proxy_pass to the socket,
the /flask prefix stripped). The same work as spot-fcgi's heartbeat without X-Request-ID:
validate the JSON body as fcgi-app/agent_api.c does, SHA-256 the bearer token, and one
statement, CALL spot_heartbeat(token_sha256, agent_id, instance_id, status, uptime)
(sql/migrations/0009), on a persistent connection per worker (autocommit, as the C
workers); the same JSON answer and status codes (200, 400, 401, 404, 415, 503). The rare
offline->online transition (came_online = 1) would also write an audit row and a
notification in C; the bench fleet is online, so that path is not taken here.
"""
import hashlib
import os
import re

import MySQLdb
from flask import Flask, jsonify, request

app = Flask(__name__)
_conn = None  # one per worker process, opened on first use (gunicorn forks before that)
_INSTANCE = re.compile(r"^i-([0-9a-f]{8}|[0-9a-f]{17})$")
_WORD = re.compile(r"^[a-z0-9_-]+$")


def db():
    global _conn
    if _conn is None:
        _conn = MySQLdb.connect(unix_socket=os.environ["SPOT_DB_SOCKET"], user=os.environ.get("SPOT_DB_USER", "spot"),
                                passwd=os.environ["SPOT_DB_PASSWORD"], db=os.environ.get("SPOT_DB_NAME", "spot"),
                                charset="utf8mb4", autocommit=True)
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
    try:
        cur = db().cursor()
        cur.execute("CALL spot_heartbeat(%s, %s, %s, %s, %s)",
                    (token_hash, agent_id, inst, status, uptime if uptime >= 0 else None))
        row = cur.fetchone()
        while cur.nextset():  # the CALL's status result
            pass
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
    outcome, role, config_version, pending, _came_online, _client = row
    if outcome == "unauthorized":
        r = error(401, "unauthorized", "a valid bearer token is required", "Authorization")
        r[0].headers["WWW-Authenticate"] = "Bearer"
        return r
    if outcome == "no_agent":
        return error(404, "not_found", "no such agent")
    if outcome != "ok":
        return error(404, "not_found", "this instance is not registered to this agent; register first", "instance_id")
    return jsonify({"role": role, "pending_commands": int(pending), "config_version": int(config_version)})
