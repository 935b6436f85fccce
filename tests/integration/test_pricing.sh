# test_pricing.sh - POST /api/agents/{id}/pricing-report: per-row rejects that
# name the field, exactly the good rows stored with the reporter's role, pools
# created, duplicates ignored, X-Request-ID replay, limits and tenancy.
. "$(dirname "$0")/harness.sh"
it_env

new_client
C1_TOKEN=$CLIENT_TOKEN
I1=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name pricing)" "$I1" t3.medium us-east-1a
A1=$AGENT_ID
T1_TOKEN=$AGENT_TOKEN
URL=/api/agents/$A1/pricing-report

ago() { date -u -d "-$1" +%Y-%m-%dT%H:%M:%SZ; }
T1=$(ago '10 minutes')
T2=$(ago '5 minutes')
FUTURE=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
POOL_TYPE=zq$(openssl rand -hex 3)
rid() { printf 'it-pricing-%s' "$(openssl rand -hex 8)"; }
report() { agent_call POST "$URL" "$@"; }
snapshots() { sql "SELECT COUNT(*) FROM spot_price_snapshots WHERE instance_id='$I1'"; }

# ---- a mixed report ----
BODY_MIXED=$(cat <<JSON
{"instance_id":"$I1","role":"primary","ondemand_price":0.0416,"prices":[
 {"instance_type":"t3.medium","az":"us-east-1a","price":0.0125,"observed_at":"$T1"},
 {"instance_type":"m5.large","az":"us-east-1b","price":0.035,"observed_at":"$T1"},
 {"instance_type":"t3.medium","az":"us-east-1a","price":-0.01,"observed_at":"$T1"},
 {"instance_type":"t3.medium","az":"us-east-1a","price":"0.01","observed_at":"$T1"},
 {"instance_type":"t3.medium","az":"us-east-1a","price":5000,"observed_at":"$T1"},
 {"instance_type":"t3.medium","az":"us-east-1a","price":0.01,"observed_at":"$FUTURE"},
 {"instance_type":"t3.medium","az":"us-east-1","price":0.01,"observed_at":"$T1"},
 {"instance_type":"T3.Medium","az":"us-east-1a","price":0.01,"observed_at":"$T1"},
 42,
 {"instance_type":"t3.medium","az":"us-east-1a","price":0.01},
 {"instance_type":"t3.medium","az":"us-east-1a","price":0.01,"observed_at":"2013-03-20T13:35:55Z"},
 {"instance_type":"t3.medium","az":"us-east-1a","price":0.01,"observed_at":"yesterday"},
 {"instance_type":"$POOL_TYPE.large","az":"ap-south-1a","price":0.02,"observed_at":"$T2"},
 {"instance_type":"t3.medium","az":"us-east-1a","price":1e-9,"observed_at":"$T1"},
 {"instance_type":"t3.medium","az":"us-east-1a","price":0,"observed_at":"$T1"},
 {"instance_type":"t3.medium","az":"us-east-1a;DROP","price":0.01,"observed_at":"$T1"}
]}
JSON
)
RID=$(rid)
reports0=$(sql "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$A1'")
report -H "X-Request-ID: $RID" -d "$BODY_MIXED"
expect_status 200
FIRST=$BODY
expect_json .accepted 3
expect_json .duplicates 0
got=$(jq -c '[.rejected[] | [.index, .field]]' <<<"$BODY")
want='[[2,"prices[2].price"],[3,"prices[3].price"],[4,"prices[4].price"],[5,"prices[5].observed_at"],[6,"prices[6].az"],[7,"prices[7].instance_type"],[8,"prices[8]"],[9,"prices[9].observed_at"],[10,"prices[10].observed_at"],[11,"prices[11].observed_at"],[13,"prices[13].price"],[14,"prices[14].price"],[15,"prices[15].az"]]'
[ "$got" = "$want" ] || fail "rejected list: $got"
jq -e '[.rejected[].message | type == "string" and length > 0] | all' <<<"$BODY" >/dev/null || fail "rejects without messages"
expect_json '.rejected[1].message' 'must be a number'
REPORT_ID=$(jq -r .report_id <<<"$BODY")
uuid_re='^[0-9a-f-]{36}$'
[[ $REPORT_ID =~ $uuid_re ]] || fail "report_id: $REPORT_ID"
expect_json '.unknown_types | map(.instance_type + "/" + .region) | join(",")' "$POOL_TYPE.large/ap-south-1"

