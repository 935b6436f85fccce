/*
 * db_policy.h - the statements of client_policies (core/policy.h).
 */
#ifndef SPOT_DB_POLICY_H
#define SPOT_DB_POLICY_H

struct arena;
struct db;
struct policy;

/*
 * Reads the client's row into out (strings in a), locking it when for_update.
 * 1 found, 0 no row (out untouched), -1 error.
 */
int db_policy_get(struct db *db, struct arena *a, const char *client_id, int for_update, struct policy *out);
/* 1 when the client exists (locked FOR UPDATE when for_update), 0 not, -1 error. */
int db_policy_client_exists(struct db *db, struct arena *a, const char *client_id, int for_update);
/* Inserts or replaces the client's row with p's values; the version goes up by one. 0 or -1. */
int db_policy_upsert(struct db *db, const char *client_id, const struct policy *p, const char *updated_by);

#endif
