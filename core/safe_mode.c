/* safe_mode.c - reading and auditing the SAFE_MODE setting. */
#include "core/safe_mode.h"
#include "core/db.h"
#include "core/db_system.h"
#include "common/arena.h"

#include <string.h>

#define SAFE_MODE_KEY "SAFE_MODE"

static int safe_mode_read(struct db *db, struct arena *a, int lock, struct safe_mode *out)
{
	struct system_setting s;
	int rc = db_system_config_get(db, a, SAFE_MODE_KEY, lock, &s);
	memset(out, 0, sizeof(*out));
	if (rc < 0)
		return -1;
	if (rc == 1) {
		out->enabled = !strcmp(s.value, "true");
		out->updated_by = s.updated_by;
		out->updated_at = s.updated_at;
		out->version = s.version;
	}
	return 0;
}

int safe_mode_get(struct db *db, struct arena *a, struct safe_mode *out)
{
	return safe_mode_read(db, a, 0, out);
}

int safe_mode_set(struct db *db, struct arena *a, int enabled, const char *actor_type, const char *actor,
		  const char *reason, const char *trace_id, struct safe_mode *out)
{
	struct safe_mode before;
	struct system_event ev = { 0 };

	if (db_begin(db) < 0)
		return -1;
	if (safe_mode_read(db, a, 1, &before) < 0 ||
	    db_system_config_put(db, SAFE_MODE_KEY, enabled ? "true" : "false", actor) < 0)
		goto fail;
	ev.actor_type = actor_type;
	ev.actor_id = actor;
	ev.action = enabled ? "safe_mode.enabled" : "safe_mode.disabled";
	ev.severity = enabled ? "warning" : "info";
	ev.subject_type = "system_config";
	ev.subject_id = SAFE_MODE_KEY;
	ev.message = reason;
	ev.pre_state = before.enabled ? "{\"enabled\":true}" : "{\"enabled\":false}";
	ev.post_state = enabled ? "{\"enabled\":true}" : "{\"enabled\":false}";
	ev.trace_id = trace_id;
	if (db_system_event_add(db, &ev) < 0 || safe_mode_read(db, a, 0, out) < 0)
		goto fail;
	if (db_commit(db) < 0)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}
