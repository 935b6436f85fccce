# test_pool_keepalive.sh - nginx keeps its connections to the worker pool open between
# requests (upstream keepalive, fastcgi_keep_conn), and no idle kept connection pins a
# worker: bursts at many times the pool's size all answer, and quickly, while nginx
# holds more idle connections than there are workers (fcgi-app/main.c).
. "$(dirname "$0")/harness.sh"
it_env
SOCK=$IT_DIR/run/pool/fcgi.sock
[ -S "$SOCK" ] || fail "no pool socket at $SOCK"
# One curl, 64 keep-alive TLS connections at once (--parallel): nginx then has up to 64
# requests in flight and opens pool connections for them, many more than the 4 workers.
burst() {
  local n=$1 path=$2 out=$3 urls=()
  for ((i = 0; i < n; i++)); do urls+=(-o /dev/null "$SPOT_URL$path"); done
  curl -s --parallel --parallel-immediate --parallel-max 64 --max-time 10 --cacert "$SPOT_CA_FILE" \
    -w '%{http_code} %{time_total}\n' "${urls[@]}" > "$out" 2>/dev/null || true
}
# Connections to the pool socket that are open now (ss lists the accepting side by its path).
pool_conns() { ss -x state connected 2>/dev/null | awk -v s="$SOCK" '$0 ~ s' | wc -l; }

for round in 1 2 3; do
  burst 640 /health "$IT_TMP/r$round"
  [ "$(wc -l < "$IT_TMP/r$round")" = 640 ] || fail "round $round: $(wc -l < "$IT_TMP/r$round") of 640 answers"
  bad=$(awk '$1 != 200' "$IT_TMP/r$round" | wc -l)
  [ "$bad" = 0 ] || fail "round $round: $bad of 640 did not answer 200: $(awk '{print $1}' "$IT_TMP/r$round" | sort | uniq -c | tr '\n' ' ')"
  slow=$(awk '$2 > 3' "$IT_TMP/r$round" | wc -l)
  [ "$slow" = 0 ] || fail "round $round: $slow requests took over 3 s (a pinned worker?)"
  # Agent routes too: a heartbeat without a token answers 401 from the worker.
  code=$(curl -s -o /dev/null --max-time 5 --cacert "$SPOT_CA_FILE" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -d '{}' "$SPOT_URL/api/agents/00000000-0000-4000-8000-000000000000/heartbeat")
  [ "$code" = 401 ] || fail "round $round: heartbeat without a token answered $code"
done
# Idle now, nginx still holds connections to the pool: they are kept, not closed per request.
kept=$(pool_conns)
[ "$kept" -ge 2 ] || fail "nginx keeps no connections to the pool ($kept open while idle)"
[ "$kept" -gt "${SPOT_WORKERS:-4}" ] || fail "only $kept kept connections; the test needs more than the ${SPOT_WORKERS:-4} workers to show none is pinned"
# Every worker still answers: as many sequential requests as workers, twice, each quickly.
for i in $(seq 1 $((2 * ${SPOT_WORKERS:-4}))); do
  code=$(curl -s -o /dev/null --max-time 3 --cacert "$SPOT_CA_FILE" -w '%{http_code}' "$SPOT_URL/health")
  [ "$code" = 200 ] || fail "sequential request $i answered $code"
done
it_ok
