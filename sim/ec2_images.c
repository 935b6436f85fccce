/* ec2_images.c - CreateImage, DescribeImages, DeregisterImage, DescribeSnapshots, DeleteSnapshot. */
#include "sim/ec2_api.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

int ec2_images_create(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char *iid, *name, *desc;
	struct sim_instance *in;
	struct sim_image *img;
	struct sim_tag *tags = NULL;
	int ntags = 0, no_reboot;
	char id[SIM_ID_LEN];
	struct xmlw w;

	if (ec2_require(c, "InstanceId", &iid) < 0 || ec2_require(c, "Name", &name) < 0 ||
	    ec2_bool(c, "NoReboot", 0, &no_reboot) < 0)
		return -1;
	/* EC2: 3 to 128 characters, letters, digits and ()[] ./-'@_ */
	if (strlen(name) < 3 || strlen(name) > 128 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
							    "0123456789()[] ./-'@_") != strlen(name))
		return ec2_error(c, 400, "InvalidAMIName.Malformed",
				 "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, "
				 "'(', ')', '.', '-', '/' and '_'");
	desc = ec2_param(c, "Description");
	if (desc && strlen(desc) > 255)
		return ec2_error(c, 400, "InvalidParameterValue", "The description is longer than 255 characters");
	in = sim_instance_find(sim, iid);
	if (!in || strcmp(in->region, c->region))
		return ec2_error(c, 400, "InvalidInstanceID.NotFound", "The instance ID '%.64s' does not exist", iid);
	if (in->state != SIM_RUNNING && in->state != SIM_STOPPED)
		return ec2_error(c, 400, "IncorrectInstanceState", "The instance '%s' is not in a state from which it "
				 "can be imaged (%s)", in->id, sim_state_name(in->state));
	for (size_t i = 0; i < sim->nimages; i++)
		if (!sim->images[i].amazon && !strcmp(sim->images[i].region, c->region) &&
		    !strcmp(sim->images[i].name, name) && strcmp(sim->images[i].state, "deregistered"))
			return ec2_error(c, 400, "InvalidAMIName.Duplicate", "AMI name %s is already in use by AMI %s", name,
					 sim->images[i].id);
	for (int i = 1; i <= 10; i++) {
		char key[64];
		const char *rt;
		snprintf(key, sizeof(key), "TagSpecification.%d.ResourceType", i);
		if (!(rt = ec2_param(c, key)))
			break;
		if (strcmp(rt, "image"))
			continue;
		snprintf(key, sizeof(key), "TagSpecification.%d.Tag", i);
		if (ec2_tags(c, key, &tags, &ntags) < 0) {
			sim_tags_free(tags, ntags);
			return -1;
		}
	}
	img = sim_image_add(sim);
	if (!img) {
		sim_tags_free(tags, ntags);
		return ec2_error(c, 400, "ResourceLimitExceeded", "Too many images");
	}
	sim_new_id(sim, "ami-", 17, id, sizeof(id));
	snprintf(img->id, sizeof(img->id), "%s", id);
	snprintf(img->region, sizeof(img->region), "%s", c->region);
	snprintf(img->name, sizeof(img->name), "%s", name);
	snprintf(img->description, sizeof(img->description), "%s", desc ? desc : "");
	snprintf(img->owner_id, sizeof(img->owner_id), "%s", SIM_ACCOUNT_ID);
	snprintf(img->state, sizeof(img->state), "pending");
	sim_new_id(sim, "snap-", 17, img->snapshot_id, sizeof(img->snapshot_id));
	snprintf(img->source_instance, sizeof(img->source_instance), "%s", in->id);
	img->created_wall_ms = c->now_ms;
	img->due_vt = sim_vt(sim, c->now_ms) + sim->set.image_delay_ms;
	img->tags = tags;
	img->ntags = ntags;
	sim_event(sim, c->now_ms, "%s: pending (image of %s%s)", img->id, in->id, no_reboot ? ", no reboot" : "");
	ec2_begin(c, &w, "CreateImageResponse");
	xmlw_text(&w, "imageId", id);
	xmlw_end(&w);
	return 0;
}

