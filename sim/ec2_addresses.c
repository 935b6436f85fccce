/* ec2_addresses.c - Elastic IPs: AllocateAddress, AssociateAddress, DisassociateAddress, DescribeAddresses. */
#include "sim/ec2_api.h"

#include <stdlib.h>
#include <string.h>

int ec2_addresses_allocate(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	struct sim_address *a;
	const char *domain = ec2_param(c, "Domain");
	struct xmlw w;

	if (domain && strcmp(domain, "vpc") && strcmp(domain, "standard"))
		return ec2_error(c, 400, "InvalidParameterValue", "Invalid value '%.32s' for Domain", domain);
	a = sim_address_add(sim);
	if (!a)
		return ec2_error(c, 400, "AddressLimitExceeded", "The maximum number of addresses has been reached.");
	sim_new_id(sim, "eipalloc-", 17, a->allocation_id, sizeof(a->allocation_id));
	snprintf(a->public_ip, sizeof(a->public_ip), "198.51.%zu.%zu", (sim->naddresses >> 8) & 255,
		 sim->naddresses & 255);
	snprintf(a->region, sizeof(a->region), "%s", c->region);
	sim_event(sim, c->now_ms, "%s: allocated %s", a->allocation_id, a->public_ip);
	ec2_begin(c, &w, "AllocateAddressResponse");
	xmlw_text(&w, "publicIp", a->public_ip);
	xmlw_text(&w, "domain", "vpc");
	xmlw_text(&w, "allocationId", a->allocation_id);
	xmlw_text(&w, "networkBorderGroup", c->region);
	xmlw_end(&w);
	return 0;
}

static struct sim_address *ec2_addresses_lookup(struct ec2_call *c, int *err)
{
	const char *alloc = ec2_param(c, "AllocationId"), *ip = ec2_param(c, "PublicIp");
	struct sim_address *a = NULL;

	*err = 0;
	if (!alloc && !ip) {
		*err = ec2_error(c, 400, "MissingParameter", "The request must contain the parameter AllocationId");
		return NULL;
	}
	for (size_t i = 0; i < c->sim->naddresses && !a; i++) {
		struct sim_address *x = &c->sim->addresses[i];
		if (strcmp(x->region, c->region))
			continue;
		if ((alloc && !strcmp(x->allocation_id, alloc)) || (!alloc && !strcmp(x->public_ip, ip)))
			a = x;
	}
	if (!a)
		*err = alloc ? ec2_error(c, 400, "InvalidAllocationID.NotFound", "The allocation ID '%.64s' does not exist",
					 alloc)
			     : ec2_error(c, 400, "InvalidAddress.NotFound", "Address '%.64s' not found.", ip);
	return a;
}

int ec2_addresses_associate(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char *iid;
	struct sim_address *a;
	struct sim_instance *in;
	int allow, err;
	struct xmlw w;

	if (ec2_require(c, "InstanceId", &iid) < 0 || ec2_bool(c, "AllowReassociation", 0, &allow) < 0)
		return -1;
	a = ec2_addresses_lookup(c, &err);
	if (!a)
		return -1;
	in = sim_instance_find(sim, iid);
	if (!in || strcmp(in->region, c->region))
		return ec2_error(c, 400, "InvalidInstanceID.NotFound", "The instance ID '%.64s' does not exist", iid);
	if (in->state != SIM_RUNNING && in->state != SIM_STOPPED)
		return ec2_error(c, 400, "IncorrectInstanceState",
				 "The pending-instance-running instance to which '%s' is attached is not in a valid state "
				 "for this operation", in->id);
	if (a->instance_id[0] && strcmp(a->instance_id, in->id) && !allow)
		return ec2_error(c, 400, "Resource.AlreadyAssociated", "resource %s is already associated with "
				 "associate-id %s", a->allocation_id, a->association_id);
	/* One Elastic IP per instance here: an older one leaves it. */
	for (size_t i = 0; i < sim->naddresses; i++)
		if (&sim->addresses[i] != a && !strcmp(sim->addresses[i].instance_id, in->id)) {
			sim->addresses[i].instance_id[0] = 0;
			sim->addresses[i].association_id[0] = 0;
		}
	if (strcmp(a->instance_id, in->id)) {
		if (a->instance_id[0])
			sim_event(sim, c->now_ms, "%s: %s moves from %s to %s", a->allocation_id, a->public_ip,
				  a->instance_id, in->id);
		else
			sim_event(sim, c->now_ms, "%s: %s associated with %s", a->allocation_id, a->public_ip, in->id);
		snprintf(a->instance_id, sizeof(a->instance_id), "%s", in->id);
		sim_new_id(sim, "eipassoc-", 17, a->association_id, sizeof(a->association_id));
	}
	ec2_begin(c, &w, "AssociateAddressResponse");
	xmlw_bool(&w, "return", 1);
	xmlw_text(&w, "associationId", a->association_id);
	xmlw_end(&w);
	return 0;
}

