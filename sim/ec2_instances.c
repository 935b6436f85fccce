/* ec2_instances.c - RunInstances, DescribeInstances, TerminateInstances, CreateTags. */
#include "sim/ec2_api.h"
#include "common/digest.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void ec2_instances_state(struct xmlw *w, const char *name, enum sim_state st)
{
	xmlw_open(w, name);
	xmlw_textf(w, "code", "%d", sim_state_code(st));
	xmlw_text(w, "name", sim_state_name(st));
	xmlw_close(w);
}

/* The public address of an instance: its Elastic IP, else its own; NULL when not running. */
static const char *ec2_instances_public_ip(struct sim *sim, const struct sim_instance *in)
{
	if (in->state != SIM_RUNNING && in->state != SIM_PENDING)
		return NULL;
	for (size_t i = 0; i < sim->naddresses; i++)
		if (!strcmp(sim->addresses[i].instance_id, in->id))
			return sim->addresses[i].public_ip;
	return in->public_ip;
}

static void ec2_instances_item(struct sim *sim, struct xmlw *w, const struct sim_instance *in)
{
	char ts[32];
	const char *pub = ec2_instances_public_ip(sim, in);

	xmlw_open(w, "item");
	xmlw_text(w, "instanceId", in->id);
	xmlw_text(w, "imageId", in->image_id);
	ec2_instances_state(w, "instanceState", in->state);
	{
		char dns[64];
		size_t k = (size_t)snprintf(dns, sizeof(dns), "ip-%s", in->private_ip);
		for (size_t j = 3; j < k && j < sizeof(dns); j++)
			if (dns[j] == '.')
				dns[j] = '-';
		xmlw_textf(w, "privateDnsName", "%s.ec2.internal", dns);
	}
	xmlw_text(w, "dnsName", "");
	if (in->state_reason[0])
		xmlw_text(w, "reason", in->state_reason);
	if (in->key_name)
		xmlw_text(w, "keyName", in->key_name);
	xmlw_textf(w, "amiLaunchIndex", "%d", in->launch_index);
	xmlw_text(w, "productCodes", NULL);
	xmlw_text(w, "instanceType", in->type);
	time_format_rfc3339_ms(in->launch_wall_ms, ts, sizeof(ts));
	xmlw_text(w, "launchTime", ts);
	xmlw_open(w, "placement");
	xmlw_text(w, "availabilityZone", in->az);
	xmlw_text(w, "groupName", "");
	xmlw_text(w, "tenancy", "default");
	xmlw_close(w);
	xmlw_open(w, "monitoring");
	xmlw_text(w, "state", "disabled");
	xmlw_close(w);
	if (in->subnet_id)
		xmlw_text(w, "subnetId", in->subnet_id);
	xmlw_text(w, "vpcId", "vpc-0sim0000000000001");
	if (in->state != SIM_TERMINATED)
		xmlw_text(w, "privateIpAddress", in->private_ip);
	if (pub)
		xmlw_text(w, "ipAddress", pub);
	xmlw_open(w, "groupSet");
	for (int g = 0; g < in->ngroups; g++) {
		xmlw_open(w, "item");
		xmlw_text(w, "groupId", in->groups[g]);
		xmlw_text(w, "groupName", in->groups[g]);
		xmlw_close(w);
	}
	xmlw_close(w);
	if (in->state_reason[0]) {
		xmlw_open(w, "stateReason");
		xmlw_text(w, "code", strncmp(in->state_reason, "Server.", 7) ? "Client.UserInitiatedShutdown"
									      : "Server.SpotInstanceTermination");
		xmlw_text(w, "message", in->state_reason);
		xmlw_close(w);
	}
	xmlw_text(w, "architecture", "x86_64");
	xmlw_text(w, "rootDeviceType", "ebs");
	xmlw_text(w, "rootDeviceName", "/dev/xvda");
	xmlw_text(w, "blockDeviceMapping", NULL);
	if (in->spot) {
		xmlw_text(w, "instanceLifecycle", "spot");
		xmlw_text(w, "spotInstanceRequestId", in->spot_request_id);
	}
	xmlw_text(w, "virtualizationType", "hvm");
	xmlw_text(w, "clientToken", in->client_token ? in->client_token : "");
	ec2_write_tags(w, in->tags, in->ntags);
	xmlw_text(w, "hypervisor", "xen");
	if (in->profile) {
		xmlw_open(w, "iamInstanceProfile");
		xmlw_textf(w, "arn", "arn:aws:iam::%s:instance-profile/%s", SIM_ACCOUNT_ID, in->profile);
		xmlw_text(w, "id", "AIPASIMPROFILE00000001");
		xmlw_close(w);
	}
	xmlw_bool(w, "ebsOptimized", 0);
	xmlw_close(w);
}