static void ec2_images_item(struct xmlw *w, const struct sim_image *img)
{
	char ts[32];

	xmlw_open(w, "item");
	xmlw_text(w, "imageId", img->id);
	xmlw_textf(w, "imageLocation", "%s/%s", img->amazon ? "amazon" : img->owner_id, img->name);
	xmlw_text(w, "imageState", img->state);
	xmlw_text(w, "imageOwnerId", img->owner_id);
	time_format_rfc3339_ms(img->created_wall_ms, ts, sizeof(ts));
	xmlw_text(w, "creationDate", ts);
	xmlw_bool(w, "isPublic", img->amazon);
	xmlw_text(w, "architecture", "x86_64");
	xmlw_text(w, "imageType", "machine");
	xmlw_text(w, "name", img->name);
	xmlw_text(w, "description", img->description);
	if (img->amazon)
		xmlw_text(w, "imageOwnerAlias", "amazon");
	xmlw_text(w, "rootDeviceType", "ebs");
	xmlw_text(w, "rootDeviceName", "/dev/xvda");
	xmlw_open(w, "blockDeviceMapping");
	xmlw_open(w, "item");
	xmlw_text(w, "deviceName", "/dev/xvda");
	xmlw_open(w, "ebs");
	xmlw_text(w, "snapshotId", img->snapshot_id);
	xmlw_text(w, "volumeSize", "8");
	xmlw_bool(w, "deleteOnTermination", 1);
	xmlw_text(w, "volumeType", "gp3");
	xmlw_bool(w, "encrypted", 0);
	xmlw_close(w);
	xmlw_close(w);
	xmlw_close(w);
	xmlw_text(w, "virtualizationType", "hvm");
	xmlw_text(w, "hypervisor", "xen");
	xmlw_bool(w, "enaSupport", 1);
	ec2_write_tags(w, img->tags, img->ntags);
	xmlw_close(w);
}

static int ec2_images_selected(struct ec2_call *c, const struct sim_image *img, const char **ids, size_t nids,
			       const char **owners, size_t nowners, const struct form_filter *fl, int nf)
{
	int ok;

	if (strcmp(img->region, c->region) || !strcmp(img->state, "deregistered"))
		return 0;
	if (nids) {
		ok = 0;
		for (size_t i = 0; i < nids; i++)
			ok |= !strcmp(ids[i], img->id);
		if (!ok)
			return 0;
	}
	if (nowners) {
		ok = 0;
		for (size_t i = 0; i < nowners; i++)
			ok |= (!strcmp(owners[i], "amazon") && img->amazon) ||
			      (!strcmp(owners[i], "self") && !img->amazon) || !strcmp(owners[i], img->owner_id);
		if (!ok)
			return 0;
	}
	for (int f = 0; f < nf; f++) {
		const char *n = fl[f].name;
		if (!strcmp(n, "name"))
			ok = ec2_filter_any(&fl[f], img->name);
		else if (!strcmp(n, "image-id"))
			ok = ec2_filter_any(&fl[f], img->id);
		else if (!strcmp(n, "state"))
			ok = ec2_filter_any(&fl[f], img->state);
		else if (!strcmp(n, "owner-id"))
			ok = ec2_filter_any(&fl[f], img->owner_id);
		else if (!strcmp(n, "owner-alias"))
			ok = img->amazon && ec2_filter_any(&fl[f], "amazon");
		else if (!strcmp(n, "architecture"))
			ok = ec2_filter_any(&fl[f], "x86_64");
		else if (!strncmp(n, "tag:", 4)) {
			ok = 0;
			for (int t = 0; t < img->ntags && !ok; t++)
				ok = !strcmp(img->tags[t].key, n + 4) && ec2_filter_any(&fl[f], img->tags[t].value);
		} else
			ok = 0;
		if (!ok)
			return 0;
	}
	return 1;
}

int ec2_images_describe(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char **ids = NULL, **owners = NULL;
	size_t nids = 0, nowners = 0;
	struct form_filter *fl = NULL;
	int nf = form_filters(c->form, &fl), rc = -1;
	struct xmlw w;

	if (nf < 0)
		return ec2_error(c, 400, "InvalidParameterValue", "The filters are malformed or too many");
	if (ec2_list(c, "ImageId", &ids, &nids) < 0 || ec2_list(c, "Owner", &owners, &nowners) < 0)
		goto out;
	for (size_t i = 0; i < nids; i++) {
		struct sim_image *img = sim_image_find(sim, ids[i]);
		if (strncmp(ids[i], "ami-", 4)) {
			ec2_error(c, 400, "InvalidAMIID.Malformed", "Invalid id: \"%.64s\" (expecting \"ami-...\")", ids[i]);
			goto out;
		}
		if (!img || strcmp(img->region, c->region)) {
			ec2_error(c, 400, "InvalidAMIID.NotFound", "The image id '[%.64s]' does not exist", ids[i]);
			goto out;
		}
	}
	ec2_begin(c, &w, "DescribeImagesResponse");
	xmlw_open(&w, "imagesSet");
	for (size_t i = 0; i < sim->nimages; i++)
		if (ec2_images_selected(c, &sim->images[i], ids, nids, owners, nowners, fl, nf))
			ec2_images_item(&w, &sim->images[i]);
	xmlw_end(&w);
	rc = 0;
out:
	free(ids);
	free(owners);
	form_filters_free(fl, nf);
	return rc;
}

