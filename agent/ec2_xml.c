/*
 * ec2_xml.c - EC2 Query API answers into structs (Amazon EC2 API Reference,
 * "Query API responses" and "Error codes": errors come as
 * <Response><Errors><Error>..., successes as <ActionResponse> with
 * <item> lists).
 */
#include "agent/ec2_xml.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

static xmlDocPtr ec2_xml_read(const char *xml, size_t len)
{
	if (!xml || !len || len > EC2_XML_MAX_BODY)
		return NULL;
	return xmlReadMemory(xml, (int)len, NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static int ec2_xml_is(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The first element child of n named name, or NULL. */
static xmlNode *ec2_xml_child(const xmlNode *n, const char *name)
{
	if (!n)
		return NULL;
	for (xmlNode *c = n->children; c; c = c->next)
		if (ec2_xml_is(c, name))
			return c;
	return NULL;
}

/* Follows a '/'-separated path of child names. */
static xmlNode *ec2_xml_path(const xmlNode *n, const char *path)
{
	char part[64];
	const char *p = path;

	while (n && *p) {
		size_t k = strcspn(p, "/");
		if (k >= sizeof(part))
			return NULL;
		memcpy(part, p, k);
		part[k] = 0;
		n = ec2_xml_child(n, part);
		p += k;
		if (*p == '/')
			p++;
	}
	return (xmlNode *)(uintptr_t)n;
}

/*
 * Copies the text of the element at path under n into buf. A missing element
 * gives ""; a value that does not fit, or holds control characters, is -1.
 */
static int ec2_xml_text(const xmlNode *n, const char *path, char *buf, size_t size)
{
	xmlNode *e = ec2_xml_path(n, path);
	xmlChar *t;
	size_t len;
	int rc = 0;

	buf[0] = 0;
	if (!e)
		return 0;
	t = xmlNodeGetContent(e);
	if (!t)
		return 0;
	len = strlen((const char *)t);
	if (len >= size) {
		rc = -1;
	} else {
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)t[i] < 0x20 && t[i] != '\t') {
				rc = -1;
				break;
			}
		if (!rc)
			memcpy(buf, t, len + 1);
	}
	xmlFree(t);
	return rc;
}

/* Grows a list of items of size sz; -1 beyond EC2_XML_MAX_ITEMS. */
static void *ec2_xml_push(void **v, size_t *n, size_t *alloc, size_t sz)
{
	/* Instances are big (tags): fewer of them. */
	if (*n >= (sz > 4096 ? EC2_XML_MAX_INSTANCES : EC2_XML_MAX_ITEMS))
		return NULL;
	if (*n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 16;
		*v = xrealloc(*v, st_mult(*alloc, sz));
	}
	memset((char *)*v + *n * sz, 0, sz);
	return (char *)*v + (*n)++ * sz;
}

int ec2_xml_error(const char *xml, size_t len, struct ec2_error *e)
{
	xmlDocPtr doc = ec2_xml_read(xml, len);
	xmlNode *root, *err;
	int rc = -1;

	memset(e, 0, sizeof(*e));
	if (!doc)
		return -1;
	root = xmlDocGetRootElement(doc);
	/* EC2 sends <Response>; a few other Query services <ErrorResponse>. */
	if (ec2_xml_is(root, "Response") || ec2_xml_is(root, "ErrorResponse")) {
		err = ec2_xml_path(root, "Errors/Error");
		if (!err)
			err = ec2_xml_child(root, "Error");
		if (err && ec2_xml_text(err, "Code", e->code, sizeof(e->code)) == 0 && e->code[0]) {
			if (ec2_xml_text(err, "Message", e->message, sizeof(e->message)) < 0)
				e->message[0] = 0;
			if (ec2_xml_text(root, "RequestID", e->request_id, sizeof(e->request_id)) < 0 ||
			    !e->request_id[0])
				ec2_xml_text(root, "RequestId", e->request_id, sizeof(e->request_id));
			rc = 0;
		}
	}
	xmlFreeDoc(doc);
	return rc;
}

/* The root element, which must be named name. */
static xmlNode *ec2_xml_root(xmlDocPtr doc, const char *name)
{
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	return ec2_xml_is(root, name) ? root : NULL;
}

int ec2_xml_spot_prices(const char *xml, size_t len, struct ec2_prices *out)
{
	xmlDocPtr doc = ec2_xml_read(xml, len);
	xmlNode *root = ec2_xml_root(doc, "DescribeSpotPriceHistoryResponse"), *set;
	int rc = -1;

	out->next_token[0] = 0;
	if (!root)
		goto out;
	set = ec2_xml_child(root, "spotPriceHistorySet");
	for (xmlNode *it = set ? set->children : NULL; it; it = it->next) {
		struct ec2_price *p;
		char price[64], ts[64], *end;
		if (!ec2_xml_is(it, "item"))
			continue;
		p = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*p));
		if (!p)
			goto out;
		if (ec2_xml_text(it, "instanceType", p->instance_type, sizeof(p->instance_type)) < 0 ||
		    ec2_xml_text(it, "availabilityZone", p->az, sizeof(p->az)) < 0 ||
		    ec2_xml_text(it, "productDescription", p->product, sizeof(p->product)) < 0 ||
		    ec2_xml_text(it, "spotPrice", price, sizeof(price)) < 0 ||
		    ec2_xml_text(it, "timestamp", ts, sizeof(ts)) < 0)
			goto out;
		p->price = strtod(price, &end);
		if (!p->instance_type[0] || !p->az[0] || end == price || *end || !(p->price >= 0 && p->price < 1e6) ||
		    time_parse_rfc3339(ts, &p->timestamp_ms) < 0)
			goto out;
	}
	if (ec2_xml_text(root, "nextToken", out->next_token, sizeof(out->next_token)) < 0)
		goto out;
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

