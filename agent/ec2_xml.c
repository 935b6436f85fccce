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
#include <stddef.h>
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

#define EC2_XML_COUNT(a) (sizeof(a) / sizeof((a)[0]))

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

/* The first <item> element from n on along its siblings, or NULL. */
static const xmlNode *ec2_xml_item(const xmlNode *n)
{
	while (n && !ec2_xml_is(n, "item"))
		n = n->next;
	return n;
}

/* The first <item> of n's child list set (<set><item>...), or NULL; ec2_xml_item(it->next) gives the next. */
static const xmlNode *ec2_xml_items(const xmlNode *n, const char *set)
{
	const xmlNode *s = ec2_xml_child(n, set);
	return ec2_xml_item(s ? s->children : NULL);
}

/* One text field of a struct: the element path and where its char array lies. */
struct ec2_xml_field {
	const char *path;
	size_t off, size;
};

#define EC2_XML_FIELD(type, member, path) { path, offsetof(type, member), sizeof(((type *)0)->member) }

/* Copies each field's text from under n into base, in order; -1 at the first that fails. */
static int ec2_xml_fields(const xmlNode *n, void *base, const struct ec2_xml_field *f, size_t nf)
{
	for (size_t i = 0; i < nf; i++)
		if (ec2_xml_text(n, f[i].path, (char *)base + f[i].off, f[i].size) < 0)
			return -1;
	return 0;
}

/*
 * Parses xml and runs fn on its root element, which must be named name (any
 * name when name is NULL); -1 when the document or that root is missing.
 */
static int ec2_xml_parse(const char *xml, size_t len, const char *name,
			 int (*fn)(const xmlNode *root, void *arg), void *arg)
{
	xmlDocPtr doc = ec2_xml_read(xml, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	int rc = -1;

	if (root && (!name || ec2_xml_is(root, name)))
		rc = fn(root, arg);
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

static int ec2_xml_error_root(const xmlNode *root, void *arg)
{
	struct ec2_error *e = arg;
	xmlNode *err;

	/* EC2 sends <Response>; a few other Query services <ErrorResponse>. */
	if (!ec2_xml_is(root, "Response") && !ec2_xml_is(root, "ErrorResponse"))
		return -1;
	err = ec2_xml_path(root, "Errors/Error");
	if (!err)
		err = ec2_xml_child(root, "Error");
	if (!err || ec2_xml_text(err, "Code", e->code, sizeof(e->code)) < 0 || !e->code[0])
		return -1;
	if (ec2_xml_text(err, "Message", e->message, sizeof(e->message)) < 0)
		e->message[0] = 0;
	if (ec2_xml_text(root, "RequestID", e->request_id, sizeof(e->request_id)) < 0 || !e->request_id[0])
		ec2_xml_text(root, "RequestId", e->request_id, sizeof(e->request_id));
	return 0;
}

int ec2_xml_error(const char *xml, size_t len, struct ec2_error *e)
{
	memset(e, 0, sizeof(*e));
	return ec2_xml_parse(xml, len, NULL, ec2_xml_error_root, e);
}

static const struct ec2_xml_field ec2_xml_price_fields[] = {
	EC2_XML_FIELD(struct ec2_price, instance_type, "instanceType"),
	EC2_XML_FIELD(struct ec2_price, az, "availabilityZone"),
	EC2_XML_FIELD(struct ec2_price, product, "productDescription"),
};

static int ec2_xml_spot_prices_root(const xmlNode *root, void *arg)
{
	struct ec2_prices *out = arg;

	for (const xmlNode *it = ec2_xml_items(root, "spotPriceHistorySet"); it; it = ec2_xml_item(it->next)) {
		struct ec2_price *p = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*p));
		char price[64], ts[64], *end;
		if (!p || ec2_xml_fields(it, p, ec2_xml_price_fields, EC2_XML_COUNT(ec2_xml_price_fields)) < 0 ||
		    ec2_xml_text(it, "spotPrice", price, sizeof(price)) < 0 ||
		    ec2_xml_text(it, "timestamp", ts, sizeof(ts)) < 0)
			return -1;
		p->price = strtod(price, &end);
		if (!p->instance_type[0] || !p->az[0] || end == price || *end || !(p->price >= 0 && p->price < 1e6) ||
		    time_parse_rfc3339(ts, &p->timestamp_ms) < 0)
			return -1;
	}
	return ec2_xml_text(root, "nextToken", out->next_token, sizeof(out->next_token));
}

