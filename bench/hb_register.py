#!/usr/bin/python3
"""hb_register.py - the fleet for bench/heartbeat.sh, registered through the API.

    /usr/bin/python3 bench/hb_register.py --url https://127.0.0.1:PORT --cafile CERT \
        --admin-token TOKEN --agents 10000 --parallel 8 --out FILE

Creates one client through POST /api/admin/clients (max_agents = --agents), then
registers --agents agents through POST /api/agents/register with that client's
token, each with its own logical id and EC2-shaped instance id, over --parallel
keep-alive TLS connections (one per thread). Writes FILE with one line per agent:

    agent_id instance_id agent_token sha256_hex(agent_token)

which bench/heartbeat.lua, bench/pricing.lua and bench-db-ceiling read. Prints
the client id and how long registration took. Standard library only.
"""
import argparse
import hashlib
import http.client
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse


def connect(url, ctx):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=30)


def call(conn, method, path, token, body):
    data = json.dumps(body).encode()
    conn.request(method, path, body=data, headers={
        "Authorization": "Bearer " + token,
        "Content-Type": "application/json",
    })
    r = conn.getresponse()
    return r.status, r.read()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--cafile", required=True)
    ap.add_argument("--admin-token", required=True)
    ap.add_argument("--agents", type=int, default=10000)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    ctx = ssl.create_default_context(cafile=a.cafile)
    conn = connect(a.url, ctx)
    tag = os.urandom(4).hex()
    st, body = call(conn, "POST", "/api/admin/clients", a.admin_token,
                    {"name": "bench-hb-" + tag, "email": "bench-hb-%s@example.test" % tag,
                     "max_agents": a.agents})
    if st != 201:
        sys.exit("creating the client answered %d: %s" % (st, body[:300]))
    client = json.loads(body)
    client_id, client_token = client["id"], client["client_token"]
    conn.close()

    results = [None] * a.agents
    errors = []
    next_i = [0]
    lock = threading.Lock()
    azs = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    types = ["t3.medium", "m5.large", "c5.large", "r5.large"]

    def worker():
        c = connect(a.url, ctx)
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= a.agents or errors:
                break
            inst = "i-%s%09x" % (tag, i)  # i- and 17 hex digits
            body = {"logical_agent_id": "bench-%s-%05d" % (tag, i), "hostname": "bench-%05d" % i,
                    "instance_id": inst, "instance_type": types[i % 4], "region": "us-east-1",
                    "az": azs[i % 4], "mode": "spot", "agent_version": "bench"}
            for attempt in range(3):
                try:
                    st, rb = call(c, "POST", "/api/agents/register", client_token, body)
                    break
                except (http.client.HTTPException, OSError):
                    c.close()
                    c = connect(a.url, ctx)
                    if attempt == 2:
                        raise
            if st not in (200, 201):
                with lock:
                    errors.append("agent %d: HTTP %d %s" % (i, st, rb[:300]))
                break
            r = json.loads(rb)
            tok = r["agent_token"]
            results[i] = (r["agent_id"], inst, tok, hashlib.sha256(tok.encode()).hexdigest())
        c.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    if errors:
        sys.exit("registration failed: " + errors[0])
    with open(a.out + ".tmp", "w") as f:
        for r in results:
            f.write(" ".join(r) + "\n")
    os.replace(a.out + ".tmp", a.out)
    print("client %s: registered %d agents through the API in %.1f s (%.0f/s, %d connections)"
          % (client_id, a.agents, secs, a.agents / secs, a.parallel))


if __name__ == "__main__":
    main()
