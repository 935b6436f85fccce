/* test_agent_xml.c - EC2 XML answers and error documents (agent/ec2_xml.c), with shared/testdata/ec2-xml. */
#include "agent/ec2_xml.h"
#include "common/strbuf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void read_testdata(struct strbuf *sb, const char *rel)
{
	const char *shared = getenv("SPOT_SHARED_DIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/testdata/ec2-xml/%s", shared ? shared : "../shared", rel);
	strbuf_reset(sb);
	ck_assert_msg(strbuf_read_file(sb, path, 16 * 1024 * 1024) == 0, "cannot read %s", path);
}

START_TEST(test_error_document)
{
	struct strbuf sb = STRBUF_INIT;
	struct ec2_error e;
	read_testdata(&sb, "botocore/errors/ec2-describe-instances.xml");
	ck_assert_int_eq(ec2_xml_error(sb.buf, sb.len, &e), 0);
	ck_assert_str_eq(e.code, "InvalidInstanceID.Malformed");
	ck_assert_str_eq(e.message, "Invalid id: \"foobar\"");
	ck_assert_str_eq(e.request_id, "dfb14b43-9a55-4d8e-b676-e8034d12bbeb");
	/* A success document is not an error. */
	read_testdata(&sb, "libcloud/create_image.xml");
	ck_assert_int_eq(ec2_xml_error(sb.buf, sb.len, &e), -1);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_spot_prices_botocore)
{
	struct strbuf sb = STRBUF_INIT;
	struct ec2_prices p = { 0 };
	read_testdata(&sb, "botocore/responses/ec2-describe-spot-price-history.xml");
	ck_assert_int_eq(ec2_xml_spot_prices(sb.buf, sb.len, &p), 0);
	ck_assert_uint_eq(p.n, 721);	/* SOURCE.txt: 721 items remain */
	ck_assert_str_eq(p.v[0].instance_type, "m1.small");
	ck_assert_str_eq(p.v[0].az, "us-west-2b");
	ck_assert_str_eq(p.v[0].product, "Linux/UNIX");
	ck_assert(p.v[0].price > 0.0099 && p.v[0].price < 0.0101);
	ck_assert_int_eq(p.v[0].timestamp_ms, 1363786555000LL);	/* 2013-03-20T13:35:55.000Z */
	ck_assert_str_eq(p.next_token, "Qj9iZzP9N1Vh5jjNyad6X73sizWaPtVQ6328oKe9/GbmNSbOFX1TIhQaz5vok0nu");
	/* Pagination appends. */
	ck_assert_int_eq(ec2_xml_spot_prices(sb.buf, sb.len, &p), 0);
	ck_assert_uint_eq(p.n, 1442);
	ec2_prices_free(&p);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_instances_libcloud)
{
	struct strbuf sb = STRBUF_INIT;
	struct ec2_instances in = { 0 };
	read_testdata(&sb, "libcloud/describe_instances.xml");
	ck_assert_int_eq(ec2_xml_instances(sb.buf, sb.len, &in), 0);
	ck_assert_uint_eq(in.n, 2);
	ck_assert_str_eq(in.v[0].id, "i-4382922a");
	ck_assert_str_eq(in.v[1].id, "i-8474834a");
	ck_assert(in.v[0].state[0]);
	ck_assert(in.v[0].type[0]);
	ec2_instances_free(&in);
	read_testdata(&sb, "libcloud/run_instances_spot.xml");
	ck_assert_int_eq(ec2_xml_instances(sb.buf, sb.len, &in), 0);
	ck_assert_uint_eq(in.n, 1);
	ck_assert_str_eq(in.v[0].id, "i-2ba64344");
	ck_assert_str_eq(in.v[0].lifecycle, "spot");
	ec2_instances_free(&in);
	read_testdata(&sb, "libcloud/terminate_instances.xml");
	ck_assert_int_eq(ec2_xml_terminated(sb.buf, sb.len, &in), 0);
	ck_assert_uint_eq(in.n, 1);
	ck_assert_str_eq(in.v[0].id, "i-4382922a");
	ck_assert(in.v[0].state[0]);
	ec2_instances_free(&in);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_botocore_instances)
{
	struct strbuf sb = STRBUF_INIT;
	struct ec2_instances in = { 0 };
	read_testdata(&sb, "botocore/responses/ec2-run-instances.xml");
	ck_assert_int_eq(ec2_xml_instances(sb.buf, sb.len, &in), 0);
	ck_assert_uint_ge(in.n, 1);
	ck_assert_str_eq(in.v[0].id, "i-0ee0356c");
	ec2_instances_free(&in);
	read_testdata(&sb, "botocore/responses/ec2-describe-instances.xml");
	ck_assert_int_eq(ec2_xml_instances(sb.buf, sb.len, &in), 0);
	ck_assert_uint_ge(in.n, 1);
	ec2_instances_free(&in);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_images_libcloud)
{
	struct strbuf sb = STRBUF_INIT;
	struct ec2_images im = { 0 };
	char id[32];
	read_testdata(&sb, "libcloud/create_image.xml");
	ck_assert_int_eq(ec2_xml_image_id(sb.buf, sb.len, id, sizeof(id)), 0);
	ck_assert_str_eq(id, "ami-e9b38280");
	read_testdata(&sb, "libcloud/describe_images.xml");
	ck_assert_int_eq(ec2_xml_images(sb.buf, sb.len, &im), 0);
	ck_assert_uint_eq(im.n, 3);
	ck_assert(!strncmp(im.v[0].id, "ami-", 4));
	ec2_images_free(&im);
	strbuf_release(&sb);
}
END_TEST