/* Writes the RunInstances answer for the instances of a reservation. */
static void ec2_instances_run_response(struct ec2_call *c, const char *reservation_id)
{
	struct xmlw w;

	ec2_begin(c, &w, "RunInstancesResponse");
	xmlw_text(&w, "reservationId", reservation_id);
	xmlw_text(&w, "ownerId", SIM_ACCOUNT_ID);
	xmlw_text(&w, "groupSet", NULL);
	xmlw_open(&w, "instancesSet");
	for (size_t i = 0; i < c->sim->ninstances; i++)
		if (!strcmp(c->sim->instances[i].reservation_id, reservation_id))
			ec2_instances_item(c->sim, &w, &c->sim->instances[i]);
	xmlw_close(&w);
	xmlw_end(&w);
}

/* SHA-256 over the request's parameters but ClientToken, sorted (the form keeps first-seen order). */
static void ec2_instances_params_hash(struct ec2_call *c, char hex[65])
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = c->form->n;
	const struct form_param **v = xmalloc(st_mult(n ? n : 1, sizeof(*v)));

	for (size_t i = 0; i < n; i++)
		v[i] = &c->form->params[i];
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1]->key, v[j]->key) > 0; j--) {
			const struct form_param *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i]->key, "ClientToken"))
			continue;
		strbuf_addstr(&sb, v[i]->key);
		strbuf_addch(&sb, 0);
		strbuf_addstr(&sb, v[i]->value);
		strbuf_addch(&sb, 0);
	}
	digest_sha256_hex(sb.buf, sb.len, hex);
	free(v);
	strbuf_release(&sb);
}

static int ec2_instances_valid_type(const char *t)
{
	size_t n = strlen(t), dots = 0;
	if (n < 3 || n >= SIM_NAME_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '.')
			dots++;
		else if (!islower((unsigned char)t[i]) && !isdigit((unsigned char)t[i]) && t[i] != '-')
			return 0;
	}
	return dots == 1 && t[0] != '.' && t[n - 1] != '.';
}

