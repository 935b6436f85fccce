#!/usr/bin/python3
"""botocore_compare.py - the agent's SigV4 against botocore's, request by request.

Runs sigv4-sign-cases (the agent's encoder and common/sigv4) on CASES.json, then signs the
same requests with botocore (Debian's python3-botocore under /usr/bin/python3):
AWSRequest + SigV4Auth(credentials, "ec2", region).add_auth, with the clock fixed at the
case's time. The body (POST) or query (GET) is built by botocore's own encoder
(botocore.utils.percent_encode_sequence, what its query serializer uses), so both sides'
encoding is compared too, then X-Amz-Date, X-Amz-Security-Token and Authorization.
A control case with a wrong secret must differ, so the comparison cannot pass vacuously.

    /usr/bin/python3 botocore_compare.py SIGV4_SIGN_CASES CASES.json
"""
import datetime
import json
import subprocess
import sys
import types

import botocore
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence

CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


def freeze(ms):
    """botocore.auth reads datetime.datetime.utcnow(): answer the case's time."""
    fixed = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)

    class Frozen(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

        @classmethod
        def now(cls, tz=None):
            return fixed if tz is None else fixed.replace(tzinfo=datetime.timezone.utc)

    mod = types.ModuleType("datetime")
    mod.__dict__.update(datetime.__dict__)
    mod.datetime = Frozen
    botocore.auth.datetime = mod
    if hasattr(botocore.auth, "get_current_datetime"):  # newer botocore
        botocore.auth.get_current_datetime = lambda: fixed


def boto_sign(case, secret=None):
    freeze(case["time_ms"])
    encoded = percent_encode_sequence(case["params"])
    creds = Credentials(case["key"], secret or case["secret"], case["token"])
    if case["method"] == "POST":
        req = AWSRequest(method="POST", url=case["endpoint"] + "/", data=encoded,
                         headers={"Content-Type": CONTENT_TYPE})
        target, body = "/", encoded
    else:
        req = AWSRequest(method="GET", url=case["endpoint"] + "/?" + encoded)
        target, body = "/?" + encoded, ""
    SigV4Auth(creds, "ec2", case["region"]).add_auth(req)
    return {
        "name": case["name"],
        "body": body,
        "target": target,
        "amz_date": req.headers["X-Amz-Date"],
        "security_token": req.headers.get("X-Amz-Security-Token", ""),
        "authorization": req.headers["Authorization"],
    }


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    prog, cases_file = sys.argv[1], sys.argv[2]
    cases = json.load(open(cases_file, encoding="utf-8"))
    run = subprocess.run([prog, cases_file], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit("sigv4-sign-cases failed (%d): %s" % (run.returncode, run.stderr.strip()))
    ours = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    if len(ours) != len(cases):
        sys.exit("sigv4-sign-cases signed %d of %d cases" % (len(ours), len(cases)))
    print("botocore %s (%s)" % (botocore.__version__, botocore.__file__))
    failed = 0
    for case, mine in zip(cases, ours):
        theirs = boto_sign(case)
        bad = [k for k in ("name", "body", "target", "amz_date", "security_token", "authorization")
               if mine[k] != theirs[k]]
        if bad:
            failed += 1
            print("FAIL %s" % case["name"])
            for k in bad:
                print("  %s\n    agent:    %r\n    botocore: %r" % (k, mine[k], theirs[k]))
        else:
            print("ok   %-45s %s" % (case["name"], mine["authorization"].rsplit("Signature=", 1)[1]))
        # control: botocore with another secret gives another signature
        if boto_sign(case, secret=case["secret"] + "x")["authorization"] == mine["authorization"]:
            failed += 1
            print("FAIL %s: a wrong secret gave the same signature" % case["name"])
    print("%d of %d requests signed identically" % (len(cases) - failed, len(cases)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