int ec2_xml_spot_prices(const char *xml, size_t len, struct ec2_prices *out)
{
	out->next_token[0] = 0;
	return ec2_xml_parse(xml, len, "DescribeSpotPriceHistoryResponse", ec2_xml_spot_prices_root, out);
}

static const struct ec2_xml_field ec2_xml_instance_fields[] = {
	EC2_XML_FIELD(struct ec2_instance, id, "instanceId"),
	EC2_XML_FIELD(struct ec2_instance, type, "instanceType"),
	EC2_XML_FIELD(struct ec2_instance, az, "placement/availabilityZone"),
	EC2_XML_FIELD(struct ec2_instance, state, "instanceState/name"),
	EC2_XML_FIELD(struct ec2_instance, lifecycle, "instanceLifecycle"),
	EC2_XML_FIELD(struct ec2_instance, image_id, "imageId"),
	EC2_XML_FIELD(struct ec2_instance, subnet_id, "subnetId"),
	EC2_XML_FIELD(struct ec2_instance, key_name, "keyName"),
	EC2_XML_FIELD(struct ec2_instance, iam_profile_arn, "iamInstanceProfile/arn"),
	EC2_XML_FIELD(struct ec2_instance, private_ip, "privateIpAddress"),
	EC2_XML_FIELD(struct ec2_instance, public_ip, "ipAddress"),
};

static int ec2_xml_instance(const xmlNode *it, struct ec2_instance *in)
{
	if (ec2_xml_fields(it, in, ec2_xml_instance_fields, EC2_XML_COUNT(ec2_xml_instance_fields)) < 0 || !in->id[0])
		return -1;
	for (const xmlNode *g = ec2_xml_items(it, "groupSet"); g; g = ec2_xml_item(g->next)) {
		if (in->nsg == EC2_XML_MAX_SG ||
		    ec2_xml_text(g, "groupId", in->sg[in->nsg], sizeof(in->sg[0])) < 0)
			return -1;
		in->nsg++;
	}
	for (const xmlNode *t = ec2_xml_items(it, "tagSet"); t; t = ec2_xml_item(t->next)) {
		if (in->ntags == EC2_XML_MAX_TAGS ||
		    ec2_xml_text(t, "key", in->tags[in->ntags].key, sizeof(in->tags[0].key)) < 0 ||
		    ec2_xml_text(t, "value", in->tags[in->ntags].value, sizeof(in->tags[0].value)) < 0)
			return -1;
		in->ntags++;
	}
	return 0;
}

/* The instances of n's <instancesSet>. */
static int ec2_xml_instance_set(const xmlNode *n, struct ec2_instances *out)
{
	for (const xmlNode *it = ec2_xml_items(n, "instancesSet"); it; it = ec2_xml_item(it->next)) {
		struct ec2_instance *in = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*in));
		if (!in || ec2_xml_instance(it, in) < 0)
			return -1;
	}
	return 0;
}

static int ec2_xml_instances_root(const xmlNode *root, void *arg)
{
	struct ec2_instances *out = arg;

	if (ec2_xml_is(root, "RunInstancesResponse"))
		return ec2_xml_instance_set(root, out);
	if (!ec2_xml_is(root, "DescribeInstancesResponse"))
		return -1;
	for (const xmlNode *r = ec2_xml_items(root, "reservationSet"); r; r = ec2_xml_item(r->next))
		if (ec2_xml_instance_set(r, out) < 0)
			return -1;
	return ec2_xml_text(root, "nextToken", out->next_token, sizeof(out->next_token));
}

int ec2_xml_instances(const char *xml, size_t len, struct ec2_instances *out)
{
	out->next_token[0] = 0;
	return ec2_xml_parse(xml, len, NULL, ec2_xml_instances_root, out);
}

static int ec2_xml_terminated_root(const xmlNode *root, void *arg)
{
	struct ec2_instances *out = arg;

	for (const xmlNode *it = ec2_xml_items(root, "instancesSet"); it; it = ec2_xml_item(it->next)) {
		struct ec2_instance *in = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*in));
		if (!in || ec2_xml_text(it, "instanceId", in->id, sizeof(in->id)) < 0 || !in->id[0] ||
		    ec2_xml_text(it, "currentState/name", in->state, sizeof(in->state)) < 0)
			return -1;
		/* Pre-2008 answers (and libcloud's fixture) name it shutdownState. */
		if (!in->state[0] && ec2_xml_text(it, "shutdownState/name", in->state, sizeof(in->state)) < 0)
			return -1;
	}
	return 0;
}

