/*
 * test_sim_fuzz.c - spot-sim's untrusted-input edges fed random and malformed
 * input, bounded and seeded (the same cases every run): the form parser and
 * its list/filter readers, every EC2 action handler (called as the dispatcher
 * calls them, after authentication), the unsigned request path through
 * ec2_api_handle, the control API and IMDS. Nothing may crash, leak (ASan
 * build: spot_unit_test under SPOT_SANITIZE) or answer outside its shapes.
 */
#include "sim/control.h"
#include "sim/ec2_api.h"
#include "sim/form.h"
#include "sim/imds.h"
#include "sim/sim.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_SEED 0x5eed5eedULL
#define FUZZ_FORMS 6000
#define FUZZ_CALLS 6000

static uint64_t fuzz_state;

static uint64_t fuzz_rand(void)
{
	uint64_t z = (fuzz_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t fuzz_below(size_t n)
{
	return n ? (size_t)(fuzz_rand() % n) : 0;
}

static const char *const fuzz_keys[] = {
	"Action", "Version", "ImageId", "MinCount", "MaxCount", "InstanceType", "InstanceId.1", "InstanceId.2",
	"InstanceId.0", "InstanceId.1000001", "Filter.1.Name", "Filter.1.Value.1", "Filter.2.Name", "Filter.2.Value.1",
	"Filter.1.Value.99", "Filter.x.Name", "Filter.1.Name.", "NextToken", "MaxResults", "StartTime", "EndTime",
	"ClientToken", "UserData", "TagSpecification.1.ResourceType", "TagSpecification.1.Tag.1.Key",
	"TagSpecification.1.Tag.1.Value", "Tag.1.Key", "Tag.1.Value", "ResourceId.1", "AllocationId", "AllocationId.1",
	"AssociationId", "PublicIp", "AllowReassociation", "Placement.AvailabilityZone", "InstanceMarketOptions.MarketType",
	"InstanceMarketOptions.SpotOptions.MaxPrice", "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior",
	"SecurityGroupId.1", "SecurityGroup.1", "KeyName", "SubnetId", "IamInstanceProfile.Name", "IamInstanceProfile.Arn",
	"Name", "Description", "NoReboot", "Owner.1", "ImageId.1", "SnapshotId", "SnapshotId.1", "Domain", "ZoneName.1",
	"ProductDescription.1", "AvailabilityZone", "InstanceType.1", "DryRun",
};

static const char *const fuzz_values[] = {
	"", "1", "0", "-1", "1000", "1001", "99999999999999999999", "true", "false", "TRUE", "spot", "capacity-block",
	"terminate", "stop", "hibernate", "nope", "ami-0a1b2c3d4e5f60001", "ami-", "ami-zzzz", "i-0123456789abcdef0", "i-",
	"m5.large", "m1.small", "M5.LARGE", "m5..large", ".x", "us-east-1a", "us-east-1z", "us-west-2b", "*", "?*?",
	"instance-state-name", "tag:it", "tag-key", "client-token", "instance-type", "availability-zone",
	"product-description", "Linux/UNIX", "2013-01-01T00:00:00Z", "2099-13-45T99:99:99Z", "yesterday",
	"sph.1.2", "sph.1.99999999999999999999", "din.-1.0", "din.0.5", "eipalloc-0000000000000000f", "eipassoc-1",
	"203.0.0.1", "vpc", "standard", "U1BPVF9MT0dJQ0FMX0lEPXgK", "not base64!", "aws:reserved", "instance", "volume",
	"0.001", "1e400", "nan", "-0.5", "%00", "%zz", "%", "a+b", "DescribeInstances", "RunInstances",
	"arn:aws:iam::1:instance-profile/", "arn:aws:iam::1:instance-profile/role",
};

/* A random byte string that form_parse must survive. */
static void fuzz_bytes(struct strbuf *sb, size_t max)
{
	static const char alphabet[] = "&=%+.A1aZ9 -_~\x01\x7f\xff/?#;";
	size_t n = fuzz_below(max);
	for (size_t i = 0; i < n; i++) {
		if (fuzz_below(4))
			strbuf_addch(sb, alphabet[fuzz_below(sizeof(alphabet) - 1)]);
		else
			strbuf_addch(sb, (char)(1 + fuzz_below(255)));
	}
}

/* Percent-encodes s, sometimes badly. */
static void fuzz_encode(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (fuzz_below(50) == 0)
			strbuf_addstr(sb, "%g");
		else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.~*", c))
			strbuf_addch(sb, (char)c);
		else
			strbuf_addf(sb, "%%%02X", c);
	}
}

/* A form body: mostly plausible EC2 keys and values, sometimes junk. */
static void fuzz_form(struct strbuf *sb, const char *const *ids, size_t nids)
{
	size_t n = fuzz_below(14);
	if (fuzz_below(10) == 0) {
		fuzz_bytes(sb, 300);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = fuzz_values[fuzz_below(sizeof(fuzz_values) / sizeof(fuzz_values[0]))];
		if (nids && fuzz_below(4) == 0)
			v = ids[fuzz_below(nids)];
		if (i)
			strbuf_addch(sb, fuzz_below(30) ? '&' : ';');
		fuzz_encode(sb, fuzz_keys[fuzz_below(sizeof(fuzz_keys) / sizeof(fuzz_keys[0]))]);
		if (fuzz_below(20))
			strbuf_addch(sb, '=');
		if (fuzz_below(25) == 0) {
			for (size_t k = 0, m = fuzz_below(3000); k < m; k++)
				strbuf_addch(sb, 'A');
		} else {
			fuzz_encode(sb, v);
		}
	}
}

typedef int fuzz_action_fn(struct ec2_call *c);

static fuzz_action_fn *const fuzz_actions[] = {
	ec2_market_describe_availability_zones, ec2_market_describe_regions, ec2_market_describe_spot_price_history,
	ec2_market_describe_instance_types, ec2_instances_run, ec2_instances_describe, ec2_instances_terminate,
	ec2_instances_create_tags, ec2_images_create, ec2_images_describe, ec2_images_deregister,
	ec2_images_describe_snapshots, ec2_images_delete_snapshot, ec2_addresses_allocate, ec2_addresses_associate,
	ec2_addresses_disassociate, ec2_addresses_describe,
};

static struct sim *fuzz_sim(struct sim_settings *s, char *agent_dir)
{
	struct sim *sim = xcalloc(1, sizeof(*sim));
	const char *shared = getenv("SPOT_SHARED_DIR");
	struct strbuf prices = STRBUF_INIT;

	if (shared)
		strbuf_addf(&prices, "%s/testdata/spot-prices/real/us-east-1_2012-12-31_2013-01-15_linux-unix.csv", shared);
	memset(s, 0, sizeof(*s));
	s->listen_addr = xstrdup("127.0.0.1");
	s->port = 1;
	s->default_region = xstrdup("us-east-1");
	s->regions = xstrdup("us-west-2");
	s->price_files = strbuf_detach(&prices, NULL);
	s->history_fraction = 0.5;
	s->seed = 99;
	s->scale = 100;
	s->access_key_id = xstrdup("AKIAFUZZ000000000000");
	s->secret_access_key = xstrdup("fuzz-secret");
	s->boot_delay_ms = 1000;
	s->image_delay_ms = 1000;
	s->terminate_delay_ms = 1000;
	s->notice_lead_ms = 120000;
	s->rebalance_lead_ms = 60000;
	s->rebalance = 1;
	s->interruption_factor = 1000;
	s->interruptions = xstrdup("60:*:*:2,120");
	s->types = xstrdup("m5.large");
	s->advisor_file = xstrdup("");
	s->capacity = 3;
	s->agent_cmd = xstrdup("none");
	s->agent_dir = xstrdup(agent_dir);
	s->ec2_url = xstrdup("http://127.0.0.1:1/");
	ck_assert_int_eq(sim_init(sim, s, 1700000000000LL), 0);
	return sim;
}

static void fuzz_settings_free(struct sim_settings *s)
{
	free(s->listen_addr);
	free(s->default_region);
	free(s->regions);
	free(s->price_files);
	free(s->access_key_id);
	free(s->secret_access_key);
	free(s->interruptions);
	free(s->types);
	free(s->advisor_file);
	free(s->agent_cmd);
	free(s->agent_dir);
	free(s->ec2_url);
}

START_TEST(test_fuzz_form_parser)
{
	fuzz_state = FUZZ_SEED;
	for (int i = 0; i < FUZZ_FORMS; i++) {
		struct strbuf sb = STRBUF_INIT;
		struct form f;
		struct form_filter *fl = NULL;
		const char **v = NULL;
		char err[128];
		int n;

		fuzz_form(&sb, NULL, 0);
		form_init(&f);
		if (form_parse(&f, sb.buf, sb.len, err, sizeof(err)) == 0) {
			ck_assert_uint_le(f.n, FORM_MAX_PARAMS);
			for (size_t k = 0; k < f.n; k++) {
				ck_assert_ptr_nonnull(f.params[k].key);
				ck_assert_uint_le(strlen(f.params[k].key), FORM_MAX_KEY_LEN);
			}
			n = form_list(&f, "InstanceId", &v);
			ck_assert_int_ge(n, 0);
			free(v);
			n = form_filters(&f, &fl);
			if (n > 0)
				form_filters_free(fl, n);
		} else {
			ck_assert_uint_gt(strlen(err), 0);
		}
		form_release(&f);
		strbuf_release(&sb);
	}
}
END_TEST

START_TEST(test_fuzz_handlers)
{
	char dir[] = "/tmp/spot-sim-fuzz.XXXXXX";
	struct sim_settings set;
	struct sim *sim;
	int64_t now = 1700000000000LL;
	size_t errors = 0, oks = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	fuzz_state = FUZZ_SEED + 1;
	sim = fuzz_sim(&set, dir);
	for (int i = 0; i < FUZZ_CALLS; i++) {
		struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
		const char *ids[8];
		size_t nids = 0;
		struct form f;
		char err[128];
		struct ec2_call c;

		for (size_t k = 0; k < sim->ninstances && nids < 8; k += 1 + fuzz_below(5))
			ids[nids++] = sim->instances[sim->ninstances - 1 - k].id;
		if (sim->naddresses && nids < 8)
			ids[nids++] = sim->addresses[fuzz_below(sim->naddresses)].allocation_id;
		if (sim->nimages && nids < 8)
			ids[nids++] = sim->images[fuzz_below(sim->nimages)].id;
		fuzz_form(&sb, ids, nids);
		form_init(&f);
		if (form_parse(&f, sb.buf, sb.len, err, sizeof(err)) == 0) {
			memset(&c, 0, sizeof(c));
			c.sim = sim;
			c.form = &f;
			c.action = "Fuzz";
			c.region = fuzz_below(8) ? "us-east-1" : "us-west-2";
			snprintf(c.request_id, sizeof(c.request_id), "00000000-0000-4000-a000-000000000000");
			c.now_ms = now;
			c.out = &out;
			c.status = 200;
			sim_touch(sim, now);
			if (fuzz_actions[fuzz_below(sizeof(fuzz_actions) / sizeof(fuzz_actions[0]))](&c) < 0) {
				errors++;
				ck_assert_int_ge(c.status, 400);
				ck_assert_ptr_nonnull(strstr(out.buf, "<Response><Errors><Error><Code>"));
			} else {
				oks++;
				ck_assert_int_eq(c.status, 200);
				ck_assert_ptr_nonnull(strstr(out.buf, "<requestId>"));
			}
		}
		form_release(&f);
		strbuf_release(&sb);
		strbuf_release(&out);
		if (i % 50 == 0) {
			now += (int64_t)fuzz_below(5000);
			sim_tick(sim, now);
		}
	}
	/* Both kinds happened: the fuzzer reached past the validation. */
	ck_assert_uint_gt(errors, 100);
	ck_assert_uint_gt(oks, 100);
	sim_kill_agents(sim);
	sim_release(sim);
	free(sim);
	fuzz_settings_free(&set);
	rmdir(dir);
}
END_TEST

/* Whole requests: unsigned EC2 calls (form parse, then AuthFailure), the control API and IMDS paths. */
START_TEST(test_fuzz_requests)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "HEAD", "" };
	static const char *const prefixes[] = { "/", "/_sim/", "/_sim/pools/", "/_sim/pools/us-east-1a/",
						"/_sim/instances/", "/_sim/schedule", "/_sim/clock", "/_sim/events",
						"/imds/", "/imds/i-0/latest/", "/_sim/on-demand" };
	static const char *const bodies[] = { "", "{}", "{\"scale\": 1e308}", "{\"scale\": -1}", "{\"price\": \"0.05\"}",
					       "{\"capacity\": 1e12}", "{\"interruption_rate\": \"x\"}",
					       "{\"at_seconds\": 1, \"in_seconds\": 1}", "{\"in_seconds\": 5, \"count\": \"all\"}",
					       "{\"action\": 7}", "{\"lead_seconds\": -1}", "{\"rebalance_lead_seconds\": 5}",
					       "[1,2", "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":{\"k\":{\"l\":{\"m\":{\"n\":{\"o\":{\"p\":{\"q\":1}}}}}}}}}}}}}}}}}" };
	char dir[] = "/tmp/spot-sim-fuzz.XXXXXX";
	struct sim_settings set;
	struct sim *sim;
	int64_t now = 1700000000000LL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	fuzz_state = FUZZ_SEED + 2;
	sim = fuzz_sim(&set, dir);
	for (int i = 0; i < FUZZ_CALLS; i++) {
		struct strbuf path = STRBUF_INIT, target = STRBUF_INIT, query = STRBUF_INIT, body = STRBUF_INIT;
		struct sigv4_header h[3];
		struct http_req req;
		struct http_resp resp;
		const char *prefix = prefixes[fuzz_below(sizeof(prefixes) / sizeof(prefixes[0]))];
		char tok[160];

		strbuf_addstr(&path, prefix);
		if (fuzz_below(3) == 0 && sim->ninstances)
			strbuf_addf(&path, "%s/", sim->instances[fuzz_below(sim->ninstances)].id);
		if (fuzz_below(2))
			fuzz_bytes(&path, 40);
		else
			strbuf_addstr(&path, fuzz_values[fuzz_below(sizeof(fuzz_values) / sizeof(fuzz_values[0]))]);
		if (!strncmp(prefix, "/imds/", 6) && fuzz_below(2) && sim->ninstances) {
			const char *id = sim->instances[fuzz_below(sim->ninstances)].id;
			static const char *const md[] = { "/latest/api/token", "/latest/meta-data/", "/latest/meta-data/spot/instance-action",
							  "/latest/meta-data/events/recommendations/rebalance", "/latest/user-data",
							  "/latest/dynamic/instance-identity/document", "/latest/meta-data/iam/security-credentials/x" };
			strbuf_reset(&path);
			strbuf_addf(&path, "/imds/%s%s", id, md[fuzz_below(sizeof(md) / sizeof(md[0]))]);
			imds_token_make(sim, id, now + 60000, tok, sizeof(tok));
		} else {
			snprintf(tok, sizeof(tok), "AQAE%llx_%s", (unsigned long long)fuzz_rand(), fuzz_below(2) ? "00" : "");
		}
		fuzz_form(&query, NULL, 0);
		if (fuzz_below(2))
			strbuf_addstr(&body, bodies[fuzz_below(sizeof(bodies) / sizeof(bodies[0]))]);
		else
			fuzz_form(&body, NULL, 0);
		strbuf_addf(&target, "%s?%s", path.buf, query.buf);
		h[0].name = "X-aws-ec2-metadata-token-ttl-seconds";
		h[0].value = fuzz_values[fuzz_below(sizeof(fuzz_values) / sizeof(fuzz_values[0]))];
		h[1].name = "X-aws-ec2-metadata-token";
		h[1].value = tok;
		h[2].name = "Authorization";
		h[2].value = fuzz_below(2) ? "AWS4-HMAC-SHA256 Credential=AKIAFUZZ000000000000/20231114/us-east-1/ec2/aws4_request, "
					     "SignedHeaders=host;x-amz-date, Signature=00"
					   : "garbage";
		memset(&req, 0, sizeof(req));
		req.method = methods[fuzz_below(sizeof(methods) / sizeof(methods[0]))];
		req.target = target.buf;
		req.path = path.buf;
		req.query = query.buf;
		req.headers = h;
		req.nheaders = 1 + fuzz_below(3);
		req.body = body.buf;
		req.body_len = body.len;
		req.loopback = (int)fuzz_below(8) != 0;
		req.now_ms = now;
		memset(&resp, 0, sizeof(resp));
		strbuf_init(&resp.body, 0);
		resp.status = 500;
		if (!strncmp(path.buf, IMDS_PREFIX, strlen(IMDS_PREFIX)))
			imds_handle(sim, &req, &resp);
		else if (!strncmp(path.buf, CONTROL_PREFIX, strlen(CONTROL_PREFIX)))
			control_handle(sim, &req, &resp);
		else
			ec2_api_handle(sim, &req, &resp);
		ck_assert_int_ge(resp.status, 200);
		ck_assert_int_lt(resp.status, 600);
		ck_assert_ptr_nonnull(resp.content_type);
		strbuf_release(&resp.body);
		strbuf_release(&path);
		strbuf_release(&target);
		strbuf_release(&query);
		strbuf_release(&body);
		/* Keep some instances around for the paths above. */
		if (i % 200 == 0 && sim->ninstances < 50) {
			struct form f;
			struct strbuf out = STRBUF_INIT;
			struct ec2_call c;
			static const char run[] = "ImageId=ami-0a1b2c3d4e5f60001&MinCount=1&MaxCount=2&InstanceType=m5.large&"
						  "InstanceMarketOptions.MarketType=spot&UserData=U1BPVF9YPTEK";
			char err[64];
			form_init(&f);
			ck_assert_int_eq(form_parse(&f, run, strlen(run), err, sizeof(err)), 0);
			memset(&c, 0, sizeof(c));
			c.sim = sim;
			c.form = &f;
			c.region = "us-east-1";
			c.now_ms = now;
			c.out = &out;
			c.status = 200;
			ec2_instances_run(&c);
			form_release(&f);
			strbuf_release(&out);
		}
		if (i % 25 == 0) {
			now += (int64_t)fuzz_below(3000);
			sim_tick(sim, now);
		}
	}
	sim_kill_agents(sim);
	sim_release(sim);
	free(sim);
	fuzz_settings_free(&set);
	rmdir(dir);
}
END_TEST

static Suite *fuzz_suite(void)
{
	Suite *s = suite_create("sim-fuzz");
	TCase *tc = tcase_create("fuzz");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fuzz_form_parser);
	tcase_add_test(tc, test_fuzz_handlers);
	tcase_add_test(tc, test_fuzz_requests);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fuzz_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
