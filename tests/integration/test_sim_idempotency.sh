# test_sim_idempotency.sh - RunInstances ClientToken idempotency as AWS defines it (same token and
# parameters: the original reservation and instances, nothing new; same token, other parameters:
# IdempotentParameterMismatch; a failed call records nothing) and Elastic IP moves
# (AssociateAddress with and without AllowReassociation, DisassociateAddress, termination), with the
# real AWS CLI against the stack's spot-sim.
. "$(dirname "$0")/harness.sh"
it_env
[ -x /usr/bin/aws ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends awscli >/dev/null || fail "cannot install awscli"; }
export AWS_ACCESS_KEY_ID=$SPOT_SIM_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$SPOT_SIM_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION=$SPOT_SIM_REGION AWS_MAX_ATTEMPTS=1 AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
EC2=(/usr/bin/aws --endpoint-url "$SPOT_SIM_EC2_URL" ec2)
ctl() { curl -sf --max-time 10 "$@"; }
count_instances() { ctl "${SPOT_SIM_CONTROL_URL}instances" | jq length; }
IMG=ami-0a1b2c3d4e5f60001
ctl -X POST "${SPOT_SIM_CONTROL_URL}clock" -d '{"scale":50}' >/dev/null || fail "clock scale"
trap 'ctl -X POST "${SPOT_SIM_CONTROL_URL}clock" -d "{\"scale\":1}" >/dev/null 2>&1; rm -rf "$IT_TMP"' EXIT

# ---- ClientToken ----
tok=it-idem-$(openssl rand -hex 6)
run() { "${EC2[@]}" run-instances --image-id $IMG --count 2 --client-token "$tok" --output json "$@"; }
first=$(run --instance-type m5.large --tag-specifications 'ResourceType=instance,Tags=[{Key=it,Value=idem}]') || fail "first run-instances"
res=$(jq -r .ReservationId <<<"$first")
ids=$(jq -r '[.Instances[].InstanceId] | sort | join(" ")' <<<"$first")
[ "$(jq '.Instances | length' <<<"$first")" = 2 ] || fail "expected 2 instances: $first"
[ "$(jq -r '.Instances[0].ClientToken' <<<"$first")" = "$tok" ] || fail "clientToken not echoed"
n0=$(count_instances)
# The same token and parameters, twice: the same reservation and instances, nothing new.
for i in 1 2; do
  again=$(run --instance-type m5.large --tag-specifications 'ResourceType=instance,Tags=[{Key=it,Value=idem}]') || fail "retry $i"
  [ "$(jq -r .ReservationId <<<"$again")" = "$res" ] || fail "retry $i: another reservation"
  [ "$(jq -r '[.Instances[].InstanceId] | sort | join(" ")' <<<"$again")" = "$ids" ] || fail "retry $i: other instances"
done
[ "$(count_instances)" = "$n0" ] || fail "retries launched instances ($n0 -> $(count_instances))"
[ "$("${EC2[@]}" describe-instances --filters "Name=client-token,Values=$tok" --query 'length(Reservations[].Instances[])' --output text)" = 2 ] \
  || fail "client-token filter"
# The same token with other parameters (type; tags; count): IdempotentParameterMismatch, nothing launched.
for variant in "--instance-type c5.large --tag-specifications ResourceType=instance,Tags=[{Key=it,Value=idem}]" \
               "--instance-type m5.large --tag-specifications ResourceType=instance,Tags=[{Key=it,Value=other}]" \
               "--instance-type m5.large"; do
  # shellcheck disable=SC2086
  out=$(run $variant 2>&1) && fail "mismatch accepted: $variant"
  [[ "$out" == *IdempotentParameterMismatch*"inconsistent with arguments used in previous request"* ]] || fail "mismatch ($variant): $out"
done
[ "$(count_instances)" = "$n0" ] || fail "a mismatch launched instances"
# Still the original after the instances are gone (EC2 keeps the token's answer).
"${EC2[@]}" terminate-instances --instance-ids $ids >/dev/null || fail "terminate"
again=$(run --instance-type m5.large --tag-specifications 'ResourceType=instance,Tags=[{Key=it,Value=idem}]') || fail "retry after terminate"
[ "$(jq -r .ReservationId <<<"$again")" = "$res" ] || fail "after terminate: another reservation"
[ "$(count_instances)" = "$n0" ] || fail "a retry after terminate launched instances"
# A failed call records nothing: after the capacity error the same token launches.
tok=it-idem-$(openssl rand -hex 6)
ctl -X POST "${SPOT_SIM_CONTROL_URL}pools/us-east-1c/r5.large" -d '{"capacity":0}' >/dev/null || fail "capacity 0"
out=$("${EC2[@]}" run-instances --image-id $IMG --count 1 --instance-type r5.large --placement AvailabilityZone=us-east-1c \
  --client-token "$tok" 2>&1) && fail "launched into a full pool"
[[ "$out" == *InsufficientInstanceCapacity* ]] || fail "capacity error: $out"
ctl -X POST "${SPOT_SIM_CONTROL_URL}pools/us-east-1c/r5.large" -d '{"capacity":5}' >/dev/null || fail "capacity 5"
ok=$("${EC2[@]}" run-instances --image-id $IMG --count 1 --instance-type r5.large --placement AvailabilityZone=us-east-1c \
  --client-token "$tok" --query 'Instances[0].InstanceId' --output text) || fail "retry after the capacity error"