# Exactly the good rows, with the reporter's role, the request id and the observed time.
got=$(sql "SELECT pool_id, source_role, price, DATE_FORMAT(observed_at, '%Y-%m-%dT%H:%i:%sZ'), request_id, agent_id FROM spot_price_snapshots WHERE instance_id='$I1' ORDER BY pool_id" | tr '\t' ' ')
want="m5.large.us-east-1b primary 0.035000 $T1 $RID $A1
t3.medium.us-east-1a primary 0.012500 $T1 $RID $A1
$POOL_TYPE.large.ap-south-1a primary 0.020000 $T2 $RID $A1"
[ "$got" = "$want" ] || fail "snapshots: $got"
got=$(sql "SELECT id, client_id, instance_id, source_role, request_id, ondemand_price, price_count, accepted_count, rejected_count FROM pricing_reports WHERE agent_id='$A1' AND request_id='$RID'" | tr '\t' ' ')
[ "$got" = "$REPORT_ID $CLIENT_ID $I1 primary $RID 0.041600 16 3 13" ] || fail "pricing_reports row: $got"
# The unknown pool was created; the unknown type raised one admin notification.
[ "$(sql "SELECT CONCAT_WS(' ', instance_type, region, az) FROM spot_pools WHERE id='$POOL_TYPE.large.ap-south-1a'")" = "$POOL_TYPE.large ap-south-1 ap-south-1a" ] || fail "pool not created"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE dedupe_key='catalog.unknown_type:$POOL_TYPE.large:ap-south-1' AND client_id IS NULL AND type='catalog.unknown_type'")" = 1 ] || fail "no unknown-type notification"
# Audited.
[ "$(sql "SELECT CONCAT_WS(' ', actor_type, actor_id, agent_id, JSON_EXTRACT(post_state, '$.accepted'), JSON_EXTRACT(post_state, '$.rejected')) FROM system_events WHERE action='pricing.reported' AND subject_id='$REPORT_ID'")" = "agent $A1 $A1 3 13" ] || fail "audit row"