int ec2_instances_run(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char *image_id, *type, *az, *market, *token, *ud, *max_price, *tmp, *behavior;
	const char **groups = NULL, **gnames = NULL;
	size_t ngroups = 0, ngnames = 0;
	long min_count, max_count, avail;
	struct sim_tag *tags = NULL;
	int ntags = 0, spot, rc = -1;
	char *user_data = NULL, hash[65], reservation[SIM_ID_LEN];
	size_t ud_len = 0;
	struct sim_image *img;
	struct sim_pool *pool;

	if (ec2_require(c, "ImageId", &image_id) < 0 || ec2_long(c, "MinCount", -1, 1, 1000, &min_count) < 0 ||
	    ec2_long(c, "MaxCount", -1, 1, 1000, &max_count) < 0)
		return -1;
	if (min_count < 0)
		return ec2_error(c, 400, "MissingParameter", "The request must contain the parameter MinCount");
	if (max_count < 0)
		return ec2_error(c, 400, "MissingParameter", "The request must contain the parameter MaxCount");
	if (max_count < min_count)
		return ec2_error(c, 400, "InvalidParameterValue", "MaxCount (%ld) must not be less than MinCount (%ld)",
				 max_count, min_count);
	token = ec2_param(c, "ClientToken");
	if (token && (!*token || strlen(token) > SIM_MAX_CLIENT_TOKEN))
		return ec2_error(c, 400, "InvalidParameterValue", "The client token must be 1 to %d characters",
				 SIM_MAX_CLIENT_TOKEN);
	/*
	 * Idempotency (EC2 User Guide, "Ensuring idempotency"): a retry with the
	 * same token and the same parameters gets the original reservation; the
	 * same token with other parameters is IdempotentParameterMismatch.
	 */
	ec2_instances_params_hash(c, hash);
	if (token)
		for (size_t i = 0; i < sim->nidem; i++)
			if (!strcmp(sim->idem[i].token, token) && !strcmp(sim->idem[i].region, c->region)) {
				if (strcmp(sim->idem[i].hash, hash))
					return ec2_error(c, 400, "IdempotentParameterMismatch",
							 "Arguments on this idempotent request are inconsistent with "
							 "arguments used in previous request(s).");
				ec2_instances_run_response(c, sim->idem[i].reservation_id);
				return 0;
			}
	img = sim_image_find(sim, image_id);
	if (strncmp(image_id, "ami-", 4) || strlen(image_id) > 21)
		return ec2_error(c, 400, "InvalidAMIID.Malformed", "Invalid id: \"%.64s\" (expecting \"ami-...\")", image_id);
	if (!img || strcmp(img->region, c->region) || !strcmp(img->state, "deregistered"))
		return ec2_error(c, 400, "InvalidAMIID.NotFound", "The image id '[%.64s]' does not exist", image_id);
	if (strcmp(img->state, "available"))
		return ec2_error(c, 400, "InvalidAMIID.Unavailable", "The image id '[%.64s]' is not available yet",
				 image_id);
	type = ec2_param(c, "InstanceType");
	if (!type)
		type = "m1.small";
	if (!ec2_instances_valid_type(type))
		return ec2_error(c, 400, "InvalidParameterValue", "Invalid value '%.64s' for InstanceType.", type);
	az = ec2_param(c, "Placement.AvailabilityZone");
	if (az) {
		char region[SIM_NAME_LEN];
		prices_az_region(az, region, sizeof(region));
		if (!sim_az_known(sim, az) || strcmp(region, c->region))
			return ec2_error(c, 400, "InvalidParameterValue", "Invalid availability zone: [%.64s]", az);
	} else {
		az = NULL;
		for (int a = 0; a < sim->nazs && !az; a++) {
			char region[SIM_NAME_LEN];
			prices_az_region(sim->azs[a], region, sizeof(region));
			if (!strcmp(region, c->region))
				az = sim->azs[a];
		}
		if (!az)
			return ec2_error(c, 500, "InternalError", "No availability zone in %s", c->region);
	}
	market = ec2_param(c, "InstanceMarketOptions.MarketType");
	if (market && strcmp(market, "spot") && strcmp(market, "capacity-block"))
		return ec2_error(c, 400, "InvalidParameterValue", "Invalid value '%.32s' for MarketType", market);
	spot = market && !strcmp(market, "spot");
	behavior = ec2_param(c, "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior");
	if (behavior && strcmp(behavior, "terminate") && strcmp(behavior, "stop") && strcmp(behavior, "hibernate"))
		return ec2_error(c, 400, "InvalidParameterValue", "Invalid InstanceInterruptionBehavior '%.32s'", behavior);
	ud = ec2_param(c, "UserData");
	if (ud && ec2_base64_decode(ud, &user_data, &ud_len, SIM_MAX_USER_DATA) < 0)
		return ec2_error(c, 400, "InvalidParameterValue", "Invalid BASE64 encoding of user data.");
	if (ec2_list(c, "SecurityGroupId", &groups, &ngroups) < 0 || ec2_list(c, "SecurityGroup", &gnames, &ngnames) < 0)
		goto out;
	if (ngroups + ngnames > SIM_MAX_GROUPS) {
		ec2_error(c, 400, "InvalidParameterValue", "At most %d security groups", SIM_MAX_GROUPS);
		goto out;
	}
	/* TagSpecification.N.ResourceType=instance with .Tag.M.Key/Value. */
	for (int i = 1; i <= 10; i++) {
		char key[64];
		const char *rt;
		snprintf(key, sizeof(key), "TagSpecification.%d.ResourceType", i);
		rt = ec2_param(c, key);
		if (!rt)
			break;
		if (strcmp(rt, "instance") && strcmp(rt, "volume") && strcmp(rt, "spot-instances-request") &&
		    strcmp(rt, "network-interface")) {
			ec2_error(c, 400, "InvalidParameterValue", "'%.32s' is not a valid taggable resource type", rt);
			goto out;
		}
		if (strcmp(rt, "instance"))
			continue;
		snprintf(key, sizeof(key), "TagSpecification.%d.Tag", i);
		if (ec2_tags(c, key, &tags, &ntags) < 0)
			goto out;
	}
	pool = sim_pool_get(sim, az, type);
	if (!pool) {
		ec2_error(c, 500, "InternalError", "Too many pools");
		goto out;
	}
	max_price = ec2_param(c, "InstanceMarketOptions.SpotOptions.MaxPrice");
	if (spot && max_price) {
		const char *price = sim_pool_price(sim, pool, c->now_ms);
		char *end;
		double mp = strtod(max_price, &end);
		if (*end || !(mp > 0)) {
			ec2_error(c, 400, "InvalidParameterValue", "Invalid MaxPrice '%.32s'", max_price);
			goto out;
		}
		if (price && strtod(price, NULL) > mp) {
			ec2_error(c, 400, "SpotMaxPriceTooLow",
				  "Your Spot request price of %.32s is lower than the minimum required Spot request "
				  "fulfillment price of %s.", max_price, price);
			goto out;
		}
	}
	avail = pool->capacity - sim_pool_used(sim, pool);
	if (avail < min_count) {
		ec2_error(c, 500, "InsufficientInstanceCapacity",
			  "We currently do not have sufficient %s capacity in the Availability Zone you requested (%s). "
			  "Our system will be working on provisioning additional capacity. You can currently get %s "
			  "capacity by not specifying an Availability Zone in your request or choosing a different one.",
			  type, az, type);
		sim_event(sim, c->now_ms, "RunInstances %s in %s: insufficient capacity (%ld free of %ld)", type, az,
			  avail < 0 ? 0 : avail, pool->capacity);
		goto out;
	}
	if (max_count > avail)
		max_count = avail;
	if (sim->ninstances + (size_t)max_count > SIM_MAX_INSTANCES) {
		ec2_error(c, 400, "InstanceLimitExceeded", "You have requested more instances than your current "
			  "instance limit of %d allows", SIM_MAX_INSTANCES);
		goto out;
	}
	sim_new_id(sim, "r-", 17, reservation, sizeof(reservation));
	for (long k = 0; k < max_count; k++) {
		struct sim_instance *in = sim_instance_add(sim);
		unsigned ipn = ++sim->ip_counter;
		sim_new_id(sim, "i-", 17, in->id, sizeof(in->id));
		snprintf(in->reservation_id, sizeof(in->reservation_id), "%s", reservation);
		snprintf(in->region, sizeof(in->region), "%s", c->region);
		snprintf(in->az, sizeof(in->az), "%s", az);
		snprintf(in->type, sizeof(in->type), "%s", type);
		snprintf(in->image_id, sizeof(in->image_id), "%s", image_id);
		snprintf(in->private_ip, sizeof(in->private_ip), "10.%u.%u.%u", (ipn >> 16) & 255, (ipn >> 8) & 255,
			 (ipn & 255) ? ipn & 255 : 1);
		snprintf(in->public_ip, sizeof(in->public_ip), "203.0.%u.%u", (ipn >> 8) & 255, (ipn & 255) ? ipn & 255 : 1);
		in->spot = spot;
		if (spot)
			sim_new_id(sim, "sir-", 8, in->spot_request_id, sizeof(in->spot_request_id));
		in->launch_index = (int)k;
		in->state = SIM_PENDING;
		in->launch_wall_ms = c->now_ms;
		in->launch_vt = sim_vt(sim, c->now_ms);
		snprintf(in->behavior, sizeof(in->behavior), "%s", behavior ? behavior : "terminate");
		{
			char key[SIM_ID_LEN + 16];
			snprintf(key, sizeof(key), "instance:%s", in->id);
			in->rng = sim_stream(sim, key);
		}
		in->due_vt = sim_vt(sim, c->now_ms) + sim->set.boot_delay_ms;
		in->due = 1;
		tmp = ec2_param(c, "KeyName");
		in->key_name = tmp ? xstrdup(tmp) : NULL;
		tmp = ec2_param(c, "SubnetId");
		in->subnet_id = tmp ? xstrdup(tmp) : NULL;
		tmp = ec2_param(c, "IamInstanceProfile.Name");
		if (!tmp && (tmp = ec2_param(c, "IamInstanceProfile.Arn")) && strrchr(tmp, '/'))
			tmp = strrchr(tmp, '/') + 1;
		in->profile = tmp && *tmp && strlen(tmp) < 128 ? xstrdup(tmp) : NULL;
		in->client_token = token ? xstrdup(token) : NULL;
		if (user_data) {
			in->user_data = xmalloc(ud_len + 1);
			memcpy(in->user_data, user_data, ud_len + 1);
			in->user_data_len = ud_len;
		}
		for (size_t g = 0; g < ngroups; g++)
			in->groups[in->ngroups++] = xstrndup(groups[g], 64);
		for (size_t g = 0; g < ngnames; g++)
			in->groups[in->ngroups++] = xstrndup(gnames[g], 64);
		if (ntags) {
			in->tags = xcalloc((size_t)ntags, sizeof(*in->tags));
			for (int t = 0; t < ntags; t++) {
				in->tags[t].key = xstrdup(tags[t].key);
				in->tags[t].value = xstrdup(tags[t].value);
			}
			in->ntags = ntags;
		}
		sim_event(sim, c->now_ms, "%s: pending (%s %s in %s)", in->id, spot ? "spot" : "on-demand", type, az);
	}
	if (token) {
		if (sim->nidem >= SIM_MAX_IDEMPOTENCY)
			memmove(sim->idem, sim->idem + 1, --sim->nidem * sizeof(*sim->idem));
		if (sim->nidem == sim->idem_alloc) {
			sim->idem_alloc = sim->idem_alloc ? sim->idem_alloc * 2 : 64;
			sim->idem = xrealloc(sim->idem, st_mult(sim->idem_alloc, sizeof(*sim->idem)));
		}
		struct sim_idem *e = &sim->idem[sim->nidem++];
		snprintf(e->token, sizeof(e->token), "%s", token);
		snprintf(e->region, sizeof(e->region), "%s", c->region);
		memcpy(e->hash, hash, sizeof(e->hash));
		snprintf(e->reservation_id, sizeof(e->reservation_id), "%s", reservation);
	}
	ec2_instances_run_response(c, reservation);
	rc = 0;
out:
	free(groups);
	free(gnames);
	free(user_data);
	sim_tags_free(tags, ntags);
	return rc;
}

