/*
 * test_uuid.c - common/uuid: the layout of version 4 and version 7 ids
 * (RFC 9562 sections 4, 5.4, 5.7) and the time order of version 7 text.
 */
#include "common/timeutil.h"
#include "common/uuid.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The version nibble and the variant bits of canonical text. */
static void check_shape(const char *s, char version)
{
	ck_assert_int_eq((int)strlen(s), UUID_STR_LEN);
	ck_assert_msg(uuid_valid(s), "not a uuid: %s", s);
	ck_assert_int_eq(s[14], version);
	ck_assert_msg(strchr("89ab", s[19]) != NULL, "variant of %s", s);
	for (const char *p = s; *p; p++)
		ck_assert_msg(*p == '-' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'), "not lowercase: %s", s);
}

START_TEST(test_uuid_v4_shape)
{
	char a[UUID_STR_LEN + 1], b[UUID_STR_LEN + 1];
	uuid_v4(a);
	uuid_v4(b);
	check_shape(a, '4');
	check_shape(b, '4');
	ck_assert_str_ne(a, b);
}
END_TEST

/* The first 48 bits are the milliseconds, big-endian: "tttttttt-tttt-7...". */
static const struct {
	int64_t ms;
	const char *prefix;
} v7_times[] = {
	{ 0, "00000000-0000-7" },
	{ 1, "00000000-0001-7" },
	{ 0x017F22E279B0LL, "017f22e2-79b0-7" }, /* RFC 9562 appendix A.6: Tue Feb 22 2022 19:22:22 UTC */
	{ 0xFFFFFFFFFFFFLL, "ffffffff-ffff-7" },
	{ 0x1000000000001LL, "00000000-0001-7" }, /* bits above 48 are dropped */
};

START_TEST(test_uuid_v7_time)
{
	char s[UUID_STR_LEN + 1];
	uuid_v7_at(s, v7_times[_i].ms);
	check_shape(s, '7');
	ck_assert_msg(!strncmp(s, v7_times[_i].prefix, strlen(v7_times[_i].prefix)), "%lld: %s",
		      (long long)v7_times[_i].ms, s);
}
END_TEST

START_TEST(test_uuid_v7_now)
{
	char s[UUID_STR_LEN + 1], lo[UUID_STR_LEN + 1], hi[UUID_STR_LEN + 1];
	int64_t t0 = time_now_ms();
	uuid_v7(s);
	int64_t t1 = time_now_ms();
	check_shape(s, '7');
	uuid_v7_at(lo, t0);
	uuid_v7_at(hi, t1);
	ck_assert_msg(strncmp(lo, s, 13) <= 0 && strncmp(s, hi, 13) <= 0, "%s not between %s and %s", s, lo, hi);
}
END_TEST

/* Text of a later millisecond sorts after, whatever the random bits. */
START_TEST(test_uuid_v7_order)
{
	char prev[UUID_STR_LEN + 1], cur[UUID_STR_LEN + 1];
	int64_t ms = 1795000000000LL;
	uuid_v7_at(prev, ms);
	for (int i = 1; i < 2000; i++) {
		ms += 1 + i % 3;
		uuid_v7_at(cur, ms);
		ck_assert_msg(strcmp(prev, cur) < 0, "%s !< %s", prev, cur);
		memcpy(prev, cur, sizeof(cur));
	}
	/* And the random part differs within one millisecond. */
	uuid_v7_at(prev, ms);
	uuid_v7_at(cur, ms);
	ck_assert_str_ne(prev, cur);
	ck_assert(!strncmp(prev, cur, 13));
}
END_TEST

/*
 * UUIDs draw on a per-thread pool of random bytes: a forked child must not
 * hand out what its parent hands out next (the pool is emptied in the child).
 */
START_TEST(test_uuid_fork_distinct)
{
	char parent[UUID_STR_LEN + 1], child[UUID_STR_LEN + 1] = "";
	int fds[2], status = 0;
	uuid_v4(parent); /* the pool is filled before the fork */
	ck_assert_int_eq(pipe(fds), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char u[UUID_STR_LEN + 1];
		uuid_v4(u);
		_exit(write(fds[1], u, UUID_STR_LEN) == UUID_STR_LEN ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq((int)read(fds[0], child, UUID_STR_LEN), UUID_STR_LEN);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	uuid_v4(parent);
	ck_assert_str_ne(parent, child);
	/* many in a row stay distinct across pool refills */
	char seen[200][UUID_STR_LEN + 1];
	for (int i = 0; i < 200; i++) {
		uuid_v7(seen[i]);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(seen[i], seen[j]);
	}
}
END_TEST

static Suite *uuid_suite(void)
{
	Suite *s = suite_create("uuid");
	TCase *tc = tcase_create("uuid");
	tcase_add_test(tc, test_uuid_v4_shape);
	tcase_add_loop_test(tc, test_uuid_v7_time, 0, (int)NELEM(v7_times));
	tcase_add_test(tc, test_uuid_v7_now);
	tcase_add_test(tc, test_uuid_v7_order);
	tcase_add_test(tc, test_uuid_fork_distinct);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(uuid_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
