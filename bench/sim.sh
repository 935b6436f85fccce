#!/usr/bin/env bash
# sim.sh - the spot-sim benchmark (issue 4): 1,000 simulated instances launched through the EC2
# API, then the load of 1,000 agents against the simulator for DURATION seconds:
#   IMDS: each agent every 2 s: PUT /latest/api/token, GET spot/instance-action,
#         GET events/recommendations/rebalance   (1,500 req/s for 1,000 agents)
#   EC2:  each agent every 60 s: a SigV4-signed DescribeSpotPriceHistory (its types,
#         Linux/UNIX, the last hour)              (16.7 req/s)
# paced by wrk's delay() (no agent processes: SPOT_SIM_AGENT_CMD=none). Measures the
# simulator's CPU (utime+stime from /proc/PID/stat) over the run; target: under a third of one core.
#
#   bash bench/sim.sh [--build DIR] [--instances N] [--duration S] [--out FILE] [--no-results]
# (defaults: $SPOT_BUILD_DIR or ./build, 1000, 30 s, bench/RESULTS.md). Writes its section of
# RESULTS.md between the "spot-sim benchmark" markers, leaving the other sections alone.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SPOT_BUILD_DIR:-$SRC/build} N=1000 DURATION=30 OUT=$SRC/bench/RESULTS.md WRITE=1
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=${2:?}; shift 2 ;;
    --instances) N=${2:?}; shift 2 ;;
    --duration) DURATION=${2:?}; shift 2 ;;
    --out) OUT=${2:?}; shift 2 ;;
    --no-results) WRITE=0; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sim.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $N =~ ^[0-9]+$ && $N -ge 10 && $N -le 10000 ]] || { echo "sim.sh: --instances 10..10000" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 5 ]] || { echo "sim.sh: --duration: at least 5 s" >&2; exit 2; }
[ -x "$BUILD/spot-sim" ] || { echo "sim.sh: $BUILD/spot-sim is missing (build first)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "sim.sh: wrk is missing" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spot-bench-sim.XXXXXX")
SIM_PID=""
cleanup() {
  [ -z "$SIM_PID" ] || { kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; }
  rm -rf "$TMP"
}
trap cleanup EXIT
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
export AWS_ACCESS_KEY_ID=AKIABENCHSIM00000001 AWS_SECRET_ACCESS_KEY=bench-sim-secret-00000000000000000000000
SPOT_SIM_LISTEN=127.0.0.1:$PORT SPOT_SIM_AGENT_CMD=none SPOT_SIM_AGENT_DIR=$TMP/agents SPOT_SIM_CAPACITY=$N \
  SPOT_SIM_BOOT_DELAY=0 SPOT_SIM_INTERRUPTION_FACTOR=0 SPOT_SIM_SEED=1 \
  SPOT_SIM_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID SPOT_SIM_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  "$BUILD/spot-sim" > "$TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do curl -sf "$URL/_sim/clock" -o /dev/null && break; sleep 0.1; done
curl -sf "$URL/_sim/clock" -o /dev/null || { cat "$TMP/sim.log" >&2; exit 1; }