static int ec2_xml_instance(const xmlNode *it, struct ec2_instance *in)
{
	xmlNode *set;

	if (ec2_xml_text(it, "instanceId", in->id, sizeof(in->id)) < 0 || !in->id[0] ||
	    ec2_xml_text(it, "instanceType", in->type, sizeof(in->type)) < 0 ||
	    ec2_xml_text(it, "placement/availabilityZone", in->az, sizeof(in->az)) < 0 ||
	    ec2_xml_text(it, "instanceState/name", in->state, sizeof(in->state)) < 0 ||
	    ec2_xml_text(it, "instanceLifecycle", in->lifecycle, sizeof(in->lifecycle)) < 0 ||
	    ec2_xml_text(it, "imageId", in->image_id, sizeof(in->image_id)) < 0 ||
	    ec2_xml_text(it, "subnetId", in->subnet_id, sizeof(in->subnet_id)) < 0 ||
	    ec2_xml_text(it, "keyName", in->key_name, sizeof(in->key_name)) < 0 ||
	    ec2_xml_text(it, "iamInstanceProfile/arn", in->iam_profile_arn, sizeof(in->iam_profile_arn)) < 0 ||
	    ec2_xml_text(it, "privateIpAddress", in->private_ip, sizeof(in->private_ip)) < 0 ||
	    ec2_xml_text(it, "ipAddress", in->public_ip, sizeof(in->public_ip)) < 0)
		return -1;
	set = ec2_xml_child(it, "groupSet");
	for (xmlNode *g = set ? set->children : NULL; g; g = g->next) {
		if (!ec2_xml_is(g, "item"))
			continue;
		if (in->nsg == EC2_XML_MAX_SG ||
		    ec2_xml_text(g, "groupId", in->sg[in->nsg], sizeof(in->sg[0])) < 0)
			return -1;
		in->nsg++;
	}
	set = ec2_xml_child(it, "tagSet");
	for (xmlNode *t = set ? set->children : NULL; t; t = t->next) {
		if (!ec2_xml_is(t, "item"))
			continue;
		if (in->ntags == EC2_XML_MAX_TAGS ||
		    ec2_xml_text(t, "key", in->tags[in->ntags].key, sizeof(in->tags[0].key)) < 0 ||
		    ec2_xml_text(t, "value", in->tags[in->ntags].value, sizeof(in->tags[0].value)) < 0)
			return -1;
		in->ntags++;
	}
	return 0;
}

static int ec2_xml_instance_set(const xmlNode *set, struct ec2_instances *out)
{
	for (xmlNode *it = set ? set->children : NULL; it; it = it->next) {
		struct ec2_instance *in;
		if (!ec2_xml_is(it, "item"))
			continue;
		in = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*in));
		if (!in || ec2_xml_instance(it, in) < 0)
			return -1;
	}
	return 0;
}

int ec2_xml_instances(const char *xml, size_t len, struct ec2_instances *out)
{
	xmlDocPtr doc = ec2_xml_read(xml, len);
	xmlNode *root;
	int rc = -1;

	out->next_token[0] = 0;
	if (!doc)
		return -1;
	if ((root = ec2_xml_root(doc, "DescribeInstancesResponse"))) {
		xmlNode *rs = ec2_xml_child(root, "reservationSet");
		for (xmlNode *r = rs ? rs->children : NULL; r; r = r->next)
			if (ec2_xml_is(r, "item") && ec2_xml_instance_set(ec2_xml_child(r, "instancesSet"), out) < 0)
				goto out;
		if (ec2_xml_text(root, "nextToken", out->next_token, sizeof(out->next_token)) < 0)
			goto out;
		rc = 0;
	} else if ((root = ec2_xml_root(doc, "RunInstancesResponse"))) {
		rc = ec2_xml_instance_set(ec2_xml_child(root, "instancesSet"), out);
	}
out:
	xmlFreeDoc(doc);
	return rc;
}

