# test_catalog.sh - the instance catalog: spot-migrate's CSV seed (every type of
# the spot price test data included), the admin list and PUT with optimistic
# locking and audit, and bad input naming the field.
. "$(dirname "$0")/harness.sh"
it_env
JSON=(-H 'Content-Type: application/json')
CSV=$SRC/sql/instance_types.csv
TD=/work/shared/testdata/spot-prices

# ---- the seed ----
csv_rows=$(grep -v '^#' "$CSV" | grep -c ',' ) ; csv_rows=$((csv_rows - 1))
[ "$(sql "SELECT COUNT(*) FROM instance_types")" -ge "$csv_rows" ] || fail "fewer catalog rows than the CSV's $csv_rows"
# Every CSV row is in the table with its values.
while IFS=, read -r type region vcpu mem arch price; do
  [ "$(sql "SELECT COUNT(*) FROM instance_types WHERE instance_type='$type' AND region='$region' AND vcpu=$vcpu AND memory_gib=$mem AND arch='$arch' AND ondemand_price=$price")" = 1 ] \
    || fail "seed row $type/$region missing or different"
done < <(grep -v '^#' "$CSV" | tail -n +2 | awk 'NR % 37 == 1')
# Every instance type of the spot price test data, in the regions its files cover.
if [ -d "$TD" ]; then
  while IFS=, read -r type region; do
    [ "$(sql "SELECT COUNT(*) FROM instance_types WHERE instance_type='$type' AND region='$region' AND ondemand_price > 0")" = 1 ] \
      || fail "test-data type $type/$region is not in the catalog"
  done < <( { tail -n +2 "$TD"/real/*.csv | awk -F, '{print $3",us-east-1"}';
              jq -r '.SpotPriceHistory[] | .InstanceType + "," + (.AvailabilityZone | sub("[a-z]$"; ""))' "$TD"/*.json; } | sort -u)
fi
for t in t3.micro t4g.xlarge m5.large m7g.4xlarge c6a.2xlarge r7i.4xlarge; do
  for r in us-east-1 us-east-2 us-west-2 eu-west-1 eu-central-1 ap-south-1 ap-southeast-1 ap-northeast-1; do
    [ "$(sql "SELECT COUNT(*) FROM instance_types WHERE instance_type='$t' AND region='$r'")" = 1 ] || fail "$t/$r not seeded"
  done
done
[ "$(sql "SELECT arch FROM instance_types WHERE instance_type='m6g.large' AND region='us-east-1'")" = arm64 ] || fail "m6g is arm64"

# ---- auth ----
http GET /api/admin/instance-types
expect_error 401 unauthorized Authorization
http PUT /api/admin/instance-types/t3.medium/us-east-1 "${JSON[@]}" -d '{"vcpu":2,"memory_gib":4,"arch":"x86_64"}'
expect_error 401 unauthorized Authorization
new_client
http GET /api/admin/instance-types -H "Authorization: Bearer $CLIENT_TOKEN"
expect_error 401 unauthorized Authorization

# ---- list ----
http GET '/api/admin/instance-types?region=us-west-2&type=m1.small' "${AUTH_ADMIN[@]}"
expect_status 200
expect_json '.instance_types | length' 1
expect_json '.instance_types[0].instance_type' m1.small
expect_json '.instance_types[0].vcpu' 1
expect_json '.instance_types[0].memory_gib' 1.7
expect_json '.instance_types[0].arch' x86_64
expect_json '.instance_types[0].version' 1
[[ "$(jq -r '.instance_types[0].updated_at' <<<"$BODY")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]] || fail "updated_at not RFC 3339"
http GET '/api/admin/instance-types?region=eu-central-1' "${AUTH_ADMIN[@]}"
expect_status 200
[ "$(jq '[.instance_types[] | select(.region != "eu-central-1")] | length' <<<"$BODY")" = 0 ] || fail "region filter"
[ "$(jq '.instance_types | length' <<<"$BODY")" = "$(sql "SELECT COUNT(*) FROM instance_types WHERE region='eu-central-1'")" ] || fail "region count"
http GET '/api/admin/instance-types?region=Mars' "${AUTH_ADMIN[@]}"
expect_error 400 validation_failed region
http GET '/api/admin/instance-types?type=T3' "${AUTH_ADMIN[@]}"
expect_error 400 validation_failed type

# ---- create, update, 409 on a stale or missing version ----
T=$(rand_name zz9 | tr -d -)
T="zz${T: -6}.large"
ev0=$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$T/us-east-1'")
http PUT "/api/admin/instance-types/$T/us-east-1" "${AUTH_ADMIN[@]}" "${JSON[@]}" \
  -d '{"vcpu":2,"memory_gib":8,"arch":"arm64","ondemand_price":0.0712}'
expect_status 201
expect_json .version 1
expect_json .ondemand_price 0.0712
expect_json .family "${T%%.*}"
[ "$(sql "SELECT CONCAT_WS(' ', vcpu, memory_gib, arch, ondemand_price, version) FROM instance_types WHERE instance_type='$T' AND region='us-east-1'")" = "2 8.000 arm64 0.071200 1" ] || fail "created row"
http PUT "/api/admin/instance-types/$T/us-east-1" "${AUTH_ADMIN[@]}" "${JSON[@]}" \
  -d '{"vcpu":2,"memory_gib":8,"arch":"arm64","ondemand_price":0.08}'
expect_error 409 conflict version
http PUT "/api/admin/instance-types/$T/us-east-1" "${AUTH_ADMIN[@]}" "${JSON[@]}" \
  -d '{"vcpu":2,"memory_gib":8,"arch":"arm64","ondemand_price":0.08,"version":1}'
expect_status 200
expect_json .version 2
expect_json .ondemand_price 0.08
http PUT "/api/admin/instance-types/$T/us-east-1" "${AUTH_ADMIN[@]}" "${JSON[@]}" \
  -d '{"vcpu":4,"memory_gib":8,"arch":"arm64","ondemand_price":0.09,"version":1}'
expect_error 409 conflict version
[ "$(sql "SELECT CONCAT_WS(' ', vcpu, ondemand_price, version) FROM instance_types WHERE instance_type='$T' AND region='us-east-1'")" = "2 0.080000 2" ] || fail "stale update changed the row"
http PUT "/api/admin/instance-types/$T/eu-west-1" "${AUTH_ADMIN[@]}" "${JSON[@]}" \
  -d '{"vcpu":2,"memory_gib":8,"arch":"arm64","version":3}'
expect_error 409 conflict version
[ "$(sql "SELECT COUNT(*) FROM instance_types WHERE instance_type='$T' AND region='eu-west-1'")" = 0 ] || fail "409 created a row"
# Audit: one row per change, with before and after.
[ $(( $(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$T/us-east-1'") - ev0 )) = 2 ] || fail "expected 2 audit rows"
row=$(sql "SELECT action, actor_type, JSON_EXTRACT(pre_state,'$.ondemand_price'), JSON_EXTRACT(post_state,'$.ondemand_price') FROM system_events WHERE subject_id='$T/us-east-1' ORDER BY created_at DESC, id LIMIT 1")
[ "$row" = "instance_type.updated"$'\t'"admin"$'\t'"0.0712"$'\t'"0.08" ] || [ "$row" = "instance_type.updated"$'\t'"admin"$'\t'"0.071200"$'\t'"0.080000" ] || fail "audit row: $row"

# Updating a seeded row through the API; a second seed leaves it alone.
http GET '/api/admin/instance-types?region=ap-south-1&type=c7g.xlarge' "${AUTH_ADMIN[@]}"
v=$(jq -r '.instance_types[0].version' <<<"$BODY")
http PUT /api/admin/instance-types/c7g.xlarge/ap-south-1 "${AUTH_ADMIN[@]}" "${JSON[@]}" \
  -d "{\"vcpu\":4,\"memory_gib\":8,\"arch\":\"arm64\",\"ondemand_price\":0.1234,\"version\":$v}"
expect_status 200
sql "DELETE FROM instance_types WHERE instance_type='m5.large' AND region='ap-south-1'"
MIGRATE=${SPOT_BUILD_DIR:-$SRC/build}/spot-migrate
[ -x "$MIGRATE" ] || MIGRATE=$(dirname "$IT_DIR")/spot-migrate
"$MIGRATE" --config "$IT_DIR/spot.env" --wait 5 >"$IT_TMP/migrate.out" 2>&1 || { cat "$IT_TMP/migrate.out"; fail "spot-migrate failed"; }
grep -q 'catalog: 1 of' "$IT_TMP/migrate.out" || fail "the re-seed did not insert exactly the missing row: $(cat "$IT_TMP/migrate.out")"
[ "$(sql "SELECT ondemand_price FROM instance_types WHERE instance_type='c7g.xlarge' AND region='ap-south-1'")" = 0.123400 ] || fail "the seed overwrote an admin change"
[ "$(sql "SELECT COUNT(*) FROM instance_types WHERE instance_type='m5.large' AND region='ap-south-1'")" = 1 ] || fail "the seed did not restore a missing row"

# A malformed CSV is refused naming file:line, and nothing of it is written.
printf '# c\ninstance_type,region,vcpu,memory_gib,arch,ondemand_price\nzq1.large,us-east-1,2,8,x86_64,0.1\nzq1.xlarge,us-east-1,four,16,x86_64,0.2\n' >"$IT_TMP/bad.csv"
if "$MIGRATE" --config "$IT_DIR/spot.env" --wait 5 --catalog "$IT_TMP/bad.csv" >"$IT_TMP/migrate.out" 2>&1; then fail "a bad CSV was accepted"; fi
grep -q "bad.csv:4: vcpu" "$IT_TMP/migrate.out" || fail "refusal does not name file:line: $(cat "$IT_TMP/migrate.out")"
[ "$(sql "SELECT COUNT(*) FROM instance_types WHERE instance_type LIKE 'zq1.%'")" = 0 ] || fail "a refused CSV wrote rows"
printf 'instance_type,region,vcpu,memory_gib,arch,ondemand_price\nzq1.large,us-east-1,2,8,sparc,0.1\n' >"$IT_TMP/bad.csv"
if "$MIGRATE" --config "$IT_DIR/spot.env" --wait 5 --catalog "$IT_TMP/bad.csv" >"$IT_TMP/migrate.out" 2>&1; then fail "a bad arch was accepted"; fi
grep -q "bad.csv:2: arch" "$IT_TMP/migrate.out" || fail "refusal does not name file:line: $(cat "$IT_TMP/migrate.out")"

# ---- bad input ----
put() { http PUT "/api/admin/instance-types/$1" "${AUTH_ADMIN[@]}" "${JSON[@]}" -d "$2"; }
put "T3.large/us-east-1" '{"vcpu":2,"memory_gib":8,"arch":"x86_64"}';           expect_error 400 validation_failed instance_type
put "t3.large/useast" '{"vcpu":2,"memory_gib":8,"arch":"x86_64"}';              expect_error 400 validation_failed region
put "$T/us-east-1" '{"memory_gib":8,"arch":"x86_64","version":2}';             expect_error 400 validation_failed vcpu
put "$T/us-east-1" '{"vcpu":0,"memory_gib":8,"arch":"x86_64","version":2}';    expect_error 400 validation_failed vcpu
put "$T/us-east-1" '{"vcpu":2.5,"memory_gib":8,"arch":"x86_64","version":2}';  expect_error 400 validation_failed vcpu
put "$T/us-east-1" '{"vcpu":2,"memory_gib":0,"arch":"x86_64","version":2}';    expect_error 400 validation_failed memory_gib
put "$T/us-east-1" '{"vcpu":2,"memory_gib":"8","arch":"x86_64","version":2}';  expect_error 400 validation_failed memory_gib
put "$T/us-east-1" '{"vcpu":2,"memory_gib":8,"arch":"sparc","version":2}';     expect_error 400 validation_failed arch
put "$T/us-east-1" '{"vcpu":2,"memory_gib":8,"arch":"x86_64","ondemand_price":-1,"version":2}';   expect_error 400 validation_failed ondemand_price
put "$T/us-east-1" '{"vcpu":2,"memory_gib":8,"arch":"x86_64","ondemand_price":5000,"version":2}'; expect_error 400 validation_failed ondemand_price
put "$T/us-east-1" '{"vcpu":2,"memory_gib":8,"arch":"x86_64","version":0}';    expect_error 400 validation_failed version
put "$T/us-east-1" '{"vcpu":2,"memory_gib":8,"arch":"x86_64","color":"red"}';  expect_error 400 validation_failed color
[ "$(sql "SELECT CONCAT_WS(' ', vcpu, ondemand_price, version) FROM instance_types WHERE instance_type='$T' AND region='us-east-1'")" = "2 0.080000 2" ] || fail "bad input changed the row"
sql "DELETE FROM instance_types WHERE instance_type='$T'"
it_ok
