-- 0008_pricing_standby.sql - a standby instance may report prices too.
--
-- 0007 added the 'standby' instance role (an unknown instance of an agent that
-- already has a live primary). Its agent keeps sending pricing reports, and the
-- samples are stored with the reporter's role (DESIGN.md section 5), so the two
-- source_role CHECKs of 0003 learn 'standby'. No column changes.

ALTER TABLE pricing_reports DROP CONSTRAINT chk_pricing_reports_role;
ALTER TABLE pricing_reports
	ADD CONSTRAINT chk_pricing_reports_role
	CHECK (source_role IN ('primary', 'standby', 'replica', 'zombie', 'unknown'));

ALTER TABLE spot_price_snapshots DROP CONSTRAINT chk_spot_price_snapshots_role;
ALTER TABLE spot_price_snapshots
	ADD CONSTRAINT chk_spot_price_snapshots_role
	CHECK (source_role IN ('primary', 'standby', 'replica', 'zombie', 'unknown'));
