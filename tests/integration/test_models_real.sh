# test_models_real.sh - a model trained by spot-train on a real spot price trace
# (../shared/testdata/spot-prices/real/, us-east-1, Linux/UNIX), uploaded and validated through the admin API
# on days of the same trace it never saw: models_realtrace.py loads the trace's last 4 days into
# pricing_canonical (resampled to 5 minutes, shifted to end now) and hands spot-train only the records
# before them. The verdict is whatever the data say: validated (200) or invalid with the failing check named
# (422); either way the metrics hold the held-out AUC on real prices and the replay against rules-v1.
. "$(dirname "$0")/harness.sh"
it_env
JSON=(-H 'Content-Type: application/json')
BUILTIN=00000000-0000-4000-8000-000000000001
TRACE=${SPOT_SHARED_DIR:-/work/shared}/testdata/spot-prices/real/us-east-1_2012-12-31_2013-01-15_linux-unix.csv
[ -f "$TRACE" ] || fail "no real trace at $TRACE"
cleanup() {
  sql "DELETE FROM pricing_canonical WHERE pool_id LIKE 'realtrace.%'; DELETE FROM spot_pools WHERE id LIKE 'realtrace.%';
       UPDATE ml_models SET status = 'retired' WHERE status = 'active'; UPDATE ml_models SET status = 'validated' WHERE id = '$BUILTIN'" \
    >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup

note "$(python3 "$SRC/tests/integration/models_realtrace.py" "$TRACE" 4 "$IT_TMP/rt.sql" "$IT_TMP/train.csv")"
db_root spot < "$IT_TMP/rt.sql" || fail "loading the trace into pricing_canonical"
N=$(sql "SELECT COUNT(*) FROM pricing_canonical WHERE pool_id LIKE 'realtrace.%' AND ondemand_price > 0")
[ "$N" -gt 30000 ] || fail "only $N canonical rows with an on-demand price"

TAG=$(openssl rand -hex 3)
"$SPOT_BUILD_DIR/spot-train" --prices "$IT_TMP/train.csv" --out "$IT_TMP/model.json" --name "it-real-$TAG" --version 1 \
  >"$IT_TMP/train.log" 2>&1 || { cat "$IT_TMP/train.log" >&2; fail "spot-train"; }
note "spot-train: $(tail -n 1 "$IT_TMP/train.log")"
http POST /api/admin/models "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary "@$IT_TMP/model.json"
expect_status 201 "upload of spot-train's file"
ID=$(jq -r .id <<<"$BODY")
expect_json .engine logreg
http POST "/api/admin/models/$ID/validate" "${AUTH_ADMIN[@]}"
case $STATUS in
  200) expect_json .status validated
       M=$(jq -c .metrics <<<"$BODY") ;;
  422) expect_error 422 validation_failed
       grep -qE '"field":"(auc|replay_cost)"' <<<"$BODY" || fail "a refusal on real data names no check"
       [ "$(sql "SELECT status FROM ml_models WHERE id = '$ID'")" = invalid ] || fail "refused but not invalid"
       M=$(sql "SELECT metrics FROM ml_models WHERE id = '$ID'") ;;
  *) fail "validation on the real trace answered $STATUS" ;;
esac
jq -e '.n >= 200 and .positives >= 5 and (.auc | type) == "number" and (.replay_cost | type) == "number"
       and (.rules_cost | type) == "number" and .pools >= 37' <<<"$M" >/dev/null || fail "metrics on real data: $M"
note "verdict $STATUS on real prices: $(jq -c '{auc, n, positives, replay_cost, rules_cost, ondemand_cost, cheapest_spot_cost, switches, rules_switches, cost_ratio}' <<<"$M")"
[ "$STATUS" = 422 ] && note "reason: $(jq -r .error.message <<<"$BODY")"
it_ok