static int ec2_instances_tag_match(const struct sim_instance *in, const struct form_filter *f)
{
	const char *key = f->name + 4;
	for (int t = 0; t < in->ntags; t++)
		if (!strcmp(in->tags[t].key, key) && ec2_filter_any(f, in->tags[t].value))
			return 1;
	return 0;
}

static int ec2_instances_selected(struct ec2_call *c, const struct sim_instance *in, const char **ids, size_t nids,
				  const struct form_filter *fl, int nf)
{
	if (strcmp(in->region, c->region))
		return 0;
	if (nids) {
		int ok = 0;
		for (size_t i = 0; i < nids && !ok; i++)
			ok = !strcmp(ids[i], in->id);
		if (!ok)
			return 0;
	}
	for (int f = 0; f < nf; f++) {
		const char *n = fl[f].name;
		int ok;
		if (!strcmp(n, "instance-id"))
			ok = ec2_filter_any(&fl[f], in->id);
		else if (!strcmp(n, "instance-state-name"))
			ok = ec2_filter_any(&fl[f], sim_state_name(in->state));
		else if (!strcmp(n, "instance-state-code")) {
			char code[8];
			snprintf(code, sizeof(code), "%d", sim_state_code(in->state));
			ok = ec2_filter_any(&fl[f], code);
		} else if (!strcmp(n, "instance-type"))
			ok = ec2_filter_any(&fl[f], in->type);
		else if (!strcmp(n, "availability-zone"))
			ok = ec2_filter_any(&fl[f], in->az);
		else if (!strcmp(n, "instance-lifecycle"))
			ok = in->spot && ec2_filter_any(&fl[f], "spot");
		else if (!strcmp(n, "image-id"))
			ok = ec2_filter_any(&fl[f], in->image_id);
		else if (!strcmp(n, "client-token"))
			ok = in->client_token && ec2_filter_any(&fl[f], in->client_token);
		else if (!strcmp(n, "reservation-id"))
			ok = ec2_filter_any(&fl[f], in->reservation_id);
		else if (!strncmp(n, "tag:", 4))
			ok = ec2_instances_tag_match(in, &fl[f]);
		else if (!strcmp(n, "tag-key")) {
			ok = 0;
			for (int t = 0; t < in->ntags && !ok; t++)
				ok = ec2_filter_any(&fl[f], in->tags[t].key);
		} else
			ok = 0;
		if (!ok)
			return 0;
	}
	return 1;
}

