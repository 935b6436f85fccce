/*
 * ec2_xml.h - the EC2 Query API's XML answers (API version 2016-11-15), parsed
 * with libxml2 into typed structs at the edge. Untrusted input: documents over
 * EC2_XML_MAX_BODY bytes, lists over EC2_XML_MAX_ITEMS items and fields over
 * their buffers are refused (a field too long makes the document invalid,
 * never truncated). The network is never touched (XML_PARSE_NONET) and
 * entities are not expanded.
 *
 * Every parse function returns 0, or -1 when the document is not the answer
 * it expects. Lists are appended to (pagination) and freed by their *_free.
 */
#ifndef SPOT_AGENT_EC2_XML_H
#define SPOT_AGENT_EC2_XML_H

#include <stddef.h>
#include <stdint.h>

#define EC2_XML_MAX_BODY (8 * 1024 * 1024)
#define EC2_XML_MAX_ITEMS 20000
#define EC2_XML_MAX_INSTANCES 1000
#define EC2_XML_MAX_TOKEN 2048
#define EC2_XML_MAX_SG 16
#define EC2_XML_MAX_SNAPSHOTS 16
#define EC2_XML_MAX_TAGS 50

/* <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response> */
struct ec2_error {
	char code[128];
	char message[1024];
	char request_id[128];
};

struct ec2_price {
	char instance_type[64];
	char az[32];
	char product[64];
	double price;
	int64_t timestamp_ms;
};

struct ec2_prices {
	struct ec2_price *v;
	size_t n, alloc;
	char next_token[EC2_XML_MAX_TOKEN + 1];
};

struct ec2_tag {
	char key[128];
	char value[256];
};

struct ec2_instance {
	char id[32];
	char type[64];
	char az[32];
	char state[32];			/* pending, running, shutting-down, terminated, ... */
	char lifecycle[16];		/* "spot", or "" for on-demand */
	char image_id[32];
	char subnet_id[32];
	char key_name[256];
	char iam_profile_arn[512];
	char private_ip[64];
	char public_ip[64];
	char sg[EC2_XML_MAX_SG][32];
	size_t nsg;
	struct ec2_tag tags[EC2_XML_MAX_TAGS];
	size_t ntags;
};

struct ec2_instances {
	struct ec2_instance *v;
	size_t n, alloc;
	char next_token[EC2_XML_MAX_TOKEN + 1];
};

struct ec2_image {
	char id[32];
	char state[32];			/* pending, available, failed, ... */
	char name[256];
	char creation_date[40];
	char snapshots[EC2_XML_MAX_SNAPSHOTS][32];
	size_t nsnapshots;
};

struct ec2_images {
	struct ec2_image *v;
	size_t n, alloc;
};

struct ec2_address {
	char public_ip[64];
	char allocation_id[64];
	char association_id[64];
	char instance_id[32];
};

struct ec2_addresses {
	struct ec2_address *v;
	size_t n, alloc;
};

/* 0 and e filled when xml is an EC2 error document; -1 otherwise. */
int ec2_xml_error(const char *xml, size_t len, struct ec2_error *e);
/* DescribeSpotPriceHistoryResponse: appends the items, sets next_token ("" when done). */
int ec2_xml_spot_prices(const char *xml, size_t len, struct ec2_prices *out);
/* DescribeInstancesResponse (reservationSet) or RunInstancesResponse (instancesSet). */
int ec2_xml_instances(const char *xml, size_t len, struct ec2_instances *out);
/* TerminateInstancesResponse: id and currentState/name of each instance. */
int ec2_xml_terminated(const char *xml, size_t len, struct ec2_instances *out);
/* CreateImageResponse: imageId. */
int ec2_xml_image_id(const char *xml, size_t len, char *image_id, size_t size);
int ec2_xml_images(const char *xml, size_t len, struct ec2_images *out);
int ec2_xml_addresses(const char *xml, size_t len, struct ec2_addresses *out);
/* <return>true</return> answers (CreateTags, DeregisterImage, DeleteSnapshot, AssociateAddress). */
int ec2_xml_return_true(const char *xml, size_t len);

void ec2_prices_free(struct ec2_prices *p);
void ec2_instances_free(struct ec2_instances *p);
void ec2_images_free(struct ec2_images *p);
void ec2_addresses_free(struct ec2_addresses *p);

#endif