int ec2_images_deregister(struct ec2_call *c)
{
	const char *id;
	struct sim_image *img;
	struct xmlw w;

	if (ec2_require(c, "ImageId", &id) < 0)
		return -1;
	img = sim_image_find(c->sim, id);
	if (!img || strcmp(img->region, c->region) || !strcmp(img->state, "deregistered"))
		return ec2_error(c, 400, "InvalidAMIID.NotFound", "The image id '[%.64s]' does not exist", id);
	if (img->amazon)
		return ec2_error(c, 400, "AuthFailure", "Not authorized for image:%s", id);
	snprintf(img->state, sizeof(img->state), "deregistered");
	sim_event(c->sim, c->now_ms, "%s: deregistered", img->id);
	ec2_begin(c, &w, "DeregisterImageResponse");
	xmlw_bool(&w, "return", 1);
	xmlw_end(&w);
	return 0;
}

int ec2_images_describe_snapshots(struct ec2_call *c)
{
	struct sim *sim = c->sim;
	const char **ids = NULL, **owners = NULL;
	size_t nids = 0, nowners = 0;
	struct xmlw w;

	if (ec2_list(c, "SnapshotId", &ids, &nids) < 0 || ec2_list(c, "Owner", &owners, &nowners) < 0) {
		free(ids);
		return -1;
	}
	ec2_begin(c, &w, "DescribeSnapshotsResponse");
	xmlw_open(&w, "snapshotSet");
	for (size_t i = 0; i < sim->nimages; i++) {
		const struct sim_image *img = &sim->images[i];
		char ts[32];
		int ok = !nids;
		if (img->amazon || strcmp(img->region, c->region) || !img->snapshot_id[0])
			continue;
		for (size_t k = 0; k < nids; k++)
			ok |= !strcmp(ids[k], img->snapshot_id);
		if (!ok)
			continue;
		time_format_rfc3339_ms(img->created_wall_ms, ts, sizeof(ts));
		xmlw_open(&w, "item");
		xmlw_text(&w, "snapshotId", img->snapshot_id);
		xmlw_text(&w, "volumeId", "vol-0sim00000000000001");
		xmlw_text(&w, "status", strcmp(img->state, "pending") ? "completed" : "pending");
		xmlw_text(&w, "startTime", ts);
		xmlw_text(&w, "progress", strcmp(img->state, "pending") ? "100%" : "50%");
		xmlw_text(&w, "ownerId", img->owner_id);
		xmlw_text(&w, "volumeSize", "8");
		xmlw_textf(&w, "description", "Created by CreateImage(%s) for %s", img->source_instance, img->id);
		xmlw_bool(&w, "encrypted", 0);
		xmlw_close(&w);
	}
	xmlw_end(&w);
	free(ids);
	free(owners);
	return 0;
}

int ec2_images_delete_snapshot(struct ec2_call *c)
{
	const char *id;
	struct xmlw w;

	if (ec2_require(c, "SnapshotId", &id) < 0)
		return -1;
	for (size_t i = 0; i < c->sim->nimages; i++) {
		struct sim_image *img = &c->sim->images[i];
		if (img->amazon || strcmp(img->snapshot_id, id) || strcmp(img->region, c->region))
			continue;
		if (strcmp(img->state, "deregistered"))
			return ec2_error(c, 400, "InvalidSnapshot.InUse", "The snapshot %s is currently in use by %s", id,
					 img->id);
		img->snapshot_id[0] = 0;
		ec2_begin(c, &w, "DeleteSnapshotResponse");
		xmlw_bool(&w, "return", 1);
		xmlw_end(&w);
		return 0;
	}
	return ec2_error(c, 400, "InvalidSnapshot.NotFound", "The snapshot '%.64s' does not exist.", id);
}