/* Checks that every id names an instance of the region; InvalidInstanceID.* otherwise. */
static int ec2_instances_check_ids(struct ec2_call *c, const char **ids, size_t nids)
{
	for (size_t i = 0; i < nids; i++) {
		struct sim_instance *in;
		if (strncmp(ids[i], "i-", 2) || strlen(ids[i]) > 19 || strlen(ids[i]) < 10)
			return ec2_error(c, 400, "InvalidInstanceID.Malformed", "Invalid id: \"%.64s\"", ids[i]);
		in = sim_instance_find(c->sim, ids[i]);
		if (!in || strcmp(in->region, c->region))
			return ec2_error(c, 400, "InvalidInstanceID.NotFound", "The instance ID '%.64s' does not exist",
					 ids[i]);
	}
	return 0;
}

int ec2_instances_describe(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char **ids = NULL;
	size_t nids = 0, offset, seen = 0, shown = 0;
	struct form_filter *fl = NULL;
	int nf = form_filters(c->form, &fl), rc = -1;
	long max;
	int64_t asof;
	const char *open_res = NULL;
	struct xmlw w;

	if (nf < 0)
		return ec2_error(c, 400, "InvalidParameterValue", "The filters are malformed or too many");
	if (ec2_list(c, "InstanceId", &ids, &nids) < 0 || ec2_instances_check_ids(c, ids, nids) < 0 ||
	    ec2_paging(c, "din", 5, 1000, 1000, &max, &offset, &asof) < 0)
		goto out;
	ec2_begin(c, &w, "DescribeInstancesResponse");
	xmlw_open(&w, "reservationSet");
	for (size_t i = 0; i < sim->ninstances; i++) {
		const struct sim_instance *in = &sim->instances[i];
		if (!ec2_instances_selected(c, in, ids, nids, fl, nf))
			continue;
		if (seen++ < offset)
			continue;
		if (shown == (size_t)max)
			break;
		shown++;
		if (!open_res || strcmp(open_res, in->reservation_id)) {
			if (open_res) {
				xmlw_close(&w);	/* instancesSet */
				xmlw_close(&w);	/* item */
			}
			open_res = in->reservation_id;
			xmlw_open(&w, "item");
			xmlw_text(&w, "reservationId", in->reservation_id);
			xmlw_text(&w, "ownerId", SIM_ACCOUNT_ID);
			xmlw_text(&w, "groupSet", NULL);
			xmlw_open(&w, "instancesSet");
		}
		ec2_instances_item(sim, &w, in);
	}
	if (open_res) {
		xmlw_close(&w);
		xmlw_close(&w);
	}
	xmlw_close(&w);
	/* More matches after this page? */
	if (shown == (size_t)max) {
		int more = 0;
		for (size_t i = 0, k = 0; i < sim->ninstances && !more; i++)
			if (ec2_instances_selected(c, &sim->instances[i], ids, nids, fl, nf) && k++ >= offset + shown)
				more = 1;
		if (more)
			ec2_next_token(&w, "din", offset + shown, asof);
	}
	xmlw_end(&w);
	rc = 0;
out:
	free(ids);
	form_filters_free(fl, nf);
	return rc;
}

