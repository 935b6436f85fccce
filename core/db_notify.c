/* db_notify.c - notifications statements. */
#include "core/db_notify.h"
#include "core/db.h"
#include "common/uuid.h"

static const char *const db_notify_sql[] = {
	"INSERT INTO notifications (id, client_id, agent_id, type, severity, title, message, dedupe_key, created_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE id = id",
};

int db_notify_add(struct db *db, const struct notification *n)
{
	char id[UUID_STR_LEN + 1];
	uuid_v4(id);
	struct db_param p[] = { DBP_STR(id),	   DBP_STR(n->client_id), DBP_STR(n->agent_id),
				DBP_STR(n->type),   DBP_STR(n->severity ? n->severity : "info"),
				DBP_STR(n->title), DBP_STR(n->message),   DBP_STR(n->dedupe_key) };
	return db_query(db, NULL, db_notify_sql[0], p, 8, NULL);
}
