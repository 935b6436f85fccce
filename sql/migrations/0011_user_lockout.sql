-- 0011_user_lockout.sql - login lockout (issue 7): after repeated failed logins an
-- account is locked until locked_until; failed_login_count (0001) counts the
-- failures since the last success or the last lock.
ALTER TABLE users ADD COLUMN locked_until DATETIME(3) NULL AFTER failed_login_count;
