-- 0014_pages_price_index.sql - a covering index for the agent page's price history.
--
-- The agent page (issue 7) reads a pool's last 7 days of pricing_consolidated
-- (db_pages_pool_history: 2,016 five-minute rows grouped into 168 hours), for its
-- own pool and up to three alternatives. Through uq_pricing_consolidated_bucket
-- (pool_id, bucket_start) each row then costs a lookup by the UUID primary key for
-- price: 6-10 ms per pool on the bench data. With price in the index the query reads
-- the index only: 2.3-2.7 ms (bench/RESULTS.md, "Dashboard pages (issue 7)").
-- The cost is one more secondary index for spot-consolidate to maintain.
-- Columns are unchanged (core/schema_expected.c needs no change).

CREATE INDEX idx_pricing_consolidated_pool_price
	ON pricing_consolidated (pool_id, bucket_start, price);
