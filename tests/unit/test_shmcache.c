/*
 * test_shmcache.c - common/shmcache: get/put/del, replacement within a set,
 * size limits, a file shared by processes (seen by the other side, reset when
 * its layout differs), and readers that never see a torn value while other
 * processes write the same keys.
 */
#include "common/shmcache.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[64];

static void tmp_path(void)
{
	snprintf(path, sizeof(path), "/tmp/test_shmcache.%ld", (long)getpid());
	unlink(path);
}

START_TEST(test_shmcache_get_put_del)
{
	struct shmcache *c;
	char v[64];
	size_t vl = 0;
	struct shmcache_stats st;

	ck_assert_int_eq(shmcache_open(&c, NULL, 64), 0);
	ck_assert_int_eq(shmcache_get(c, "k1", 2, v, sizeof(v), &vl), 0);
	ck_assert_int_eq(shmcache_put(c, "k1", 2, "value-one", 9), 0);
	ck_assert_int_eq(shmcache_get(c, "k1", 2, v, sizeof(v), &vl), 1);
	ck_assert_uint_eq(vl, 9);
	ck_assert_int_eq(memcmp(v, "value-one", 9), 0);
	/* Same key: replaced in place, not stored twice. */
	ck_assert_int_eq(shmcache_put(c, "k1", 2, "2", 1), 0);
	ck_assert_int_eq(shmcache_get(c, "k1", 2, v, sizeof(v), &vl), 1);
	ck_assert_uint_eq(vl, 1);
	ck_assert_int_eq(v[0], '2');
	/* A prefix of a key is another key. */
	ck_assert_int_eq(shmcache_get(c, "k", 1, v, sizeof(v), &vl), 0);
	/* A value longer than the caller's buffer is a miss, not an overflow. */
	ck_assert_int_eq(shmcache_put(c, "big", 3, "0123456789", 10), 0);
	ck_assert_int_eq(shmcache_get(c, "big", 3, v, 4, &vl), 0);
	shmcache_del(c, "k1", 2);
	ck_assert_int_eq(shmcache_get(c, "k1", 2, v, sizeof(v), &vl), 0);
	shmcache_del(c, "absent", 6);
	shmcache_stats(c, &st);
	ck_assert_uint_eq(st.stores, 3);
	ck_assert_uint_eq(st.hits, 2);
	ck_assert_uint_eq(st.misses, 4);
	shmcache_free(c);
}
END_TEST

START_TEST(test_shmcache_limits)
{
	struct shmcache *c;
	char big[SHMCACHE_DATA_MAX + 1], v[SHMCACHE_DATA_MAX];
	size_t vl;

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(shmcache_open(&c, NULL, 1), 0);
	ck_assert_int_eq(shmcache_put(c, "k", 1, big, SHMCACHE_DATA_MAX), -1);
	ck_assert_int_eq(shmcache_put(c, "k", 1, big, SHMCACHE_DATA_MAX - 1), 0);
	ck_assert_int_eq(shmcache_get(c, "k", 1, v, sizeof(v), &vl), 1);
	ck_assert_uint_eq(vl, SHMCACHE_DATA_MAX - 1);
	ck_assert_int_eq(shmcache_put(c, "", 0, "v", 1), -1);
	ck_assert_int_eq(shmcache_get(c, big, sizeof(big), v, sizeof(v), &vl), 0);
	shmcache_free(c);
}
END_TEST

/* Far more keys than slots: every get is either the value last put under that key or a miss. */
START_TEST(test_shmcache_replacement)
{
	struct shmcache *c;
	char k[16], v[16], got[16];
	size_t vl;
	int hits = 0;

	ck_assert_int_eq(shmcache_open(&c, NULL, 64), 0);
	for (int i = 0; i < 1000; i++) {
		int kl = snprintf(k, sizeof(k), "key%d", i), vlen = snprintf(v, sizeof(v), "val%d", i);
		ck_assert_int_eq(shmcache_put(c, k, (size_t)kl, v, (size_t)vlen), 0);
	}
	for (int i = 0; i < 1000; i++) {
		int kl = snprintf(k, sizeof(k), "key%d", i), vlen = snprintf(v, sizeof(v), "val%d", i);
		if (shmcache_get(c, k, (size_t)kl, got, sizeof(got), &vl)) {
			hits++;
			ck_assert_uint_eq(vl, (size_t)vlen);
			ck_assert_int_eq(memcmp(got, v, vl), 0);
		}
	}
	/* 64 slots hold at most 64 keys, and the newest are kept: the last key put is there. */
	ck_assert_int_le(hits, 64);
	ck_assert_int_ge(hits, 16);
	ck_assert_int_eq(shmcache_get(c, "key999", 6, got, sizeof(got), &vl), 1);
	shmcache_free(c);
}
END_TEST

