/* txn.c - one transaction around a step of core logic, retried when a racing writer won (see txn.h). */
#include "core/txn.h"
#include "core/db.h"
#include "common/log.h"

/* True when rc (after a rollback-worthy attempt) means: run the step again. */
static int txn_should_retry(const struct db *db, unsigned flags, enum core_result rc)
{
	if (rc == CORE_CONFLICT)
		return (flags & TXN_RETRY_CONFLICT) != 0;
	if (rc != CORE_ERR)
		return 0;
	/* MariaDB asks for a retry after ER_LOCK_DEADLOCK and ER_LOCK_WAIT_TIMEOUT; the transaction is gone. */
	return db_is_retryable(db) || ((flags & TXN_RETRY_DUPLICATE) && db_is_duplicate(db));
}

enum core_result txn_run(struct db *db, const char *what, unsigned flags, txn_step_fn step, void *ctx)
{
	for (int attempt = 1;; attempt++) {
		enum core_result rc;
		if (db_begin(db) < 0)
			return CORE_ERR;
		rc = step(db, ctx);
		if (rc == CORE_OK || rc == CORE_CREATED) {
			if (db_commit(db) == 0)
				return rc;
			rc = CORE_ERR;
		}
		/* Decide before the rollback: it may overwrite the error the step left. */
		int retry = txn_should_retry(db, flags, rc);
		db_rollback(db);
		if (!retry || attempt >= TXN_MAX_ATTEMPTS)
			return rc;
		log_info("%s: retrying after %u: %s", what, db->last_errno, db->last_error);
	}
}
