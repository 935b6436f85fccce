/*
 * spot-migrate - applies sql/migrations/NNNN_name.sql in order and records
 * them in schema_migrations (DESIGN.md section 4), then seeds the instance
 * catalog from a CSV (rows that are missing only; see core/catalog.h).
 *
 *   spot-migrate [--config FILE] [--dir DIR] [--wait SECONDS] [--catalog FILE | --no-catalog]
 *
 * Exit codes: 0 done, 1 a migration or the catalog failed or was refused, 2 bad usage or
 * configuration, 3 the database never became ready.
 */
#include "common/config.h"
#include "common/log.h"
#include "core/catalog.h"
#include "core/db.h"
#include "core/migrate.h"

#include <stdlib.h>
#include <string.h>

#ifndef SPOT_DEFAULT_MIGRATIONS
#define SPOT_DEFAULT_MIGRATIONS "sql/migrations"
#endif
#ifndef SPOT_DEFAULT_CATALOG
#define SPOT_DEFAULT_CATALOG "sql/instance_types.csv"
#endif

static void usage(void)
{
	fprintf(stderr, "usage: spot-migrate [--config FILE] [--dir DIR] [--wait SECONDS] [--catalog FILE | --no-catalog]\n");
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct db_settings s;
	struct db db;
	struct migrate_result res;
	const char *config_file = NULL, *dir = NULL, *catalog = NULL;
	int no_catalog = 0;
	long wait = 30;
	char err[512];
	int rc;

	log_init("spot-migrate");
	config_init(&cfg);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_file = argv[++i];
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir = argv[++i];
		} else if (!strcmp(argv[i], "--catalog") && i + 1 < argc) {
			catalog = argv[++i];
		} else if (!strcmp(argv[i], "--no-catalog")) {
			no_catalog = 1;
		} else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
			char *end;
			wait = strtol(argv[++i], &end, 10);
			if (*end || wait < 0 || wait > 3600) {
				fprintf(stderr, "spot-migrate: --wait: expected seconds in [0, 3600]\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--version")) {
			printf("spot-migrate 0.1.0\n");
			return 0;
		} else {
			usage();
			return 2;
		}
	}
	if (config_file && config_load_file(&cfg, config_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-migrate: %s\n", err);
		return 2;
	}
	if (db_settings_from_config(&s, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-migrate: %s\n", err);
		return 2;
	}
	if (!dir)
		dir = config_get(&cfg, "SPOT_MIGRATIONS_DIR", SPOT_DEFAULT_MIGRATIONS);
	s.multi_statements = 1;
	db_init(&db, &s);
	if (db_wait_ready(&db, (int)wait) < 0) {
		config_release(&cfg);
		return 3;
	}
	rc = migrate_run(&db, dir, &res);
	if (rc == 0)
		log_info("migrate: %zu applied, %zu already applied", res.applied, res.skipped);
	if (rc == 0 && !no_catalog) {
		struct actor who = { .type = "system", .id = "spot-migrate", .trace_id = NULL };
		size_t inserted, total;
		if (!catalog)
			catalog = config_get(&cfg, "SPOT_CATALOG_FILE", SPOT_DEFAULT_CATALOG);
		rc = catalog_seed(&db, catalog, &who, &inserted, &total, err, sizeof(err));
		if (rc == 0)
			log_info("catalog: %zu of %zu rows inserted from %s", inserted, total, catalog);
		else
			log_err("catalog: refused: %s", err);
	}
	db_release(&db);
	config_release(&cfg);
	return rc == 0 ? 0 : 1;
}
