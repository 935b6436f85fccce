/* commands.c - queueing commands for agents. */
#include "core/commands.h"
#include "core/db.h"
#include "common/arena.h"

#include <string.h>

static const char *const commands_sql[] = {
	"INSERT INTO commands (id, client_id, agent_id, instance_id, type, payload, status, priority, request_id, "
	"reason, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, "
	"UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? SECOND)",
	"SELECT id FROM commands WHERE request_id = ?",
};

enum core_result commands_queue(struct db *db, struct arena *a, const struct command_new *c, const struct actor *who,
				char id[UUID_STR_LEN + 1])
{
	char rid[UUID_STR_LEN + 1];
	const char *request_id = c->request_id;
	struct db_rows r;

	uuid_v4(id);
	if (!request_id) {
		uuid_v4(rid);
		request_id = rid;
	}
	struct db_param p[] = {
		DBP_STR(id),
		DBP_STR(c->client_id),
		DBP_STR(c->agent_id),
		DBP_STR(c->instance_id),
		DBP_STR(c->type),
		DBP_STR(c->payload ? c->payload : "{}"),
		DBP_INT(c->priority),
		DBP_STR(request_id),
		DBP_STR(c->reason),
		DBP_STR(who->id),
		DBP_INT(c->ttl_seconds > 0 ? c->ttl_seconds : COMMAND_DEFAULT_TTL_S),
	};
	if (db_query(db, NULL, commands_sql[0], p, sizeof(p) / sizeof(p[0]), NULL) < 0) {
		if (!db_is_duplicate(db))
			return CORE_ERR;
		struct db_param q[] = { DBP_STR(request_id) };
		if (db_query(db, a, commands_sql[1], q, 1, &r) < 0 || r.nrows != 1)
			return CORE_ERR;
		snprintf(id, UUID_STR_LEN + 1, "%s", db_rows_cell(&r, 0, 0));
		return CORE_DUPLICATE;
	}
	const char *post = arena_printf(a, "{\"type\":\"%s\",\"status\":\"pending\",\"priority\":%d}", c->type, c->priority);
	if (clients_audit(db, who, c->client_id, c->agent_id, "command.queued", "command", id, c->reason, NULL, post) < 0)
		return CORE_ERR;
	return CORE_CREATED;
}
