# test_cross_client.sh - a client sees and touches only its own rows: every
# agent route (read from the route table in fcgi-app/routes.c) answers 404 for
# another client's token and for another agent's token, and every client route
# with an agent or replica id answers 404 for another client's ids.
. "$(dirname "$0")/harness.sh"
it_env

new_client; ct_a=$CLIENT_TOKEN
ia=$(rand_instance_id)
register_agent "$ct_a" cross-a "$ia"; agent_a=$AGENT_ID tok_a=$AGENT_TOKEN
new_client; ct_b=$CLIENT_TOKEN
ib=$(rand_instance_id)
register_agent "$ct_b" cross-b "$ib"; tok_b=$AGENT_TOKEN
new_client; ct_c=$CLIENT_TOKEN   # same client as agent c2 below, other agent
ic=$(rand_instance_id) ic2=$(rand_instance_id)
register_agent "$ct_c" cross-c "$ic"; agent_c=$AGENT_ID
register_agent "$ct_c" cross-c2 "$ic2"; tok_c2=$AGENT_TOKEN

# METHOD PATTERN pairs of the route table.
mapfile -t routes < <(grep -oE '\{ HTTP_[A-Z]+, "/api/(agents|client)/[^"]*\{[^"]*"' "$SRC/fcgi-app/routes.c" \
  | sed -E 's/\{ HTTP_([A-Z]+), "([^"]*)"/\1 \2/')
[ ${#routes[@]} -ge 2 ] || fail "found only ${#routes[@]} routes with ids in routes.c"
body="{\"instance_id\":\"$ia\",\"status\":\"running\"}"
n=0
for r in "${routes[@]}"; do
  method=${r%% *} pattern=${r#* }
  # The first {param} is the agent (or, for /api/client/replicas/{rid}, a replica); others get fresh UUIDs.
  path=$(sed -E "s/\{(id|aid)\}/$agent_a/; s/\{[a-z]+\}/$(cat /proc/sys/kernel/random/uuid)/g" <<<"$pattern")
  args=(-H 'Content-Type: application/json')
  [ "$method" = GET ] || [ "$method" = DELETE ] || args+=(-d "$body")
  if [[ "$pattern" == /api/agents/* ]]; then
    for tok in "$ct_b" "$tok_b" "$tok_c2"; do
      http "$method" "$path" -H "Authorization: Bearer $tok" "${args[@]}"
      [ "$STATUS" = 404 ] || fail "$method $pattern with another ${tok:0:2} token answered $STATUS (want 404)"
      expect_json .error.code not_found
    done
    # The owner is not refused (whatever the route then says of the body).
    http "$method" "$path" -H "Authorization: Bearer $tok_a" "${args[@]}"
    [ "$STATUS" != 404 ] || [ "$(jq -r .error.field <<<"$BODY")" != null ] \
      || fail "$method $pattern refused the agent's own token"
  else
    http "$method" "$path" -H "Authorization: Bearer $ct_b" "${args[@]}"
    [ "$STATUS" = 404 ] || fail "$method $pattern with another client's token answered $STATUS (want 404)"
  fi
  n=$((n + 1))
done
note "$n routes checked"
# And the agent of the same client but another agent id.
http GET "/api/agents/$agent_c/config" -H "Authorization: Bearer $tok_a"
expect_error 404 not_found
it_ok
