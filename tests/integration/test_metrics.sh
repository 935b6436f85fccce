# test_metrics.sh - /metrics counts every request across all workers, and each
# response's X-Trace-Id is the id the worker logged (the agents' polls only when
# they fail).
. "$(dirname "$0")/harness.sh"
it_env

health_count() {
  "${CURL[@]}" "$SPOT_URL/metrics" \
    | awk -F' ' '/^spot_http_requests_total\{method="GET",route="\/health",status="200"\}/ {print $2}'
}
n0=$(health_count)
n0=${n0:-0}
N=120
# Concurrent clients, so that several workers answer.
seq 1 $N | xargs -P 8 -I{} "${CURL[@]}" -o /dev/null -w '%{http_code}\n' "$SPOT_URL/health" > "$IT_TMP/codes"
[ "$(grep -c '^200$' "$IT_TMP/codes")" = $N ] || fail "not every /health answered 200"
n1=$(health_count)
[ $((n1 - n0)) -eq $N ] || fail "/metrics counted $((n1 - n0)) /health requests, want $N"

http GET /metrics
expect_status 200
expect_header Content-Type '^text/plain'
for m in spot_http_request_duration_seconds_bucket spot_http_request_duration_seconds_count \
         spot_db_errors_total spot_db_reconnects_total spot_workers_started_total; do
  grep -q "^$m" <<<"$BODY" || fail "/metrics lacks $m"
done
started=$(awk '$1 == "spot_workers_started_total" {print $2}' <<<"$BODY")
[ "$started" -ge "$SPOT_WORKERS" ] || fail "only $started workers share the metrics file"
inf=$(awk '$1 == "spot_http_request_duration_seconds_bucket{le=\"+Inf\"}" {print $2}' <<<"$BODY")
cnt=$(awk '$1 == "spot_http_request_duration_seconds_count" {print $2}' <<<"$BODY")
[ "$inf" = "$cnt" ] || fail "histogram +Inf bucket ($inf) differs from its count ($cnt)"

# Trace id: nginx's $request_id reaches the worker, its log line and the response.
http GET /api/health/database-schema
expect_header X-Trace-Id '^[0-9a-f]{32}$'
trace=$(grep -i '^x-trace-id:' "$HEADERS" | tr -d '\r' | cut -d' ' -f2)
poll 5 grep -q "trace=$trace .*route=/api/health/database-schema status=200" "$IT_DIR/log/pool.log" \
  || fail "the worker did not log trace $trace"
poll 5 grep -q "trace=$trace" "$IT_DIR/log/nginx-access.log" || fail "nginx did not log trace $trace"
# The agents' polls (ROUTE_QUIET: heartbeat, pending-commands) are logged by the worker only
# when they fail; nginx's access log has every one.
new_client
iid=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" metrics-quiet "$iid"
heartbeat "$iid"
expect_status 200
ok_trace=$(grep -i '^x-trace-id:' "$HEADERS" | tr -d '\r' | cut -d' ' -f2)
AGENT_TOKEN=sa_wrong heartbeat "$iid"
expect_status 401
bad_trace=$(grep -i '^x-trace-id:' "$HEADERS" | tr -d '\r' | cut -d' ' -f2)
poll 5 grep -q "trace=$bad_trace .*route=/api/agents/{id}/heartbeat status=401" "$IT_DIR/log/pool.log" \
  || fail "the worker did not log the failed heartbeat $bad_trace"
poll 5 grep -q "trace=$ok_trace" "$IT_DIR/log/nginx-access.log" || fail "nginx did not log trace $ok_trace"
! grep -q "trace=$ok_trace" "$IT_DIR/log/pool.log" || fail "the worker logged a successful heartbeat"
note "workers that answered: $(grep -o 'spot-fcgi\[[0-9]*\]' "$IT_DIR/log/pool.log" | sort -u | wc -l)"
it_ok
