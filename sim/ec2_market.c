/* ec2_market.c - DescribeAvailabilityZones, DescribeRegions, DescribeInstanceTypes, DescribeSpotPriceHistory. */
#include "sim/ec2_api.h"
#include "common/timeutil.h"

#include <stdlib.h>
#include <string.h>

int ec2_market_describe_availability_zones(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	struct form_filter *fl = NULL;
	const char **names = NULL;
	size_t nnames = 0;
	int nf = form_filters(c->form, &fl);
	struct xmlw w;

	if (nf < 0)
		return ec2_error(c, 400, "InvalidParameterValue", "The filters are malformed or too many");
	if (ec2_list(c, "ZoneName", &names, &nnames) < 0)
		goto fail;
	for (size_t i = 0; i < nnames; i++)
		if (!sim_az_known(sim, names[i])) {
			ec2_error(c, 400, "InvalidParameterValue", "Invalid availability zone: [%.64s]", names[i]);
			goto fail;
		}
	ec2_begin(c, &w, "DescribeAvailabilityZonesResponse");
	xmlw_open(&w, "availabilityZoneInfo");
	for (int a = 0; a < sim->nazs; a++) {
		char region[SIM_NAME_LEN], zone_id[SIM_NAME_LEN + 8];
		const char *az = sim->azs[a];
		int ok = 1;
		prices_az_region(az, region, sizeof(region));
		if (strcmp(region, c->region))
			continue;
		if (nnames) {
			ok = 0;
			for (size_t i = 0; i < nnames; i++)
				ok |= !strcmp(names[i], az);
		}
		snprintf(zone_id, sizeof(zone_id), "sim-az%d", a + 1);
		for (int f = 0; f < nf && ok; f++) {
			if (!strcmp(fl[f].name, "zone-name"))
				ok = ec2_filter_any(&fl[f], az);
			else if (!strcmp(fl[f].name, "region-name"))
				ok = ec2_filter_any(&fl[f], region);
			else if (!strcmp(fl[f].name, "state"))
				ok = ec2_filter_any(&fl[f], "available");
			else if (!strcmp(fl[f].name, "zone-id"))
				ok = ec2_filter_any(&fl[f], zone_id);
		}
		if (!ok)
			continue;
		xmlw_open(&w, "item");
		xmlw_text(&w, "zoneName", az);
		xmlw_text(&w, "zoneState", "available");
		xmlw_text(&w, "regionName", region);
		xmlw_text(&w, "zoneId", zone_id);
		xmlw_text(&w, "optInStatus", "opt-in-not-required");
		xmlw_text(&w, "groupName", region);
		xmlw_text(&w, "networkBorderGroup", region);
		xmlw_text(&w, "zoneType", "availability-zone");
		xmlw_text(&w, "messageSet", NULL);
		xmlw_close(&w);
	}
	xmlw_end(&w);
	free(names);
	form_filters_free(fl, nf);
	return 0;
fail:
	free(names);
	form_filters_free(fl, nf);
	return -1;
}

int ec2_market_describe_regions(struct ec2_call *c)
{
	struct xmlw w;

	ec2_begin(c, &w, "DescribeRegionsResponse");
	xmlw_open(&w, "regionInfo");
	for (int r = 0; r < c->sim->nregions; r++) {
		xmlw_open(&w, "item");
		xmlw_text(&w, "regionName", c->sim->regions[r]);
		xmlw_textf(&w, "regionEndpoint", "ec2.%s.amazonaws.com", c->sim->regions[r]);
		xmlw_text(&w, "optInStatus", "opt-in-not-required");
		xmlw_close(&w);
	}
	xmlw_end(&w);
	return 0;
}

int ec2_market_describe_instance_types(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char **types = NULL;
	size_t ntypes = 0;
	struct xmlw w;

	if (ec2_list(c, "InstanceType", &types, &ntypes) < 0)
		return -1;
	ec2_begin(c, &w, "DescribeInstanceTypesResponse");
	xmlw_open(&w, "instanceTypeSet");
	for (size_t i = 0; i < sim->npools; i++) {
		int seen = 0, want = !ntypes;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(sim->pools[j].type, sim->pools[i].type);
		for (size_t k = 0; k < ntypes; k++)
			want |= !strcmp(types[k], sim->pools[i].type);
		if (seen || !want || strcmp(sim->pools[i].region, c->region))
			continue;
		xmlw_open(&w, "item");
		xmlw_text(&w, "instanceType", sim->pools[i].type);
		xmlw_bool(&w, "currentGeneration", 0);
		xmlw_open(&w, "supportedUsageClasses");
		xmlw_text(&w, "item", "on-demand");
		xmlw_text(&w, "item", "spot");
		xmlw_close(&w);
		xmlw_close(&w);
	}
	xmlw_end(&w);
	free(types);
	return 0;
}

