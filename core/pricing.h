/*
 * pricing.h - agents' pricing reports (DESIGN.md section 5): checking each
 * price sample and storing the acceptable ones in the staging table.
 *
 * A report is judged row by row: a bad row is rejected with the field that is
 * wrong, and does not drop the good ones. The acceptable rows are stored with
 * the reporter's role, in one transaction with the report row, the pools they
 * name (created when unknown) and one audit row. Samples already stored for
 * the same (pool, observed_at, instance) are acknowledged but not stored again.
 * Instance types the catalog lacks raise one admin notification per (type,
 * region), ever (its dedupe key), and are listed in the answer.
 */
#ifndef SPOT_PRICING_H
#define SPOT_PRICING_H

#include "common/uuid.h"
#include "core/awsnames.h"
#include "core/clients.h"
#include "core/result.h"

#include <stddef.h>
#include <stdint.h>

#define PRICING_MAX_ROWS 500
/*
 * Spot prices are capped at the on-demand price, and the dearest EC2 type
 * lists under 250 USD/h; above 1000 USD/h a sample is a unit mistake (cents,
 * a monthly figure) or garbage. The floor is the staging column's resolution
 * (DECIMAL(12,6)): a smaller price would be stored as 0.
 */
#define PRICING_MAX_PRICE 1000.0
#define PRICING_MIN_PRICE 0.000001
#define PRICING_MAX_SKEW_S 300             /* observed_at may be this far ahead of our clock */
#define PRICING_MAX_AGE_S (90L * 86400)    /* older samples are history, not a report */
#define PRICING_MAX_TIME_LEN 40            /* bytes of an observed_at string */
#define PRICING_REGION_MAX 33

/* One sample as the agent sent it, with what pricing_check derives from it. */
struct price_row {
	size_t index; /* its position in prices[] */
	const char *instance_type, *az, *observed_at;
	double price;
	/* filled by pricing_check */
	char region[PRICING_REGION_MAX];
	char pool_id[AWS_POOL_ID_MAX];
	int64_t observed_ms;
};

/*
 * The region of an availability zone: "us-east-1" for "us-east-1a" and for
 * the Local Zone "us-east-1-bos-1a". 0, or -1 when az has no region shape.
 */
int pricing_az_region(const char *az, char *region, size_t size);

/*
 * Checks one sample against the rules above at now_ms (milliseconds since the
 * epoch) and fills region, pool_id and observed_ms. Returns 0, or -1 with
 * *field (the member: "price", "az", ...) and *message set to static text.
 */
int pricing_check(struct price_row *r, int64_t now_ms, const char **field, const char **message);

struct pricing_report {
	const char *client_id, *agent_id, *instance_id;
	const char *role;       /* primary|standby|replica|zombie */
	const char *request_id; /* the X-Request-ID, or NULL: a new one is made */
	double ondemand_price;
	int has_ondemand;
	size_t price_count;     /* rows in prices[] */
	size_t rejected_count;
	const struct price_row *rows; /* the accepted rows, checked by pricing_check */
	size_t nrows;
};

struct pricing_outcome {
	char report_id[UUID_STR_LEN + 1];
	long stored;            /* new rows in spot_price_snapshots */
	long duplicates;        /* accepted rows that were stored before */
	int replayed;           /* request_id was recorded before: nothing was written now */
	int known;              /* every pool and pair was known (pricing_known): the JSON check was skipped */
	const char **unknown;   /* (type, region) pairs the catalog lacks */
	size_t nunknown;
};

/*
 * What a worker has seen exist: pools (spot_pools rows, which nothing
 * deletes) and (type, region) pairs of the catalog. A report whose pools and
 * pairs are all known, and not older than PRICING_KNOWN_TTL_MS, skips the
 * check that reads its documents through JSON_TABLE (most of a report's
 * database time after the samples' insert) for a primary-key read of its
 * instance. The TTL bounds how long a pool removed by hand, or a catalog
 * entry deleted, goes unnoticed. Entries are replaced by the oldest first.
 */
#define PRICING_KNOWN_SLOTS 1024 /* a power of two */
#define PRICING_KNOWN_WAYS 4
#define PRICING_KNOWN_TTL_MS (60 * 1000)
#define PRICING_KNOWN_KEY (AWS_POOL_ID_MAX + 2)

struct pricing_known {
	struct pricing_known_slot {
		int64_t until_ms; /* 0: empty */
		char key[PRICING_KNOWN_KEY];
	} slot[PRICING_KNOWN_SLOTS];
};

/* A table with nothing known (calloc'd memory is one too); NULL when out of memory. */
struct pricing_known *pricing_known_new(void);
void pricing_known_free(struct pricing_known *k);

/*
 * Stores an accepted report. CORE_OK with out filled; CORE_NOT_FOUND when the
 * instance is not this agent's; CORE_ERR on a database error. Retries
 * deadlocks itself. A request_id the agent used before (a spooled report sent
 * again after its idempotency key expired) changes nothing and answers the
 * first report's id with replayed set. known (may be NULL: always check) is
 * read before and filled after a stored report.
 */
enum core_result pricing_report_store(struct db *db, struct arena *a, struct pricing_known *known,
				      const struct pricing_report *in, const struct actor *who,
				      struct pricing_outcome *out);

#endif