int ec2_addresses_disassociate(struct ec2_call *c)
{
	const char *assoc = ec2_param(c, "AssociationId"), *ip = ec2_param(c, "PublicIp");
	struct xmlw w;

	if (!assoc && !ip)
		return ec2_error(c, 400, "MissingParameter", "The request must contain the parameter AssociationId");
	for (size_t i = 0; i < c->sim->naddresses; i++) {
		struct sim_address *a = &c->sim->addresses[i];
		if (strcmp(a->region, c->region) || !a->association_id[0])
			continue;
		if ((assoc && !strcmp(a->association_id, assoc)) || (!assoc && !strcmp(a->public_ip, ip))) {
			sim_event(c->sim, c->now_ms, "%s: %s disassociated from %s", a->allocation_id, a->public_ip,
				  a->instance_id);
			a->instance_id[0] = 0;
			a->association_id[0] = 0;
			ec2_begin(c, &w, "DisassociateAddressResponse");
			xmlw_bool(&w, "return", 1);
			xmlw_end(&w);
			return 0;
		}
	}
	return ec2_error(c, 400, "InvalidAssociationID.NotFound", "The association ID '%.64s' does not exist",
			 assoc ? assoc : ip);
}

int ec2_addresses_describe(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char **allocs = NULL, **ips = NULL;
	size_t nallocs = 0, nips = 0;
	struct form_filter *fl = NULL;
	int nf = form_filters(c->form, &fl), rc = -1;
	struct xmlw w;

	if (nf < 0)
		return ec2_error(c, 400, "InvalidParameterValue", "The filters are malformed or too many");
	if (ec2_list(c, "AllocationId", &allocs, &nallocs) < 0 || ec2_list(c, "PublicIp", &ips, &nips) < 0)
		goto out;
	for (size_t i = 0; i < nallocs; i++) {
		struct sim_address *a = sim_address_find(sim, allocs[i]);
		if (!a || strcmp(a->region, c->region)) {
			ec2_error(c, 400, "InvalidAllocationID.NotFound", "The allocation ID '%.64s' does not exist",
				  allocs[i]);
			goto out;
		}
	}
	ec2_begin(c, &w, "DescribeAddressesResponse");
	xmlw_open(&w, "addressesSet");
	for (size_t i = 0; i < sim->naddresses; i++) {
		const struct sim_address *a = &sim->addresses[i];
		int ok = 1;
		if (strcmp(a->region, c->region))
			continue;
		if (nallocs) {
			ok = 0;
			for (size_t k = 0; k < nallocs; k++)
				ok |= !strcmp(allocs[k], a->allocation_id);
		}
		if (ok && nips) {
			ok = 0;
			for (size_t k = 0; k < nips; k++)
				ok |= !strcmp(ips[k], a->public_ip);
		}
		for (int f = 0; f < nf && ok; f++) {
			if (!strcmp(fl[f].name, "instance-id"))
				ok = ec2_filter_any(&fl[f], a->instance_id);
			else if (!strcmp(fl[f].name, "allocation-id"))
				ok = ec2_filter_any(&fl[f], a->allocation_id);
			else if (!strcmp(fl[f].name, "public-ip"))
				ok = ec2_filter_any(&fl[f], a->public_ip);
			else if (!strcmp(fl[f].name, "association-id"))
				ok = ec2_filter_any(&fl[f], a->association_id);
			else
				ok = 0;
		}
		if (!ok)
			continue;
		xmlw_open(&w, "item");
		xmlw_text(&w, "publicIp", a->public_ip);
		xmlw_text(&w, "allocationId", a->allocation_id);
		xmlw_text(&w, "domain", "vpc");
		if (a->instance_id[0]) {
			const struct sim_instance *in = sim_instance_find(sim, a->instance_id);
			xmlw_text(&w, "instanceId", a->instance_id);
			xmlw_text(&w, "associationId", a->association_id);
			if (in)
				xmlw_text(&w, "privateIpAddress", in->private_ip);
		}
		xmlw_text(&w, "networkBorderGroup", a->region);
		xmlw_close(&w);
	}
	xmlw_end(&w);
	rc = 0;
out:
	free(allocs);
	free(ips);
	form_filters_free(fl, nf);
	return rc;
}