static int ec2_market_time(struct ec2_call *c, const char *name, int *has, int64_t *vt)
{
	const char *v = ec2_param(c, name);
	int64_t ms;

	*has = 0;
	if (!v)
		return 0;
	if (strlen(v) > 64 || time_parse_rfc3339(v, &ms) < 0)
		return ec2_error(c, 400, "InvalidParameterValue", "Value (%.64s) for parameter %s is invalid. "
				 "Expected an ISO 8601 date-time.", v, name);
	*has = 1;
	*vt = sim_vt(c->sim, ms);
	return 0;
}

int ec2_market_describe_spot_price_history(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	struct prices_query q;
	struct form_filter *fl = NULL;
	const char **types = NULL, **products = NULL, **azs = NULL, *az;
	size_t ntypes = 0, nproducts = 0, nazs = 0, n, offset;
	const struct prices_row **rows = NULL;
	long max;
	int64_t asof;
	int nf = form_filters(c->form, &fl), rc = -1;
	struct xmlw w;

	if (nf < 0)
		return ec2_error(c, 400, "InvalidParameterValue", "The filters are malformed or too many");
	memset(&q, 0, sizeof(q));
	q.region = c->region;
	if (ec2_list(c, "InstanceType", &types, &ntypes) < 0 || ec2_list(c, "ProductDescription", &products, &nproducts) < 0 ||
	    ec2_market_time(c, "StartTime", &q.has_start, &q.start_vt) < 0 ||
	    ec2_market_time(c, "EndTime", &q.has_end, &q.end_vt) < 0 ||
	    ec2_paging(c, "sph", 1, 10000, 1000, &max, &offset, &asof) < 0)
		goto out;
	if (q.has_start && q.has_end && q.end_vt < q.start_vt) {
		ec2_error(c, 400, "InvalidParameterValue", "The end time must be later than the start time");
		goto out;
	}
	az = ec2_param(c, "AvailabilityZone");
	if (az) {
		azs = realloc(azs, sizeof(*azs));
		azs[0] = az;
		nazs = 1;
	}
	/* Filters narrow further; several values of one filter are alternatives. */
	for (int f = 0; f < nf; f++) {
		const char ***list;
		size_t *cnt;
		if (!strcmp(fl[f].name, "instance-type")) {
			list = &types;
			cnt = &ntypes;
		} else if (!strcmp(fl[f].name, "product-description")) {
			list = &products;
			cnt = &nproducts;
		} else if (!strcmp(fl[f].name, "availability-zone")) {
			list = &azs;
			cnt = &nazs;
		} else {
			ec2_error(c, 400, "InvalidParameterValue", "The filter '%.64s' is invalid", fl[f].name);
			goto out;
		}
		if (*cnt) {
			/* Both given: keep the intersection. */
			size_t k = 0;
			for (size_t i = 0; i < *cnt; i++)
				if (ec2_filter_any(&fl[f], (*list)[i]))
					(*list)[k++] = (*list)[i];
			*cnt = k;
			if (!k) {
				*list = realloc(*list, sizeof(**list));
				(*list)[0] = "";
				*cnt = 1;
			}
		} else {
			*list = malloc(sizeof(**list) * (fl[f].nvalues ? fl[f].nvalues : 1));
			for (size_t i = 0; i < fl[f].nvalues; i++)
				(*list)[i] = fl[f].values[i];
			*cnt = fl[f].nvalues;
		}
	}
	q.types = ntypes ? types : NULL;
	q.ntypes = ntypes;
	q.products = nproducts ? products : NULL;
	q.nproducts = nproducts;
	q.azs = nazs ? azs : NULL;
	q.nazs = nazs;
	n = prices_query(&sim->prices, &q, sim_vt(sim, asof), &rows);
	ec2_begin(c, &w, "DescribeSpotPriceHistoryResponse");
	xmlw_open(&w, "spotPriceHistorySet");
	for (size_t i = offset; i < n && i < offset + (size_t)max; i++) {
		const struct prices_series *s = &sim->prices.series[rows[i]->series];
		char ts[32];
		time_format_rfc3339_ms(clock_wall(&sim->clock, rows[i]->vt_ms) / 1000 * 1000, ts, sizeof(ts));
		xmlw_open(&w, "item");
		xmlw_text(&w, "instanceType", s->type);
		xmlw_text(&w, "productDescription", s->product);
		xmlw_text(&w, "spotPrice", rows[i]->price);
		xmlw_text(&w, "timestamp", ts);
		xmlw_text(&w, "availabilityZone", s->az);
		xmlw_close(&w);
	}
	xmlw_close(&w);
	if (offset + (size_t)max < n)
		ec2_next_token(&w, "sph", offset + (size_t)max, asof);
	xmlw_end(&w);
	rc = 0;
out:
	free(rows);
	free(types);
	free(products);
	free(azs);
	form_filters_free(fl, nf);
	return rc;
}
