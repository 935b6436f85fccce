-- 0012_consolidation_features.sql - the canonical features spot-consolidate writes
-- beyond those of 0003 (issue 6: price ratio to on-demand, change over 1 h and
-- 24 h, time since the pool's last interruption). price_change_pct (0003) stays the
-- change from the previous 5-minute bucket. The consolidation watermark lives in
-- system_config (key CONSOLIDATE_WATERMARK), so no table is added for it.
ALTER TABLE pricing_canonical
	ADD COLUMN ondemand_ratio DECIMAL(12,6) NULL AFTER ondemand_price,
	ADD COLUMN price_change_1h_pct DECIMAL(9,3) NULL AFTER price_change_pct,
	ADD COLUMN price_change_24h_pct DECIMAL(9,3) NULL AFTER price_change_1h_pct,
	ADD COLUMN seconds_since_interruption BIGINT NULL AFTER interruption_count_24h;