int ec2_xml_terminated(const char *xml, size_t len, struct ec2_instances *out)
{
	xmlDocPtr doc = ec2_xml_read(xml, len);
	xmlNode *root = ec2_xml_root(doc, "TerminateInstancesResponse"), *set;
	int rc = -1;

	if (!root)
		goto out;
	set = ec2_xml_child(root, "instancesSet");
	for (xmlNode *it = set ? set->children : NULL; it; it = it->next) {
		struct ec2_instance *in;
		if (!ec2_xml_is(it, "item"))
			continue;
		in = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*in));
		if (!in || ec2_xml_text(it, "instanceId", in->id, sizeof(in->id)) < 0 || !in->id[0] ||
		    ec2_xml_text(it, "currentState/name", in->state, sizeof(in->state)) < 0)
			goto out;
		/* Pre-2008 answers (and libcloud's fixture) name it shutdownState. */
		if (!in->state[0] && ec2_xml_text(it, "shutdownState/name", in->state, sizeof(in->state)) < 0)
			goto out;
	}
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

int ec2_xml_image_id(const char *xml, size_t len, char *image_id, size_t size)
{
	xmlDocPtr doc = ec2_xml_read(xml, len);
	xmlNode *root = ec2_xml_root(doc, "CreateImageResponse");
	int rc = -1;

	if (root && ec2_xml_text(root, "imageId", image_id, size) == 0 && image_id[0])
		rc = 0;
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

int ec2_xml_images(const char *xml, size_t len, struct ec2_images *out)
{
	xmlDocPtr doc = ec2_xml_read(xml, len);
	xmlNode *root = ec2_xml_root(doc, "DescribeImagesResponse"), *set;
	int rc = -1;

	if (!root)
		goto out;
	set = ec2_xml_child(root, "imagesSet");
	for (xmlNode *it = set ? set->children : NULL; it; it = it->next) {
		struct ec2_image *im;
		xmlNode *bdm;
		if (!ec2_xml_is(it, "item"))
			continue;
		im = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*im));
		if (!im || ec2_xml_text(it, "imageId", im->id, sizeof(im->id)) < 0 || !im->id[0] ||
		    ec2_xml_text(it, "imageState", im->state, sizeof(im->state)) < 0 ||
		    ec2_xml_text(it, "name", im->name, sizeof(im->name)) < 0 ||
		    ec2_xml_text(it, "creationDate", im->creation_date, sizeof(im->creation_date)) < 0)
			goto out;
		bdm = ec2_xml_child(it, "blockDeviceMapping");
		for (xmlNode *b = bdm ? bdm->children : NULL; b; b = b->next) {
			char snap[32];
			if (!ec2_xml_is(b, "item"))
				continue;
			if (ec2_xml_text(b, "ebs/snapshotId", snap, sizeof(snap)) < 0)
				goto out;
			if (!snap[0])
				continue;
			if (im->nsnapshots == EC2_XML_MAX_SNAPSHOTS)
				goto out;
			memcpy(im->snapshots[im->nsnapshots++], snap, sizeof(snap));
		}
	}
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

int ec2_xml_addresses(const char *xml, size_t len, struct ec2_addresses *out)
{
	xmlDocPtr doc = ec2_xml_read(xml, len);
	xmlNode *root = ec2_xml_root(doc, "DescribeAddressesResponse"), *set;
	int rc = -1;

	if (!root)
		goto out;
	set = ec2_xml_child(root, "addressesSet");
	for (xmlNode *it = set ? set->children : NULL; it; it = it->next) {
		struct ec2_address *a;
		if (!ec2_xml_is(it, "item"))
			continue;
		a = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*a));
		if (!a || ec2_xml_text(it, "publicIp", a->public_ip, sizeof(a->public_ip)) < 0 ||
		    ec2_xml_text(it, "allocationId", a->allocation_id, sizeof(a->allocation_id)) < 0 ||
		    ec2_xml_text(it, "associationId", a->association_id, sizeof(a->association_id)) < 0 ||
		    ec2_xml_text(it, "instanceId", a->instance_id, sizeof(a->instance_id)) < 0)
			goto out;
	}
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

int ec2_xml_return_true(const char *xml, size_t len)
{
	xmlDocPtr doc = ec2_xml_read(xml, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	char ret[16];
	int rc = -1;

	if (root && ec2_xml_text(root, "return", ret, sizeof(ret)) == 0 && !strcmp(ret, "true"))
		rc = 0;
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

void ec2_prices_free(struct ec2_prices *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void ec2_instances_free(struct ec2_instances *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void ec2_images_free(struct ec2_images *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

void ec2_addresses_free(struct ec2_addresses *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}
