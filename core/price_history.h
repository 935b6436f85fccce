/*
 * price_history.h - spot price histories and on-demand price lists from
 * files, for spot-backtest and spot-train (issue 8 item 5). Pure parsing of
 * text the caller has read; no I/O here.
 *
 * Price histories, detected by the first non-blank character:
 *   '{'  the JSON `aws ec2 describe-spot-price-history` prints:
 *        {"SpotPriceHistory": [{"Timestamp", "ProductDescription",
 *        "InstanceType", "SpotPrice" (string or number), "AvailabilityZone"}, ...]}
 *   else CSV with the header
 *        timestamp,availability_zone,instance_type,product_description,spot_price
 * Records whose product description differs from the one asked for are
 * skipped (counted); the rest are grouped into series per (AZ, type), the
 * region being the AZ without its trailing letter ("us-east-1c" ->
 * "us-east-1"). After price_history_finish() every series is ascending by
 * time with one record per time (of same-time records one is kept).
 *
 * On-demand prices: CSV with the header region,instance_type,price, or the
 * instance catalog sql/instance_types.csv (header
 * instance_type,region,vcpu,memory_gib,arch,ondemand_price; '#' lines are
 * comments).
 *
 * The *_load_file functions read a file (at most PRICE_HISTORY_MAX_FILE
 * bytes) and parse it; the messages then start with the path.
 */
#ifndef SPOT_PRICE_HISTORY_H
#define SPOT_PRICE_HISTORY_H

#include <stddef.h>

#include "core/backtest.h"

#define PRICE_HISTORY_MAX_RECORDS (5 * 1000 * 1000)
#define PRICE_HISTORY_MAX_SERIES 4096
#define PRICE_HISTORY_DEFAULT_PRODUCT "Linux/UNIX"
#define PRICE_HISTORY_MAX_FILE (512u * 1024 * 1024)

struct price_history_series {
	char region[32];
	char az[32];
	char instance_type[64];
	char pool_id[100];          /* "AZ:type" */
	struct backtest_point *pts;
	size_t npts, cap;
};

struct price_history {
	struct price_history_series *series;
	size_t nseries, cap;
	size_t records;             /* records kept */
	size_t skipped_product;     /* records of another product description */
};

void price_history_init(struct price_history *h);
void price_history_release(struct price_history *h);

/*
 * Adds the records of one file's text (len bytes, need not be NUL-terminated)
 * whose product description equals product (NULL: Linux/UNIX). Returns 0, or
 * -1 with err naming the record or line and the field ("line 7:
 * spot_price: not a number"); on -1 nothing of this text was added.
 */
int price_history_add_text(struct price_history *h, const char *text, size_t len, const char *product, char *err,
			   size_t errlen);

/* price_history_add_text() of a file's contents. */
int price_history_load_file(struct price_history *h, const char *path, const char *product, char *err,
			    size_t errlen);

/* Sorts every series by time and drops same-time duplicates. */
void price_history_finish(struct price_history *h);

/*
 * Fills pools (capacity max) with views of h's series, in the order the
 * series were first seen. Returns how many; the views live as long as h.
 */
size_t price_history_pools(const struct price_history *h, struct backtest_pool *pools, size_t max);

struct price_history_ondemand {
	char region[32];
	char instance_type[64];
	double price;
};

struct price_history_ondemand_list {
	struct price_history_ondemand *rows;
	size_t n, cap;
};

void price_history_ondemand_init(struct price_history_ondemand_list *l);
void price_history_ondemand_release(struct price_history_ondemand_list *l);

/* Parses an on-demand CSV (either header above). 0, or -1 with err naming the line and field. */
int price_history_ondemand_parse(struct price_history_ondemand_list *l, const char *text, size_t len, char *err,
				 size_t errlen);

/* price_history_ondemand_parse() of a file's contents. */
int price_history_ondemand_load_file(struct price_history_ondemand_list *l, const char *path, char *err,
				     size_t errlen);

/*
 * Fills out (capacity max) with views of l's rows. Returns how many; the
 * views live as long as l.
 */
size_t price_history_ondemand_views(const struct price_history_ondemand_list *l, struct backtest_ondemand *out,
				    size_t max);

#endif
