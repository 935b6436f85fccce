# test_sim_lifecycle.sh - a simulated instance's life: run-instances -> its IMDSv2 answers with a
# token (401 without) -> its agent process (the real spot-agent) starts and registers -> a triggered termination notice shows in
# spot/instance-action -> after the stated (scaled) deadline it is terminated and the process is
# gone. Also: botocore-signed requests (one byte changed is refused) and bad input.
. "$(dirname "$0")/harness.sh"
it_env
[ -x /usr/bin/aws ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends awscli >/dev/null || fail "cannot install awscli"; }
export AWS_ACCESS_KEY_ID=$SPOT_SIM_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$SPOT_SIM_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION=$SPOT_SIM_REGION AWS_MAX_ATTEMPTS=1 AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
EC2=(/usr/bin/aws --endpoint-url "$SPOT_SIM_EC2_URL" ec2)
BASE=${SPOT_SIM_EC2_URL%/}
ctl() { curl -sf --max-time 10 "$@"; }
ctl -X POST "${SPOT_SIM_CONTROL_URL}clock" -d '{"scale":20}' >/dev/null || fail "clock scale"

# The user data is a real agent config: the simulator runs the real spot-agent for the instance.
new_client
logical=$(rand_name it-life)
printf 'SPOT_LOGICAL_ID=%s\nSPOT_URL=%s\nSPOT_CLIENT_TOKEN=%s\nSPOT_CA_FILE=%s\nSPOT_HEARTBEAT_SECONDS=2\n' \
  "$logical" "$SPOT_URL" "$CLIENT_TOKEN" "$SPOT_CA_FILE" > "$IT_TMP/ud"
id=$("${EC2[@]}" run-instances --image-id ami-0a1b2c3d4e5f60001 --instance-type m1.small --count 1 \
  --instance-market-options MarketType=spot --iam-instance-profile Name=it-role --user-data "file://$IT_TMP/ud" \
  --query 'Instances[0].InstanceId' --output text) || fail "run-instances"
IMDS=$BASE/imds/$id
state() { ctl "${SPOT_SIM_CONTROL_URL}instances" | jq -r --arg id "$id" '.[] | select(.id == $id) | .state'; }
pid_of() { ctl "${SPOT_SIM_CONTROL_URL}instances" | jq -r --arg id "$id" '.[] | select(.id == $id) | .agent_pid // empty'; }
is_running() { [ "$(state)" = running ]; }
poll 60 is_running || fail "$id never ran"

# IMDSv2: token rules.
[ "$(curl -s -o /dev/null -w '%{http_code}' "$IMDS/latest/meta-data/instance-id")" = 401 ] || fail "GET without a token"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21601' "$IMDS/latest/api/token")" = 400 ] \
  || fail "ttl 21601 accepted"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$IMDS/latest/api/token")" = 400 ] || fail "PUT without ttl"
tok=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$IMDS/latest/api/token") || fail "token PUT"
md() { curl -sf -H "X-aws-ec2-metadata-token: $tok" "$IMDS/latest/meta-data/$1"; }
[ "$(md instance-id)" = "$id" ] || fail "instance-id"
[ "$(md instance-life-cycle)" = spot ] || fail "instance-life-cycle"
[ "$(md placement/region)" = "$SPOT_SIM_REGION" ] || fail "placement/region"
[ "$(curl -sf -H "X-aws-ec2-metadata-token: $tok" "$IMDS/latest/user-data")" = "$(cat "$IT_TMP/ud")" ] || fail "user-data"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-aws-ec2-metadata-token: $tok" "$IMDS/latest/meta-data/spot/instance-action")" = 404 ] \
  || fail "instance-action before a notice"
# Another instance's token is refused.
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-aws-ec2-metadata-token: $tok" "$BASE/imds/i-0000000000000000a/latest/meta-data/instance-id")" = 404 ] \
  || fail "unknown instance"