int ec2_xml_terminated(const char *xml, size_t len, struct ec2_instances *out)
{
	return ec2_xml_parse(xml, len, "TerminateInstancesResponse", ec2_xml_terminated_root, out);
}

/* A text field that must be present and not empty. */
struct ec2_xml_want {
	const char *path;
	char *buf;
	size_t size;
	const char *equal; /* and, if set, equal to this */
};

static int ec2_xml_want_root(const xmlNode *root, void *arg)
{
	const struct ec2_xml_want *w = arg;

	if (ec2_xml_text(root, w->path, w->buf, w->size) < 0 || !w->buf[0] || (w->equal && strcmp(w->buf, w->equal)))
		return -1;
	return 0;
}

int ec2_xml_image_id(const char *xml, size_t len, char *image_id, size_t size)
{
	struct ec2_xml_want w = { "imageId", image_id, size, NULL };
	return ec2_xml_parse(xml, len, "CreateImageResponse", ec2_xml_want_root, &w);
}

static const struct ec2_xml_field ec2_xml_image_fields[] = {
	EC2_XML_FIELD(struct ec2_image, id, "imageId"),
	EC2_XML_FIELD(struct ec2_image, state, "imageState"),
	EC2_XML_FIELD(struct ec2_image, name, "name"),
	EC2_XML_FIELD(struct ec2_image, creation_date, "creationDate"),
};

static int ec2_xml_images_root(const xmlNode *root, void *arg)
{
	struct ec2_images *out = arg;

	for (const xmlNode *it = ec2_xml_items(root, "imagesSet"); it; it = ec2_xml_item(it->next)) {
		struct ec2_image *im = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*im));
		if (!im || ec2_xml_fields(it, im, ec2_xml_image_fields, EC2_XML_COUNT(ec2_xml_image_fields)) < 0 ||
		    !im->id[0])
			return -1;
		for (const xmlNode *b = ec2_xml_items(it, "blockDeviceMapping"); b; b = ec2_xml_item(b->next)) {
			char snap[32];
			if (ec2_xml_text(b, "ebs/snapshotId", snap, sizeof(snap)) < 0)
				return -1;
			if (!snap[0])
				continue;
			if (im->nsnapshots == EC2_XML_MAX_SNAPSHOTS)
				return -1;
			memcpy(im->snapshots[im->nsnapshots++], snap, sizeof(snap));
		}
	}
	return 0;
}

int ec2_xml_images(const char *xml, size_t len, struct ec2_images *out)
{
	return ec2_xml_parse(xml, len, "DescribeImagesResponse", ec2_xml_images_root, out);
}

static const struct ec2_xml_field ec2_xml_address_fields[] = {
	EC2_XML_FIELD(struct ec2_address, public_ip, "publicIp"),
	EC2_XML_FIELD(struct ec2_address, allocation_id, "allocationId"),
	EC2_XML_FIELD(struct ec2_address, association_id, "associationId"),
	EC2_XML_FIELD(struct ec2_address, instance_id, "instanceId"),
};

static int ec2_xml_addresses_root(const xmlNode *root, void *arg)
{
	struct ec2_addresses *out = arg;

	for (const xmlNode *it = ec2_xml_items(root, "addressesSet"); it; it = ec2_xml_item(it->next)) {
		struct ec2_address *a = ec2_xml_push((void **)&out->v, &out->n, &out->alloc, sizeof(*a));
		if (!a || ec2_xml_fields(it, a, ec2_xml_address_fields, EC2_XML_COUNT(ec2_xml_address_fields)) < 0)
			return -1;
	}
	return 0;
}

int ec2_xml_addresses(const char *xml, size_t len, struct ec2_addresses *out)
{
	return ec2_xml_parse(xml, len, "DescribeAddressesResponse", ec2_xml_addresses_root, out);
}

int ec2_xml_return_true(const char *xml, size_t len)
{
	char ret[16];
	struct ec2_xml_want w = { "return", ret, sizeof(ret), "true" };
	return ec2_xml_parse(xml, len, NULL, ec2_xml_want_root, &w);
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