[[ "$ok" == i-* ]] || fail "retry after the capacity error: $ok"
# A token longer than 64 characters is refused.
out=$("${EC2[@]}" run-instances --image-id $IMG --count 1 --client-token "$(printf 'x%.0s' {1..65})" 2>&1) && fail "a 65-character token"
[[ "$out" == *InvalidParameterValue* ]] || fail "long token: $out"

# ---- Elastic IPs ----
a=$("${EC2[@]}" run-instances --image-id $IMG --count 1 --instance-type m5.large --query 'Instances[0].InstanceId' --output text) || fail "run a"
b=$("${EC2[@]}" run-instances --image-id $IMG --count 1 --instance-type m5.large --query 'Instances[0].InstanceId' --output text) || fail "run b"
state() { "${EC2[@]}" describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].State.Name' --output text; }
running() { [ "$(state "$1")" = running ]; }
poll 60 running "$a" || fail "$a never ran"
poll 60 running "$b" || fail "$b never ran"
pub() { "${EC2[@]}" describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].PublicIpAddress' --output text; }
a_own=$(pub "$a") b_own=$(pub "$b")
e1=$("${EC2[@]}" allocate-address --domain vpc --output json) || fail "allocate e1"
e1_id=$(jq -r .AllocationId <<<"$e1") e1_ip=$(jq -r .PublicIp <<<"$e1")
x1=$("${EC2[@]}" associate-address --allocation-id "$e1_id" --instance-id "$a" --query AssociationId --output text) || fail "associate e1 a"
[[ "$x1" == eipassoc-* ]] || fail "association id $x1"
[ "$(pub "$a")" = "$e1_ip" ] || fail "a does not show the Elastic IP"
# Again to the same instance: fine without the flag, the same association.
[ "$("${EC2[@]}" associate-address --allocation-id "$e1_id" --instance-id "$a" --query AssociationId --output text)" = "$x1" ] \
  || fail "re-association with the same instance"
# To another instance: refused without AllowReassociation, nothing moves.
out=$("${EC2[@]}" associate-address --allocation-id "$e1_id" --instance-id "$b" 2>&1) && fail "moved without AllowReassociation"
[[ "$out" == *Resource.AlreadyAssociated* ]] || fail "without the flag: $out"
[ "$("${EC2[@]}" describe-addresses --allocation-ids "$e1_id" --query 'Addresses[0].InstanceId' --output text)" = "$a" ] \
  || fail "the address moved anyway"
# With it: moves, with a new association; a gets its own address back; b's metadata shows the Elastic IP.
x2=$("${EC2[@]}" associate-address --allocation-id "$e1_id" --instance-id "$b" --allow-reassociation --query AssociationId --output text) \
  || fail "move with AllowReassociation"
[ "$x2" != "$x1" ] || fail "the move kept the association id"
[ "$("${EC2[@]}" describe-addresses --allocation-ids "$e1_id" --query 'Addresses[0].[InstanceId,AssociationId]' --output text)" \
  = "$b	$x2" ] || fail "describe-addresses after the move"
[ "$(pub "$b")" = "$e1_ip" ] || fail "b does not show the Elastic IP"
[ "$(pub "$a")" = "$a_own" ] || fail "a did not get its own address back"
itok=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "${SPOT_SIM_EC2_URL%/}/imds/$b/latest/api/token") || fail "imds token"
[ "$(curl -sf -H "X-aws-ec2-metadata-token: $itok" "${SPOT_SIM_EC2_URL%/}/imds/$b/latest/meta-data/public-ipv4")" = "$e1_ip" ] \
  || fail "b's IMDS public-ipv4"
# A second address for b replaces the first there (one per instance here); the first stays allocated.
e2_id=$("${EC2[@]}" allocate-address --domain vpc --query AllocationId --output text) || fail "allocate e2"
x3=$("${EC2[@]}" associate-address --allocation-id "$e2_id" --instance-id "$b" --query AssociationId --output text) || fail "associate e2 b"
[ "$("${EC2[@]}" describe-addresses --allocation-ids "$e1_id" --query 'Addresses[0].InstanceId' --output text)" = None ] \
  || fail "e1 still on b"
# Disassociate by association id; twice is InvalidAssociationID.NotFound.
"${EC2[@]}" disassociate-address --association-id "$x3" || fail "disassociate"
[ "$(pub "$b")" = "$b_own" ] || fail "b did not get its own address back"
out=$("${EC2[@]}" disassociate-address --association-id "$x3" 2>&1) && fail "disassociated twice"
[[ "$out" == *InvalidAssociationID.NotFound* ]] || fail "second disassociate: $out"
# Unknown allocation; termination releases the association but not the address.
out=$("${EC2[@]}" associate-address --allocation-id eipalloc-0000000000000000f --instance-id "$a" 2>&1) && fail "unknown allocation"
[[ "$out" == *InvalidAllocationID.NotFound* ]] || fail "unknown allocation: $out"
"${EC2[@]}" associate-address --allocation-id "$e2_id" --instance-id "$a" >/dev/null || fail "associate e2 a"
"${EC2[@]}" terminate-instances --instance-ids "$a" "$b" >/dev/null || fail "terminate a b"
[ "$("${EC2[@]}" describe-addresses --allocation-ids "$e2_id" --query 'Addresses[0].[AllocationId,InstanceId]' --output text)" = "$e2_id	None" ] \
  || fail "after terminate"
it_ok
