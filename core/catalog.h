/*
 * catalog.h - the instance catalog (DESIGN.md section 4): type, region, vCPU,
 * memory, architecture and on-demand price, seeded from sql/instance_types.csv
 * and updatable by admins.
 *
 * The seed only inserts rows that are missing, so a row an admin created or
 * changed is never overwritten by a later seed. Admin writes are optimistic:
 * an update names the version it read.
 */
#ifndef SPOT_CATALOG_H
#define SPOT_CATALOG_H

#include "core/clients.h"
#include "core/db_catalog.h"
#include "core/result.h"

/*
 * Bounds of a catalog row. The largest EC2 types today have 896 vCPUs and
 * 24 TiB of memory, and the dearest list under 250 USD/h, so these only stop
 * unit mistakes (MiB for GiB, a monthly price for an hourly one).
 */
#define CATALOG_MAX_VCPU 4096
#define CATALOG_MAX_MEMORY_GIB 65536.0
#define CATALOG_MAX_PRICE 1000.0
#define CATALOG_MAX_LINE 512   /* bytes of one CSV line */
#define CATALOG_MAX_ROWS 20000 /* rows of one CSV file */
#define CATALOG_LIST_MAX 5000  /* rows of one admin listing */

/* True for x86_64 and arm64, the architectures EC2 types have. */
int catalog_arch_valid(const char *arch);

/*
 * Creates (version < 0 and the row absent: CORE_CREATED) or updates (version
 * equal to the stored one: CORE_OK) the row of v, audited with before and
 * after state. CORE_CONFLICT when the row exists and version is missing or
 * stale, or when version is given for a row that does not exist. out holds
 * the stored row. CORE_ERR on a database error.
 */
enum core_result catalog_put(struct db *db, struct arena *a, const struct catalog_values *v, long version,
			     const struct actor *who, struct catalog_row *out);

/*
 * Loads the CSV at path (header instance_type,region,vcpu,memory_gib,arch,
 * ondemand_price; '#' lines and blank lines are comments) and inserts the rows
 * that are missing, in one transaction with one audit row when anything was
 * inserted. The whole file is checked first: a malformed line refuses the
 * file with err = "path:line: what is wrong" and nothing is written.
 * Returns 0 (*inserted, *total set) or -1 with err set.
 */
int catalog_seed(struct db *db, const char *path, const struct actor *who, size_t *inserted, size_t *total, char *err,
		 size_t errsize);

#endif