# Instance-profile credentials work against the EC2 API (with their session token).
cred=$(md iam/security-credentials/it-role) || fail "credentials"
AWS_ACCESS_KEY_ID=$(jq -r .AccessKeyId <<<"$cred") AWS_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey <<<"$cred") \
  AWS_SESSION_TOKEN=$(jq -r .Token <<<"$cred") "${EC2[@]}" describe-instances --instance-ids "$id" >/dev/null \
  || fail "temporary credentials refused"
out=$(AWS_ACCESS_KEY_ID=$(jq -r .AccessKeyId <<<"$cred") AWS_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey <<<"$cred") \
  "${EC2[@]}" describe-instances --instance-ids "$id" 2>&1) && fail "temporary credentials without their token accepted"
[[ "$out" == *AuthFailure* ]] || fail "no token: $out"

# The agent process (the real spot-agent, spot-sim's default) runs with its config file and registers.
pid=$(pid_of)
[ -n "$pid" ] && [ -d "/proc/$pid" ] || fail "no agent process (pid '$pid')"
[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$SPOT_BUILD_DIR/spot-agent")" ] || fail "the instance program is $(readlink "/proc/$pid/exe"), not spot-agent"
agent_logged() { grep -q "agent_init: instance $id" "$IT_DIR/run/sim-agents/$id.log" 2>/dev/null; }
poll 30 agent_logged || fail "the agent did not log its instance id"
registered() { [ "$(sql "SELECT COUNT(*) FROM instances i JOIN agents a ON a.id = i.agent_id WHERE i.id='$id' AND a.logical_agent_id='$logical'")" = 1 ]; }
poll 30 registered || fail "the agent of $id did not register: $(tail -n 5 "$IT_DIR/run/sim-agents/$id.log" | tr '\n' '|')"

# A termination notice with a 120 s lead (6 s at scale 20), after a rebalance recommendation.
notice=$(ctl -X POST "${SPOT_SIM_CONTROL_URL}instances/$id/interrupt" -d '{"action":"terminate","lead_seconds":120,"rebalance":true}') \
  || fail "interrupt"