int ec2_instances_terminate(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char **ids = NULL;
	size_t nids = 0;
	struct xmlw w;

	if (ec2_list(c, "InstanceId", &ids, &nids) < 0)
		return -1;
	if (!nids) {
		free(ids);
		return ec2_error(c, 400, "MissingParameter", "The request must contain the parameter InstanceId");
	}
	if (ec2_instances_check_ids(c, ids, nids) < 0) {
		free(ids);
		return -1;
	}
	ec2_begin(c, &w, "TerminateInstancesResponse");
	xmlw_open(&w, "instancesSet");
	for (size_t i = 0; i < nids; i++) {
		struct sim_instance *in = sim_instance_find(sim, ids[i]);
		enum sim_state prev = in->state;
		sim_instance_shutdown(sim, in, 0, "User initiated (TerminateInstances)", c->now_ms);
		xmlw_open(&w, "item");
		xmlw_text(&w, "instanceId", in->id);
		ec2_instances_state(&w, "currentState", in->state);
		ec2_instances_state(&w, "previousState", prev);
		xmlw_close(&w);
	}
	xmlw_end(&w);
	free(ids);
	return 0;
}

int ec2_instances_create_tags(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char **ids = NULL;
	size_t nids = 0;
	struct sim_tag *tags = NULL;
	int ntags = 0, rc = -1;
	struct xmlw w;

	if (ec2_list(c, "ResourceId", &ids, &nids) < 0 || ec2_tags(c, "Tag", &tags, &ntags) < 0)
		goto out;
	if (!nids || !ntags) {
		ec2_error(c, 400, "MissingParameter", "The request must contain the parameter %s", nids ? "Tag" : "ResourceId");
		goto out;
	}
	for (size_t i = 0; i < nids; i++) {
		struct sim_instance *in = sim_instance_find(sim, ids[i]);
		struct sim_image *img = sim_image_find(sim, ids[i]);
		if ((in && strcmp(in->region, c->region)) || (img && strcmp(img->region, c->region)) || (!in && !img)) {
			ec2_error(c, 400, !strncmp(ids[i], "ami-", 4) ? "InvalidAMIID.NotFound" : "InvalidID",
				  "The ID '%.64s' is not valid", ids[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < nids; i++) {
		struct sim_instance *in = sim_instance_find(sim, ids[i]);
		struct sim_image *img = in ? NULL : sim_image_find(sim, ids[i]);
		struct sim_tag **tp = in ? &in->tags : &img->tags;
		int *np = in ? &in->ntags : &img->ntags;
		for (int t = 0; t < ntags; t++) {
			int found = 0;
			for (int k = 0; k < *np; k++)
				if (!strcmp((*tp)[k].key, tags[t].key)) {
					free((*tp)[k].value);
					(*tp)[k].value = xstrdup(tags[t].value);
					found = 1;
				}
			if (found || *np >= SIM_MAX_TAGS)
				continue;
			*tp = xrealloc(*tp, st_mult((size_t)*np + 1, sizeof(**tp)));
			(*tp)[*np].key = xstrdup(tags[t].key);
			(*tp)[*np].value = xstrdup(tags[t].value);
			(*np)++;
		}
	}
	ec2_begin(c, &w, "CreateTagsResponse");
	xmlw_bool(&w, "return", 1);
	xmlw_end(&w);
	rc = 0;
out:
	free(ids);
	sim_tags_free(tags, ntags);
	return rc;
}
