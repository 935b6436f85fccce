/*
 * result.h - what a core operation says happened, for the HTTP layer to map
 * to a status (core knows nothing of HTTP). CORE_ERR means a database error
 * (db->last_error says which); the others are domain outcomes.
 */
#ifndef SPOT_RESULT_H
#define SPOT_RESULT_H

enum core_result {
	CORE_ERR = -1,
	CORE_OK = 0,
	CORE_CREATED,    /* OK, and something new was made */
	CORE_NOT_FOUND,  /* absent, or not the caller's */
	CORE_CONFLICT,   /* a version or state conflict */
	CORE_FORBIDDEN,  /* a plan limit or a rule forbids it */
	CORE_DUPLICATE,  /* a unique value is taken */
	CORE_INVALID,    /* the input contradicts the stored state */
};

#endif