deadline=$(jq -r .notice_time <<<"$notice")
ia=$(md spot/instance-action) || fail "no instance-action after the notice"
[ "$(jq -r .action <<<"$ia")" = terminate ] || fail "instance-action: $ia"
[[ "$(jq -r .time <<<"$ia")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || fail "time: $ia"
[ "$(jq -r .time <<<"$ia")" = "${deadline%.000Z}Z" ] || fail "stated $deadline, IMDS says $ia"
md events/recommendations/rebalance | jq -e .noticeTime >/dev/null || fail "no rebalance recommendation"
gone() { [ "$(state)" = terminated ] && ! { [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; }; }
poll 60 gone || fail "not terminated, or the agent pid $pid still runs"
now=$(date -u +%s)
[ "$now" -ge "$(date -u -d "$(jq -r .time <<<"$ia")" +%s)" ] || fail "terminated before the stated deadline"
[ "$("${EC2[@]}" describe-instances --instance-ids "$id" --query 'Reservations[0].Instances[0].StateReason.Code' --output text)" \
  = Server.SpotInstanceTermination ] || fail "state reason"
ctl "${SPOT_SIM_CONTROL_URL}events" | jq -r '.[].text' | grep -q "$id: agent pid $pid killed" || fail "no kill in the event log"

# botocore (Debian's, under /usr/bin/python3) signs a request that is accepted; one byte changed is refused.
/usr/bin/python3 - "$SPOT_SIM_EC2_URL" "$SPOT_SIM_REGION" <<'PY' || fail "botocore signing check"
import sys, urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import os
url, region = sys.argv[1], sys.argv[2]
creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
body = "Action=DescribeAvailabilityZones&Version=2016-11-15"
req = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
SigV4Auth(creds, "ec2", region).add_auth(req)
def send(data):
    r = urllib.request.Request(url, data=data.encode(), method="POST", headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
st, text = send(body)
assert st == 200 and "DescribeAvailabilityZonesResponse" in text, (st, text)
st, text = send(body.replace("Zones", "Zonez"))
assert st == 403 and "<Code>SignatureDoesNotMatch</Code>" in text, (st, text)
PY

# Bad input: AWS-shaped errors, never a crash.
sign_post() {  # sign_post BODY -> sets STATUS and BODY through botocore
  /usr/bin/python3 - "$SPOT_SIM_EC2_URL" "$SPOT_SIM_REGION" "$1" > "$IT_TMP/resp" <<'PY'
import sys, os, urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, region, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
SigV4Auth(Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]), "ec2", region).add_auth(req)
r = urllib.request.Request(url, data=body.encode(), method="POST", headers=dict(req.headers.items()))
try:
    with urllib.request.urlopen(r, timeout=10) as resp:
        print(resp.status); print(resp.read().decode())
except urllib.error.HTTPError as e:
    print(e.code); print(e.read().decode())
PY
  STATUS=$(head -n 1 "$IT_TMP/resp"); BODY=$(tail -n +2 "$IT_TMP/resp")
}
expect_ec2_error() {
  [ "$STATUS" = "$1" ] || fail "expected HTTP $1, got $STATUS"
  [[ "$BODY" == *"<Response><Errors><Error><Code>$2</Code><Message>"*"</Message></Error></Errors><RequestID>"* ]] \
    || fail "expected the error document with $2"
}
sign_post "Action=NoSuchAction&Version=2016-11-15"; expect_ec2_error 400 InvalidAction
sign_post "Version=2016-11-15"; expect_ec2_error 400 MissingAction
sign_post "Action=RunInstances&Version=2016-11-15&MinCount=1&MaxCount=1"; expect_ec2_error 400 MissingParameter
sign_post "Action=RunInstances&Version=2016-11-15&ImageId=ami-0a1b2c3d4e5f60001&MinCount=x&MaxCount=1"; expect_ec2_error 400 InvalidParameterValue
sign_post "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0"; expect_ec2_error 400 InvalidInstanceID.NotFound
sign_post "Action=DescribeSpotPriceHistory&Version=2016-11-15&NextToken=$(head -c 5000 /dev/zero | tr '\0' A)"; expect_ec2_error 400 InvalidParameterValue
sign_post "Action=DescribeSpotPriceHistory&Version=2016-11-15&NextToken=sph.1.2x"; expect_ec2_error 400 InvalidParameterValue
sign_post "Action=DescribeSpotPriceHistory&Version=2016-11-15&StartTime=yesterday"; expect_ec2_error 400 InvalidParameterValue
sign_post "Action=DescribeInstances&Version=2016-11-15&Bad=%zz"; expect_ec2_error 400 InvalidParameterValue
# Unsigned and expired requests.
STATUS=$(curl -s -o "$IT_TMP/b" -w '%{http_code}' -d 'Action=DescribeInstances&Version=2016-11-15' "$SPOT_SIM_EC2_URL"); BODY=$(cat "$IT_TMP/b")
expect_ec2_error 401 AuthFailure
STATUS=$(curl -s -o "$IT_TMP/b" -w '%{http_code}' -H 'X-Amz-Date: 20200101T000000Z' \
  -H "Authorization: AWS4-HMAC-SHA256 Credential=$AWS_ACCESS_KEY_ID/20200101/$SPOT_SIM_REGION/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=$(printf '0%.0s' {1..64})" \
  -d 'Action=DescribeInstances&Version=2016-11-15' "$SPOT_SIM_EC2_URL"); BODY=$(cat "$IT_TMP/b")
expect_ec2_error 400 RequestExpired
# A body over the limit is refused, and the simulator still answers.
head -c 2000000 /dev/zero | tr '\0' a > "$IT_TMP/big"
[ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary "@$IT_TMP/big" "$SPOT_SIM_EC2_URL")" = 413 ] || fail "huge body"
ctl "${SPOT_SIM_CONTROL_URL}clock" >/dev/null || fail "the simulator stopped answering"
ctl -X POST "${SPOT_SIM_CONTROL_URL}clock" -d '{"scale":1}' >/dev/null
it_ok