START_TEST(test_shmcache_file_shared_and_reset)
{
	struct shmcache *a, *b;
	char v[16];
	size_t vl;

	tmp_path();
	ck_assert_int_eq(shmcache_open(&a, path, 128), 0);
	ck_assert_int_eq(shmcache_put(a, "shared", 6, "yes", 3), 0);
	ck_assert_int_eq(shmcache_open(&b, path, 128), 0);
	ck_assert_int_eq(shmcache_get(b, "shared", 6, v, sizeof(v), &vl), 1);
	ck_assert_int_eq(memcmp(v, "yes", 3), 0);
	shmcache_free(b);
	shmcache_free(a);
	/* Reopened with another size: a fresh, empty cache. */
	ck_assert_int_eq(shmcache_open(&a, path, 1024), 0);
	ck_assert_int_eq(shmcache_get(a, "shared", 6, v, sizeof(v), &vl), 0);
	shmcache_free(a);
	/* A file of garbage of the right size is reset too. */
	{
		FILE *f;
		ck_assert_int_eq(shmcache_open(&a, path, 1024), 0);
		ck_assert_int_eq(shmcache_put(a, "x", 1, "y", 1), 0);
		shmcache_free(a);
		f = fopen(path, "r+");
		ck_assert_ptr_nonnull(f);
		fputs("garbage!", f);
		fclose(f);
		ck_assert_int_eq(shmcache_open(&a, path, 1024), 0);
		ck_assert_int_eq(shmcache_get(a, "x", 1, v, sizeof(v), &vl), 0);
		ck_assert_int_eq(shmcache_put(a, "x", 1, "z", 1), 0);
		ck_assert_int_eq(shmcache_get(a, "x", 1, v, sizeof(v), &vl), 1);
		shmcache_free(a);
	}
	ck_assert_int_eq(shmcache_open(&a, "/nonexistent-dir/cache", 64), -1);
	unlink(path);
}
END_TEST

/*
 * Writers in other processes store, under 8 keys sharing few slots, values whose
 * every byte is the same; the reader checks that a hit is never a mix of two.
 */
START_TEST(test_shmcache_no_torn_reads)
{
	struct shmcache *c;
	pid_t kids[3];
	long hits = 0, torn = 0;

	tmp_path();
	ck_assert_int_eq(shmcache_open(&c, path, 64), 0);
	for (int k = 0; k < 3; k++) {
		kids[k] = fork();
		ck_assert_int_ge(kids[k], 0);
		if (kids[k] == 0) {
			struct shmcache *w;
			unsigned char v[200];
			if (shmcache_open(&w, path, 64) < 0)
				_exit(1);
			for (unsigned i = 0;; i++) {
				char key[8];
				int kl = snprintf(key, sizeof(key), "k%u", i % 8);
				memset(v, (int)(i & 0xff), sizeof(v));
				shmcache_put(w, key, (size_t)kl, v, (size_t)(100 + i % 100));
			}
		}
	}
	for (int i = 0; i < 300000; i++) {
		unsigned char got[200];
		char key[8];
		size_t vl = 0;
		int kl = snprintf(key, sizeof(key), "k%d", i % 8);
		if (!shmcache_get(c, key, (size_t)kl, got, sizeof(got), &vl))
			continue;
		hits++;
		/* (One assertion per read: each ck_assert is a message to Check's parent.) */
		if (vl < 100)
			torn++;
		for (size_t j = 1; j < vl; j++)
			if (got[j] != got[0]) {
				torn++;
				break;
			}
	}
	for (int k = 0; k < 3; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	ck_assert_int_gt(hits, 0);
	ck_assert_int_eq(torn, 0);
	shmcache_free(c);
	unlink(path);
}
END_TEST

static Suite *shmcache_suite(void)
{
	Suite *s = suite_create("shmcache");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_shmcache_get_put_del);
	tcase_add_test(tc, test_shmcache_limits);
	tcase_add_test(tc, test_shmcache_replacement);
	tcase_add_test(tc, test_shmcache_file_shared_and_reset);
	tcase_add_test(tc, test_shmcache_no_torn_reads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(shmcache_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