/* Documents as the simulator and EC2 send them for the remaining actions. */
START_TEST(test_small_answers)
{
	static const char addr[] =
		"<DescribeAddressesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>"
		"<addressesSet><item><publicIp>198.51.100.7</publicIp><allocationId>eipalloc-1</allocationId>"
		"<domain>vpc</domain><instanceId>i-0123456789abcdef0</instanceId><associationId>eipassoc-2</associationId>"
		"</item></addressesSet></DescribeAddressesResponse>";
	static const char ret[] = "<CreateTagsResponse><requestId>r</requestId><return>true</return></CreateTagsResponse>";
	static const char retf[] = "<CreateTagsResponse><requestId>r</requestId><return>false</return></CreateTagsResponse>";
	struct ec2_addresses a = { 0 };
	ck_assert_int_eq(ec2_xml_addresses(addr, sizeof(addr) - 1, &a), 0);
	ck_assert_uint_eq(a.n, 1);
	ck_assert_str_eq(a.v[0].allocation_id, "eipalloc-1");
	ck_assert_str_eq(a.v[0].association_id, "eipassoc-2");
	ck_assert_str_eq(a.v[0].instance_id, "i-0123456789abcdef0");
	ec2_addresses_free(&a);
	ck_assert_int_eq(ec2_xml_return_true(ret, sizeof(ret) - 1), 0);
	ck_assert_int_eq(ec2_xml_return_true(retf, sizeof(retf) - 1), -1);
}
END_TEST

/* Hostile input: wrong roots, oversized fields, entities, garbage, never a crash. */
static const char *const hostile[] = {
	"",
	"not xml at all",
	"<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item><instanceType>t3.micro</instanceType>"
	"<availabilityZone>us-east-1a</availabilityZone><spotPrice>abc</spotPrice><timestamp>2020-01-01T00:00:00Z</timestamp>"
	"</item></spotPriceHistorySet></DescribeSpotPriceHistoryResponse>",
	"<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item><instanceType>t3.micro</instanceType>"
	"<availabilityZone>us-east-1a</availabilityZone><spotPrice>0.1</spotPrice><timestamp>yesterday</timestamp>"
	"</item></spotPriceHistorySet></DescribeSpotPriceHistoryResponse>",
	"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><DescribeSpotPriceHistoryResponse><spotPriceHistorySet>"
	"<item><instanceType>&x;</instanceType></item></spotPriceHistorySet></DescribeSpotPriceHistoryResponse>",
	"<Other><spotPriceHistorySet/></Other>",
	"<DescribeSpotPriceHistoryResponse><spotPriceHistorySet><item><instanceType>",
};

START_TEST(test_hostile)
{
	struct ec2_prices p = { 0 };
	struct ec2_error e;
	const char *x = hostile[_i];
	ck_assert_int_eq(ec2_xml_spot_prices(x, strlen(x), &p), -1);
	ck_assert_int_eq(ec2_xml_error(x, strlen(x), &e), -1);
	ec2_prices_free(&p);
}
END_TEST

START_TEST(test_field_too_long)
{
	struct strbuf sb = STRBUF_INIT;
	struct ec2_instances in = { 0 };
	strbuf_addstr(&sb, "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>i-1</instanceId>"
			   "<instanceType>");
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&sb, "x");
	strbuf_addstr(&sb, "</instanceType></item></instancesSet></item></reservationSet></DescribeInstancesResponse>");
	ck_assert_int_eq(ec2_xml_instances(sb.buf, sb.len, &in), -1);
	ec2_instances_free(&in);
	strbuf_release(&sb);
}
END_TEST

static Suite *agent_xml_suite(void)
{
	Suite *s = suite_create("agent_xml");
	TCase *tc = tcase_create("xml");
	tcase_add_test(tc, test_error_document);
	tcase_add_test(tc, test_spot_prices_botocore);
	tcase_add_test(tc, test_instances_libcloud);
	tcase_add_test(tc, test_botocore_instances);
	tcase_add_test(tc, test_images_libcloud);
	tcase_add_test(tc, test_small_answers);
	tcase_add_loop_test(tc, test_hostile, 0, (int)(sizeof(hostile) / sizeof(hostile[0])));
	tcase_add_test(tc, test_field_too_long);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(agent_xml_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
