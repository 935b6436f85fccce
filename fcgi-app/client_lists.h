/*
 * client_lists.h - the client API's reads (DESIGN.md section 5, issue 7):
 * GET /api/client/{cid}/{agents,instances,replicas,switches,savings,
 * notifications}, the downtime analytics, price history and CSV exports.
 *
 * Callers: the client token or a client user's session (ROUTE_AUTH_CLIENT).
 * {cid} must be the caller's client: anything else answers 404, exactly like
 * an absent client. Lists are paged with limit (1-200, default 50) and offset;
 * the answer carries next_offset (null on the last page).
 */
#ifndef SPOT_CLIENT_LISTS_H
#define SPOT_CLIENT_LISTS_H

#include <stddef.h>

struct app;
struct request;
struct response;
struct strbuf;

#define CLIENT_LISTS_LIMIT_DEFAULT 50
#define CLIENT_LISTS_LIMIT_MAX 200
#define CLIENT_LISTS_OFFSET_MAX 1000000
#define CLIENT_LISTS_CSV_MAX 10000       /* rows of one CSV export */
#define CLIENT_LISTS_DOWNTIME_MAX 100000 /* switches one downtime window reads */
#define CLIENT_LISTS_PRICE_DAYS_MAX 30
#define CLIENT_LISTS_PRICE_ROWS_MAX 20000

void client_lists_agents(struct app *app, struct request *req, struct response *res);
/* ?status=active (default)|terminated|all */
void client_lists_instances(struct app *app, struct request *req, struct response *res);
/* ?status=live|ended|all (default) */
void client_lists_replicas(struct app *app, struct request *req, struct response *res);
/* ?from=&to= (RFC 3339 or YYYY-MM-DD; from inclusive, to exclusive) */
void client_lists_switches(struct app *app, struct request *req, struct response *res);
/* ?period=day (default)|month&from=&to= (dates; default the last 30 days) */
void client_lists_savings(struct app *app, struct request *req, struct response *res);
/* ?unread=1 */
void client_lists_notifications(struct app *app, struct request *req, struct response *res);
/* ?from=&to= (default the last 30 days): count, average, min, max, p95 of downtime, success rate. */
void client_lists_downtime(struct app *app, struct request *req, struct response *res);
/* ?pool=<pool id>&days=1-30 (default 7): the consolidated 5-minute prices. */
void client_lists_prices(struct app *app, struct request *req, struct response *res);
/* CSV exports (RFC 4180): the same filters as the JSON lists, at most CLIENT_LISTS_CSV_MAX rows. */
void client_lists_switches_csv(struct app *app, struct request *req, struct response *res);
void client_lists_savings_csv(struct app *app, struct request *req, struct response *res);

/*
 * One CSV field, RFC 4180: quoted when it holds a comma, quote, CR or LF
 * (quotes doubled). Text (is_text) that a spreadsheet would run as a formula
 * (starting with = + - @ TAB CR) gets a leading apostrophe. NULL is empty.
 */
void client_lists_csv_field(struct strbuf *out, const char *s, int is_text);

/* The 95th percentile by nearest rank of sorted values v[0..n-1] (n > 0). */
double client_lists_p95(const double *sorted, size_t n);

#endif
