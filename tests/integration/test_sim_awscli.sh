# test_sim_awscli.sh - the real AWS CLI (Debian's awscli, /usr/bin/aws) against spot-sim:
# every call the agent makes, a capacity error and a bad signature with the simulator's words.
. "$(dirname "$0")/harness.sh"
it_env
[ -x /usr/bin/aws ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends awscli >/dev/null || fail "cannot install awscli"; }
[ -n "${SPOT_SIM_EC2_URL:-}" ] || fail "spot.env lacks SPOT_SIM_EC2_URL"
export AWS_ACCESS_KEY_ID=$SPOT_SIM_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$SPOT_SIM_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION=$SPOT_SIM_REGION AWS_MAX_ATTEMPTS=1 AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
EC2=(/usr/bin/aws --endpoint-url "$SPOT_SIM_EC2_URL" ec2)
ctl() { curl -sf --max-time 10 "$@"; }

# Zones of the region.
zones=$("${EC2[@]}" describe-availability-zones --query 'AvailabilityZones[].ZoneName' --output text) || fail "describe-availability-zones"
[[ "$zones" == *us-east-1a*us-east-1b* ]] || fail "zones: $zones"

# Spot prices: the published rows of the trace's m1.small/us-east-1a series, newest first, same prices.
csv=$SRC/../shared/testdata/spot-prices/real/us-east-1_2012-12-31_2013-01-15_linux-unix.csv
got=$("${EC2[@]}" describe-spot-price-history --instance-types m1.small --availability-zone us-east-1a \
  --query 'SpotPriceHistory[].SpotPrice' --output text | tr '\t' '\n') || fail "describe-spot-price-history"
n=$(printf '%s\n' "$got" | grep -c .)
[ "$n" -ge 1 ] || fail "no price rows"
want=$(grep ',us-east-1a,m1.small,' "$csv" | cut -d, -f5 | head -n "$n" | tac)
[ "$got" = "$want" ] || fail "prices differ from the trace's first $n rows: got [$got] want [$want]"
note "$n m1.small/us-east-1a rows match the trace"
# Pagination: the CLI follows NextToken; with --max-items it stops and reports one.
all=$("${EC2[@]}" describe-spot-price-history --output json | jq '.SpotPriceHistory | length')
[ "$all" -gt 1000 ] || fail "expected more than one page of rows, got $all"
page=$("${EC2[@]}" describe-spot-price-history --page-size 5 --max-items 12 --output json)
[ "$(jq '.SpotPriceHistory | length' <<<"$page")" = 12 ] || fail "paging: $(head -c 300 <<<"$page")"

# Images owned by amazon.
img=$("${EC2[@]}" describe-images --owners amazon --query 'Images[0].ImageId' --output text) || fail "describe-images"
[[ "$img" == ami-* ]] || fail "image id $img"

# On-demand and spot launches, with tags and user data.
printf 'SPOT_LOGICAL_ID=it-awscli\n' > "$IT_TMP/ud"
od=$("${EC2[@]}" run-instances --image-id "$img" --instance-type m1.small --count 1 \
  --tag-specifications 'ResourceType=instance,Tags=[{Key=it,Value=awscli}]' --user-data "file://$IT_TMP/ud" \
  --query 'Instances[0].InstanceId' --output text) || fail "run-instances on-demand"
sp=$("${EC2[@]}" run-instances --image-id "$img" --instance-type m1.small --count 1 --instance-market-options MarketType=spot \
  --tag-specifications 'ResourceType=instance,Tags=[{Key=it,Value=awscli}]' \
  --query 'Instances[0].[InstanceId,InstanceLifecycle]' --output text) || fail "run-instances spot"
[[ "$sp" == i-*spot ]] || fail "spot launch: $sp"
sp=${sp%%[[:space:]]*}
ctl -X POST "$SPOT_SIM_CONTROL_URL"clock -d '{"scale":50}' >/dev/null || fail "clock scale"
running() { [ "$("${EC2[@]}" describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].State.Name' --output text)" = running ]; }
poll 60 running "$od" || fail "$od never ran"
poll 60 running "$sp" || fail "$sp never ran"
n=$("${EC2[@]}" describe-instances --filters Name=tag:it,Values=awscli Name=instance-state-name,Values=running \
  --query 'length(Reservations[].Instances[])' --output text)
[ "$n" -ge 2 ] || fail "tag filter found $n"

# Image of the on-demand instance; available after its (scaled) delay.
ami=$("${EC2[@]}" create-image --instance-id "$od" --name "it-$(openssl rand -hex 3)" --no-reboot --query ImageId --output text) \
  || fail "create-image"
avail() { [ "$("${EC2[@]}" describe-images --image-ids "$ami" --query 'Images[0].State' --output text)" = available ]; }
poll 60 avail || fail "$ami never became available"

# An Elastic IP moves from one instance to the other only with AllowReassociation.
eip=$("${EC2[@]}" allocate-address --domain vpc --query AllocationId --output text) || fail "allocate-address"
"${EC2[@]}" associate-address --allocation-id "$eip" --instance-id "$od" >/dev/null || fail "associate-address"
out=$("${EC2[@]}" associate-address --allocation-id "$eip" --instance-id "$sp" 2>&1) && fail "reassociation without the flag"
[[ "$out" == *Resource.AlreadyAssociated* ]] || fail "reassociation error: $out"
"${EC2[@]}" associate-address --allocation-id "$eip" --instance-id "$sp" --allow-reassociation >/dev/null || fail "move"
[ "$("${EC2[@]}" describe-addresses --allocation-ids "$eip" --query 'Addresses[0].InstanceId' --output text)" = "$sp" ] \
  || fail "the address did not move"

# Terminate both.
"${EC2[@]}" terminate-instances --instance-ids "$od" "$sp" --query 'TerminatingInstances[].CurrentState.Name' --output text \
  | grep -q shutting-down || fail "terminate-instances"
ctl -X POST "$SPOT_SIM_CONTROL_URL"clock -d '{"scale":1}' >/dev/null

# A full pool: InsufficientInstanceCapacity with the simulator's message.
ctl -X POST "$SPOT_SIM_CONTROL_URL"pools/us-east-1c/m1.medium -d '{"capacity":0}' >/dev/null || fail "set capacity"
out=$("${EC2[@]}" run-instances --image-id "$img" --instance-type m1.medium --placement AvailabilityZone=us-east-1c --count 1 2>&1) \
  && fail "launched into a full pool"
[[ "$out" == *InsufficientInstanceCapacity*"We currently do not have sufficient m1.medium capacity"* ]] || fail "capacity error: $out"
ctl -X POST "$SPOT_SIM_CONTROL_URL"pools/us-east-1c/m1.medium -d '{"capacity":20}' >/dev/null

# A bad secret: SignatureDoesNotMatch; an unknown key: AuthFailure.
out=$(AWS_SECRET_ACCESS_KEY=wrong "${EC2[@]}" describe-instances 2>&1) && fail "a bad signature was accepted"
[[ "$out" == *SignatureDoesNotMatch*"The request signature we calculated does not match"* ]] || fail "bad signature: $out"
out=$(AWS_ACCESS_KEY_ID=AKIANOTKNOWN00000000 "${EC2[@]}" describe-instances 2>&1) && fail "an unknown key was accepted"
[[ "$out" == *AuthFailure* ]] || fail "unknown key: $out"
it_ok
