/*
 * txn.h - running a step of core logic as one transaction, again when a
 * racing writer won.
 *
 * A step does its reads and writes on db inside the transaction txn_run
 * opened; it never begins, commits or rolls back itself. It says what
 * happened with a core_result: CORE_OK or CORE_CREATED commit, anything else
 * rolls back. CORE_ERR means a database error, and db->last_errno says which.
 *
 * A deadlock or a lock wait timeout always runs the step again in a fresh
 * transaction. The flags add the two outcomes that also mean "another writer
 * got there first; look again and see the winner":
 *   TXN_RETRY_DUPLICATE  CORE_ERR from a duplicate key (a racing insert);
 *   TXN_RETRY_CONFLICT   CORE_CONFLICT (a racing update of a versioned row).
 *
 * A step may run several times: it must reset its outputs itself, at its
 * start, and anything it allocated in an arena in an earlier attempt simply
 * stays there until the arena is released.
 */
#ifndef SPOT_TXN_H
#define SPOT_TXN_H

#include "core/result.h"

struct db;

#define TXN_RETRY_DUPLICATE 1u /* a duplicate key (a racing insert) runs the step again */
#define TXN_RETRY_CONFLICT 2u  /* CORE_CONFLICT (a racing update) runs the step again */
#define TXN_MAX_ATTEMPTS 8     /* runs of one step, the first included */

/* One attempt: ctx is the caller's, passed through unchanged. */
typedef enum core_result (*txn_step_fn)(struct db *db, void *ctx);

/*
 * Begins, runs step, commits when it returns CORE_OK or CORE_CREATED and
 * rolls back otherwise. A deadlock or lock wait timeout (and, with flags, a
 * duplicate key or CORE_CONFLICT) runs it again, at most TXN_MAX_ATTEMPTS
 * times in all; `what` names the operation in the retry log line.
 *
 * Returns the step's last result, or CORE_ERR when a begin or the commit
 * failed (db->last_error says why). A CORE_CONFLICT still returned with
 * TXN_RETRY_CONFLICT means the attempts ran out. No transaction is open on
 * return.
 */
enum core_result txn_run(struct db *db, const char *what, unsigned flags, txn_step_fn step, void *ctx);

#endif