# Launch through the API (botocore-signed RunInstances, 100 at a time), fetch one IMDSv2 token per
# instance, pre-sign the DescribeSpotPriceHistory calls; write both wrk scripts.
/usr/bin/python3 - "$URL" "$N" "$TMP" "$DURATION" <<'PY'
import json, os, sys, time, urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, n, tmp, duration = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
def signed(body):
    req = AWSRequest(method="POST", url=url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(creds, "ec2", "us-east-1").add_auth(req)
    return dict(req.headers.items())
def call(body):
    r = urllib.request.Request(url + "/", data=body.encode(), method="POST", headers=signed(body))
    with urllib.request.urlopen(r, timeout=30) as resp:
        return resp.read().decode()
types = ["m5.large", "c5.large", "r5.large", "m6i.large", "c6i.large"]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
left, k = n, 0
while left > 0:
    c = min(100, left)
    call("Action=RunInstances&Version=2016-11-15&ImageId=ami-0a1b2c3d4e5f60001&MinCount=%d&MaxCount=%d"
         "&InstanceType=%s&Placement.AvailabilityZone=%s&InstanceMarketOptions.MarketType=spot" % (c, c, types[k % 5], zones[k % 3]))
    left -= c; k += 1
for _ in range(100):
    inst = json.load(urllib.request.urlopen(url + "/_sim/instances"))
    if sum(1 for i in inst if i["state"] == "running") >= n: break
    time.sleep(0.2)
ids = [i["id"] for i in inst if i["state"] == "running"]
assert len(ids) >= n, "only %d running" % len(ids)
tokens = []
for i in ids:
    r = urllib.request.Request(url + "/imds/%s/latest/api/token" % i, method="PUT",
                               headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
    tokens.append(urllib.request.urlopen(r).read().decode())
def lua(s): return json.dumps(s)  # a JSON string is a valid Lua string literal for these characters
with open(os.path.join(tmp, "imds.lua"), "w") as f:
    f.write("agents = {\n" + ",\n".join("{%s,%s}" % (lua("/imds/" + i), lua(t)) for i, t in zip(ids, tokens)) + "}\n")
start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
with open(os.path.join(tmp, "ec2.lua"), "w") as f:
    f.write("calls = {\n")
    for k in range(50):
        body = ("Action=DescribeSpotPriceHistory&Version=2016-11-15&InstanceType.1=%s&InstanceType.2=%s"
                "&ProductDescription.1=Linux%%2FUNIX&StartTime=%s" % (types[k % 5], types[(k + 1) % 5], start.replace(":", "%3A")))
        h = signed(body)
        h.pop("Host", None)
        f.write("{%s,{%s}},\n" % (lua(body), ",".join("[%s]=%s" % (lua(a), lua(b)) for a, b in h.items())))
    f.write("}\n")
print("launched %d instances, %d tokens" % (len(ids), len(tokens)))
PY

# IMDS: 3 requests per agent per 2 s; EC2: 1 per agent per 60 s. delay() paces each connection.
IMDS_RATE=$((N * 3 / 2)) IMDS_CONNS=50 EC2_CONNS=4
cat > "$TMP/imds_run.lua" <<LUA
dofile("$TMP/imds.lua")
local step, n = 0, 0
function init(args) n = math.random(#agents) * 3 end
function delay() return $((1000 * IMDS_CONNS)) / $IMDS_RATE end
function request()
  n = n + 1
  local a = agents[(math.floor(n / 3) % #agents) + 1]
  local k = n % 3
  if k == 0 then
    return wrk.format("PUT", a[1] .. "/latest/api/token", {["X-aws-ec2-metadata-token-ttl-seconds"] = "21600"})
  elseif k == 1 then
    return wrk.format("GET", a[1] .. "/latest/meta-data/spot/instance-action", {["X-aws-ec2-metadata-token"] = a[2]})
  end
  return wrk.format("GET", a[1] .. "/latest/meta-data/events/recommendations/rebalance", {["X-aws-ec2-metadata-token"] = a[2]})
end
LUA
cat > "$TMP/ec2_run.lua" <<LUA
dofile("$TMP/ec2.lua")
local n = 0
function init(args) n = math.random(#calls) end
function delay() return $((1000 * EC2_CONNS * 60)) / $N end
function request()
  n = n + 1
  local c = calls[(n % #calls) + 1]
  c[2]["Host"] = "127.0.0.1:$PORT"
  return wrk.format("POST", "/", c[2], c[1])
end
function done(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.read + summary.errors.connect + summary.errors.timeout))
end
LUA
cpu() { awk '{print $14 + $15}' "/proc/$SIM_PID/stat"; }
TCK=$(getconf CLK_TCK)
c0=$(cpu); t0=$(date +%s.%N)
wrk -t2 -c$IMDS_CONNS -d"${DURATION}s" --latency -s "$TMP/imds_run.lua" "$URL" > "$TMP/wrk-imds.txt" 2>&1 &
W1=$!
wrk -t1 -c$EC2_CONNS -d"${DURATION}s" --latency -s "$TMP/ec2_run.lua" "$URL" > "$TMP/wrk-ec2.txt" 2>&1 &
W2=$!
wait $W1 $W2
c1=$(cpu); t1=$(date +%s.%N)
# IMDS answers 404 to instance-action and rebalance until a notice: count by status from the sim's log.
ok_imds=$(grep -c ' /imds/.* 200 ' "$TMP/sim.log" || true)
nf_imds=$(grep -c ' /imds/.* 404 ' "$TMP/sim.log" || true)
ok_ec2=$(grep -c 'ec2 DescribeSpotPriceHistory .* ok ' "$TMP/sim.log" || true)
bad_ec2=$(grep 'ec2 DescribeSpotPriceHistory' "$TMP/sim.log" | grep -vc ' ok ' || true)
wall=$(echo "$t1 - $t0" | bc -l)
cpu_s=$(echo "($c1 - $c0) / $TCK" | bc -l)
share=$(echo "$cpu_s / $wall" | bc -l)
imds_rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk-imds.txt")
ec2_rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk-ec2.txt")
verdict=$(echo "$share < 0.3333" | bc -l | sed 's/1/met/; s/0/NOT met/')
summary=$(printf '| %s | %d | %s | %s | %.2f s over %.1f s | **%.1f%% of one core** | %s |' \
  "$(date -u +%Y-%m-%dT%H:%MZ)" "$N" "$imds_rps" "$ec2_rps" "$cpu_s" "$wall" "$(echo "$share * 100" | bc -l)" "$verdict")
echo "$summary"
echo "IMDS answers: $ok_imds 200, $nf_imds 404 (no notice yet); DescribeSpotPriceHistory: $ok_ec2 ok, $bad_ec2 errors"
[ "$bad_ec2" = 0 ] || { grep 'ec2 DescribeSpotPriceHistory' "$TMP/sim.log" | grep -v ' ok ' | head -3 >&2; echo "sim.sh: EC2 errors" >&2; exit 1; }
[ "$WRITE" = 1 ] || exit 0
section=$TMP/section.md
{
  echo "<!-- spot-sim benchmark: written by bench/sim.sh -->"
  echo "## spot-sim: 1,000 agents' IMDS and EC2 polling (issue 4)"
  echo
  echo "\`bash bench/sim.sh --build BUILD --instances $N --duration $DURATION\`: one spot-sim (SPOT_SIM_AGENT_CMD=none, no"
  echo "interruptions), $N spot instances launched by signed RunInstances, then for ${DURATION} s, paced by wrk's delay():"
  echo "IMDS at $N agents every 2 s (PUT token, GET spot/instance-action, GET events/recommendations/rebalance: $IMDS_RATE req/s on"
  echo "$IMDS_CONNS connections) and SigV4-signed DescribeSpotPriceHistory (2 types, Linux/UNIX, the last hour) at $N agents"
  echo "every 60 s ($EC2_CONNS connections). CPU = the simulator's utime+stime from /proc/PID/stat over the run"
  echo "(its one log line per call, to a file, included). Target: under a third of one core."
  echo
  echo "| when | instances | IMDS req/s | EC2 req/s | simulator CPU | share | target |"
  echo "|---|---|---|---|---|---|---|"
  echo "$summary"
  echo
  echo "IMDS answers: $ok_imds 200, $nf_imds 404 (instance-action and rebalance before any notice); DescribeSpotPriceHistory: $ok_ec2 ok, $bad_ec2 errors."
  echo
  echo "### Raw wrk output"
  echo '```'
  echo "# IMDS"; cat "$TMP/wrk-imds.txt"; echo "# EC2"; cat "$TMP/wrk-ec2.txt"
  echo '```'
  echo "<!-- end spot-sim benchmark -->"
} > "$section"
if grep -q '^<!-- spot-sim benchmark' "$OUT" 2>/dev/null; then
  awk -v f="$section" '/^<!-- spot-sim benchmark/ { while ((getline l < f) > 0) print l; skip = 1; next }
    /^<!-- end spot-sim benchmark -->/ { skip = 0; next } !skip' "$OUT" > "$TMP/out.md"
  cat "$TMP/out.md" > "$OUT"
else
  { echo; cat "$section"; } >> "$OUT"
fi
echo "wrote $OUT"