# ---- X-Request-ID replay: the same answer, nothing stored twice ----
report -H "X-Request-ID: $RID" -d "$BODY_MIXED"
expect_status 200
expect_header Idempotent-Replay true
[ "$(jq -cS . <<<"$BODY")" = "$(jq -cS . <<<"$FIRST")" ] || fail "replay answered differently: $BODY"
[ "$(snapshots)" = 3 ] || fail "replay stored samples again"
[ "$(sql "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$A1'")" = $((reports0 + 1)) ] || fail "replay recorded a report"
# The same key with another body is refused.
report -H "X-Request-ID: $RID" -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[{\"instance_type\":\"t3.medium\",\"az\":\"us-east-1a\",\"price\":0.5,\"observed_at\":\"$T2\"}]}"
expect_error 409 idempotency_mismatch

# ---- duplicate samples are acknowledged but stored once ----
DUP="{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[
 {\"instance_type\":\"t3.medium\",\"az\":\"us-east-1a\",\"price\":0.0125,\"observed_at\":\"$T1\"},
 {\"instance_type\":\"m5.large\",\"az\":\"us-east-1b\",\"price\":0.035,\"observed_at\":\"$T1\"},
 {\"instance_type\":\"t3.medium\",\"az\":\"us-east-1a\",\"price\":0.0131,\"observed_at\":\"$T2\"},
 {\"instance_type\":\"t3.medium\",\"az\":\"us-east-1a\",\"price\":0.0131,\"observed_at\":\"$T2\"}]}"
report -H "X-Request-ID: $(rid)" -d "$DUP"
expect_status 200
expect_json .accepted 4
expect_json .duplicates 3
expect_json '.rejected | length' 0
[ "$(snapshots)" = 4 ] || fail "expected 4 snapshots, got $(snapshots)"
# Without X-Request-ID it works too (a request id is made), and changes nothing here.
report -d "$DUP"
expect_status 200
expect_json .duplicates 4
[ "$(snapshots)" = 4 ] || fail "duplicates stored"

# ---- the reporter's role is stored ----
I2=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name pricing-b)" "$I2" m5.large us-east-1b
B_URL=/api/agents/$AGENT_ID/pricing-report
agent_call POST "$B_URL" -d "{\"instance_id\":\"$I2\",\"role\":\"standby\",\"prices\":[{\"instance_type\":\"m5.large\",\"az\":\"us-east-1b\",\"price\":0.035,\"observed_at\":\"$T1\"}]}"
expect_status 200
agent_call POST "$B_URL" -d "{\"instance_id\":\"$I2\",\"role\":\"replica\",\"prices\":[{\"instance_type\":\"m5.large\",\"az\":\"us-east-1b\",\"price\":0.036,\"observed_at\":\"$T2\"}]}"
expect_status 200
[ "$(sql "SELECT GROUP_CONCAT(source_role ORDER BY observed_at) FROM spot_price_snapshots WHERE instance_id='$I2'")" = standby,replica ] || fail "roles not stored"
# The same AWS point from another instance is its own sample (the merge step compares them).
[ "$(sql "SELECT COUNT(*) FROM spot_price_snapshots WHERE pool_id='m5.large.us-east-1b' AND observed_at='$(date -u -d "$T1" '+%F %T')'")" -ge 2 ] || fail "per-instance samples"

# ---- a full report: 500 samples in one go; 501 is refused ----
AGENT_TOKEN=$T1_TOKEN
jq -n --arg i "$I1" --argjson n 500 --arg base "$(date -u -d '-2 days' +%s)" '{instance_id:$i, role:"primary",
  prices:[range($n) | {instance_type:"c5.large", az:"us-east-1c", price:(0.03 + . / 100000), observed_at:(($base|tonumber) + . * 60 | todate)}]}' >"$IT_TMP/p500.json"
report -H "X-Request-ID: $(rid)" --data-binary @"$IT_TMP/p500.json"
expect_status 200
expect_json .accepted 500
[ "$(sql "SELECT COUNT(*), MIN(price), MAX(price) FROM spot_price_snapshots WHERE instance_id='$I1' AND pool_id='c5.large.us-east-1c'" | tr '\t' ' ')" = "500 0.030000 0.034990" ] || fail "500 samples not stored"
jq '.prices += [.prices[0]]' "$IT_TMP/p500.json" >"$IT_TMP/p501.json"
before=$(snapshots)
report --data-binary @"$IT_TMP/p501.json"
expect_error 400 validation_failed prices
[ "$(snapshots)" = "$before" ] || fail "a refused report stored samples"

# ---- no acceptable row: 400 with every rejection, nothing recorded ----
reports1=$(sql "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$A1'")
report -H "X-Request-ID: $(rid)" -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[
 {\"instance_type\":\"t3.medium\",\"az\":\"us-east-1a\",\"price\":-1,\"observed_at\":\"$T1\"},
 {\"instance_type\":\"t3.medium\",\"az\":\"moon-1a\",\"price\":0.01,\"observed_at\":\"$T1\"}]}"
expect_error 400 validation_failed 'prices[0].price'
[ "$(jq -c '[.rejected[] | [.index, .field]]' <<<"$BODY")" = '[[0,"prices[0].price"],[1,"prices[1].az"]]' ] || fail "all-bad rejected list"
[ "$(sql "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$A1'")" = "$reports1" ] || fail "an all-bad report was recorded"
[ "$(snapshots)" = "$before" ] || fail "an all-bad report stored samples"

# ---- bad bodies ----
ok_row="{\"instance_type\":\"t3.medium\",\"az\":\"us-east-1a\",\"price\":0.01,\"observed_at\":\"$T1\"}"
report -d "{\"role\":\"primary\",\"prices\":[$ok_row]}";                                   expect_error 400 validation_failed instance_id
report -d "{\"instance_id\":\"i-xyz\",\"role\":\"primary\",\"prices\":[$ok_row]}";          expect_error 400 validation_failed instance_id
report -d "{\"instance_id\":\"$I1\",\"role\":\"boss\",\"prices\":[$ok_row]}";             expect_error 400 validation_failed role
report -d "{\"instance_id\":\"$I1\",\"prices\":[$ok_row]}";                               expect_error 400 validation_failed role
report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\"}";                               expect_error 400 validation_failed prices
report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":{}}";                 expect_error 400 validation_failed prices
report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[]}";                 expect_error 400 validation_failed prices
report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"ondemand_price\":-1,\"prices\":[$ok_row]}";   expect_error 400 validation_failed ondemand_price
report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"ondemand_price\":\"1\",\"prices\":[$ok_row]}"; expect_error 400 validation_failed ondemand_price
report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[$ok_row]"; expect_error 400 validation_failed
report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[{\"instance_type\":\"t3.medium\",\"az\":\"us-east-1a\",\"price\":NaN,\"observed_at\":\"$T1\"}]}"
expect_error 400 validation_failed
http POST "$URL" -H "Authorization: Bearer $T1_TOKEN" -H 'Content-Type: text/plain' -d "{}"; expect_error 415 unsupported_media_type
[ "$(snapshots)" = "$before" ] || fail "a bad body stored samples"

# ---- known pools and pairs (core/pricing.h, pricing_known) ----
# A worker that stored a report remembers its pools and catalog pairs; a later report naming only
# those skips the JSON check for a primary-key read of its instance. Forty reports reach each of the
# 4 workers; then the rules must hold on that path as well.
known_count() {
  http GET /metrics
  awk -v k="spot_pricing_reports_total{pools=\"$1\"}" '$1 == k {print $2}' <<<"$BODY"
}
known_row() { printf '{"instance_type":"%s","az":"%s","price":%s,"observed_at":"%s"}' "$@"; }
k0=$(known_count known)
for i in $(seq 1 40); do
  at=$(ago "$((3000 + i)) seconds")
  report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[$(known_row t3.medium us-east-1a 0.011 "$at"),$(known_row m5.large us-east-1b 0.031 "$at")]}"
  expect_status 200
done
k1=$(known_count known)
[ -n "$k1" ] && [ $((k1 - k0)) -ge 30 ] || fail "only $((k1 - k0)) of 40 reports of known pools skipped the check"
# Another agent's instance, every pool known: refused each time, nothing stored.
at=$(ago '2900 seconds')
for i in $(seq 1 8); do
  report -d "{\"instance_id\":\"$I2\",\"role\":\"primary\",\"prices\":[$(known_row t3.medium us-east-1a 0.011 "$at")]}"
  expect_error 404 not_found instance_id
done
[ "$(sql "SELECT COUNT(*) FROM spot_price_snapshots WHERE instance_id='$I2' AND agent_id='$A1'")" = 0 ] || fail "a known-pool report stored another agent's instance"
# A new pool among known ones is created (a Local Zone no test used), with every sample stored.
LZ=us-east-1-$(openssl rand -hex 4 | tr 0-9 g-p)-1a
for i in $(seq 1 8); do
  at=$(ago "$((2800 - i)) seconds")
  report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[$(known_row t3.medium us-east-1a 0.012 "$at"),$(known_row t3.medium "$LZ" 0.013 "$at")]}"
  expect_status 200
  expect_json .duplicates 0
  [ "$(sql "SELECT COUNT(*) FROM spot_pools WHERE id='t3.medium.$LZ'")" = 1 ] || fail "report $i: pool t3.medium.$LZ was not created"
  expect_json '.unknown_types | length' 0
done
[ "$(sql "SELECT COUNT(*) FROM spot_price_snapshots WHERE pool_id='t3.medium.$LZ' AND instance_id='$I1'")" = 8 ] || fail "new-pool samples"
# An unknown type among known pools is still reported, every time.
for i in $(seq 1 8); do
  at=$(ago "$((2700 - i)) seconds")
  report -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[$(known_row t3.medium us-east-1a 0.012 "$at"),$(known_row "$POOL_TYPE.large" us-east-1a 0.02 "$at")]}"
  expect_status 200
  expect_json '.unknown_types | map(.instance_type + "/" + .region) | join(",")' "$POOL_TYPE.large/us-east-1"
done
[ "$(known_count checked)" -ge 1 ] || fail "no checked reports counted"
before=$(snapshots)

# ---- tenancy: another client's agent, another agent's instance ----
report -d "{\"instance_id\":\"$(rand_instance_id)\",\"role\":\"primary\",\"prices\":[$ok_row]}"
expect_error 404 not_found instance_id
report -d "{\"instance_id\":\"$I2\",\"role\":\"primary\",\"prices\":[$ok_row]}"
expect_error 404 not_found instance_id
new_client
I3=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" "$(rand_name pricing-other)" "$I3" t3.medium us-east-1a
agent_call POST "$URL" -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[$ok_row]}"
expect_error 404 not_found
http POST "$URL" -H "Authorization: Bearer $CLIENT_TOKEN" -H 'Content-Type: application/json' -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[$ok_row]}"
expect_error 404 not_found
http POST "$URL" -H 'Content-Type: application/json' -d "{\"instance_id\":\"$I1\",\"role\":\"primary\",\"prices\":[$ok_row]}"
expect_error 401 unauthorized
[ "$(snapshots)" = "$before" ] || fail "a foreign caller stored samples"
it_ok
