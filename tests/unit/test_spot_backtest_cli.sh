#!/usr/bin/env bash
# test_spot_backtest_cli.sh - spot-backtest and spot-train as commands (issue 8): the --json object and
# its keys, determinism, the SVG, refusals with exit code 2 and a message naming the field, and a
# model spot-train writes loading in spot-backtest. Arguments: BIN_DIR SHARED_DIR.
set -euo pipefail
BIN=${1:?build directory}
SHARED=${2:?shared directory}
CSV=$SHARED/testdata/spot-prices/real/us-east-1_2012-12-31_2013-01-15_linux-unix.csv
JSON=$SHARED/testdata/spot-prices/us-west-2_2013-03_spot-price-history.json
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$BIN/spot-backtest" --prices "$CSV" "$JSON" --json >"$T/a.json"
"$BIN/spot-backtest" --prices "$CSV" "$JSON" --json >"$T/b.json"
cmp -s "$T/a.json" "$T/b.json" || fail "two runs differ"
python3 - "$T/a.json" <<'PY' || fail "json checks"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("ondemand_cost", "model_cost", "cheapest_spot_cost", "oracle_cost", "switches", "exposed_hours"):
    assert k in d, k
assert isinstance(d["switches"], int) and d["switches"] > 0
assert 0 < d["cheapest_spot_cost"] <= d["oracle_cost"] + 1e-9 <= d["ondemand_cost"]
assert d["model_cost"] < d["ondemand_cost"]
assert len(d["types"]) == 19, len(d["types"])
assert d["model"] == "rules-v1"
PY

"$BIN/spot-backtest" --prices "$CSV" --svg "$T/c.svg" >"$T/table.txt"
grep -q '^total ' "$T/table.txt" || fail "no total row"
grep -q '<svg' "$T/c.svg" && grep -q '<polyline' "$T/c.svg" || fail "svg"
[ "$(grep -o '<polyline' "$T/c.svg" | wc -l)" -eq 4 ] || fail "four lines"

# refusals: exit 2, the field named
printf '{"schema":"spot-model/1","name":"x","version":"1","engine":"logreg","features":["nope"]}' >"$T/bad.json"
set +e
"$BIN/spot-backtest" --prices "$CSV" --model "$T/bad.json" 2>"$T/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "features\[0\]: unknown feature 'nope'" "$T/err" || fail "bad model: rc $rc $(cat "$T/err")"
printf 'timestamp,availability_zone,instance_type,product_description,spot_price\n2013-01-01T00:00:00Z,us-east-1a,m1.small,Linux/UNIX,x\n' >"$T/bad.csv"
set +e
"$BIN/spot-backtest" --prices "$T/bad.csv" 2>"$T/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "line 2: spot_price" "$T/err" || fail "bad csv: rc $rc $(cat "$T/err")"
set +e
"$BIN/spot-backtest" --prices "$CSV" --overlap-minutes -3 2>"$T/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "overlap-minutes" "$T/err" || fail "bad overlap"

# --ondemand replaces the catalog: only the listed type is simulated
printf 'region,instance_type,price\nus-east-1,m1.small,0.06\n' >"$T/od.csv"
"$BIN/spot-backtest" --prices "$CSV" --ondemand "$T/od.csv" --json >"$T/od.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [t["instance_type"] for t in d["types"]]==["m1.small"]; assert abs(d["types"][0]["ondemand_price"]-0.06)<1e-9' "$T/od.json" || fail "ondemand"

# a trained model loads and replays
"$BIN/spot-train" --prices "$CSV" "$JSON" --iterations 200 --out "$T/m.json" 2>"$T/train.txt"
grep -q "held-out" "$T/train.txt" || fail "train report"
"$BIN/spot-backtest" --prices "$JSON" --model "$T/m.json" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["model"]=="logreg-v1"' || fail "trained model"
echo "ok"
