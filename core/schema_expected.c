/*
 * schema_expected.c - the tables and columns sql/migrations/ creates, in migration
 * order (file by file, CREATE TABLE by CREATE TABLE, columns as declared, generated
 * columns included; schema_migrations is spot-migrate's own and is left out).
 *
 * Update this file in the same commit as any migration that adds, drops or renames
 * a table or column; tests/sql/check_expected.sh compares it with a live database.
 * Layout (kept regular so scripts can parse it): one <table>_columns array per
 * table with one quoted column name per line, then one line per table in
 * schema_expected[].
 */
#include "core/schema_expected.h"

#define SCHEMA_EXPECTED_NCOLUMNS(a) (sizeof(a) / sizeof((a)[0]))

/* 0001_tenancy_auth.sql */
static const char *const clients_columns[] = {
	"id",
	"name",
	"email",
	"plan",
	"max_agents",
	"max_instances",
	"is_active",
	"total_savings",
	"version",
	"created_at",
	"updated_at",
};

/* 0001_tenancy_auth.sql */
static const char *const client_tokens_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"instance_id",
	"kind",
	"token_hash",
	"token_prefix",
	"label",
	"created_at",
	"last_used_at",
	"expires_at",
	"revoked_at",
};

/* 0001_tenancy_auth.sql */
static const char *const users_columns[] = {
	"id",
	"email",
	"password_hash",
	"role",
	"client_id",
	"display_name",
	"is_active",
	"failed_login_count",
	"locked_until", /* 0011_user_lockout.sql */
	"last_login_at",
	"version",
	"created_at",
	"updated_at",
};

/* 0001_tenancy_auth.sql */
static const char *const sessions_columns[] = {
	"id",
	"user_id",
	"csrf_token",
	"remote_addr",
	"user_agent",
	"created_at",
	"last_seen_at",
	"expires_at",
};

/* 0001_tenancy_auth.sql */
static const char *const idempotency_keys_columns[] = {
	"caller",
	"idempotency_key",
	"method",
	"path",
	"body_sha256",
	"response_status",
	"response_body",
	"created_at",
	"expires_at",
};

/* 0002_fleet.sql */
static const char *const instance_types_columns[] = {
	"instance_type",
	"region",
	"family",
	"vcpu",
	"memory_gib",
	"arch",
	"ondemand_price",
	"is_active",
	"version",
	"created_at",
	"updated_at",
};

/* 0002_fleet.sql */
static const char *const spot_pools_columns[] = {
	"id",
	"instance_type",
	"region",
	"az",
	"interruption_bucket",
	"last_interruption_at",
	"flagged_until",
	"is_active",
	"version",
	"created_at",
	"updated_at",
};

/* 0002_fleet.sql */
static const char *const agents_columns[] = {
	"id",
	"client_id",
	"logical_agent_id",
	"hostname",
	"agent_version",
	"instance_id",
	"instance_type",
	"region",
	"az",
	"current_mode",
	"current_pool_id",
	"status",
	"reported_status",
	"enabled",
	"last_heartbeat_at",
	"auto_switch_enabled",
	"auto_terminate_enabled",
	"terminate_wait_seconds",
	"manual_replica_enabled",
	"config_version",
	"notice_status",
	"notice_received_at",
	"notice_deadline",
	"fastest_boot_pool_id",
	"last_switch_at",
	"version",
	"created_at",
	"updated_at",
};

/* 0002_fleet.sql */
static const char *const instances_columns[] = {
	"id",
	"agent_id",
	"client_id",
	"role",
	"primary_agent_id",
	"instance_type",
	"region",
	"az",
	"mode",
	"pool_id",
	"spot_price",
	"ondemand_price",
	"reported_status",
	"uptime_seconds",
	"last_heartbeat_at",
	"installed_at",
	"role_changed_at",
	"termination_attempted_at",
	"termination_confirmed",
	"termination_error",
	"terminated_at",
	"version",
	"created_at",
	"updated_at",
	"hb_gen", /* 0017_heartbeat_generation.sql */
};

/* 0002_fleet.sql */
static const char *const replica_instances_columns[] = {
	"id",
	"agent_id",
	"client_id",
	"instance_id",
	"command_id",
	"replica_type",
	"status",
	"live_manual_agent_id",
	"pool_id",
	"instance_type",
	"az",
	"spot_price",
	"state_transfer_progress",
	"error",
	"ready_at",
	"promoted_at",
	"termination_attempted_at",
	"termination_confirmed",
	"terminated_at",
	"version",
	"created_at",
	"updated_at",
};

/* 0003_pricing.sql */
static const char *const pricing_reports_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"instance_id",
	"source_role",
	"request_id",
	"ondemand_price",
	"price_count",
	"accepted_count",
	"rejected_count",
	"received_at",
};

/* 0003_pricing.sql */
static const char *const spot_price_snapshots_columns[] = {
	"id",
	"pool_id",
	"agent_id",
	"instance_id",
	"source_role",
	"price",
	"observed_at",
	"received_at",
	"request_id",
};

/* 0003_pricing.sql */
static const char *const pricing_consolidated_columns[] = {
	"id",
	"pool_id",
	"bucket_start",
	"price",
	"primary_price",
	"replica_price",
	"sample_count",
	"data_quality_flag",
	"gap_flagged",
	"gap_seconds",
	"consolidated_at",
};

/* 0003_pricing.sql */
static const char *const pricing_canonical_columns[] = {
	"id",
	"pool_id",
	"bucket_start",
	"price",
	"ondemand_price",
	"ondemand_ratio", /* 0012 */
	"discount_pct",
	"price_change_pct",
	"price_change_1h_pct", /* 0012 */
	"price_change_24h_pct", /* 0012 */
	"price_mean_24h",
	"price_min_24h",
	"price_max_24h",
	"volatility_1h",
	"volatility_24h",
	"interruption_count_24h",
	"seconds_since_interruption", /* 0012 */
	"interruption_bucket",
	"hour_of_day",
	"day_of_week",
	"data_quality_flag",
	"created_at",
	"updated_at",
};

/* 0004_operations.sql */
static const char *const commands_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"instance_id",
	"type",
	"payload",
	"status",
	"priority",
	"request_id",
	"reason",
	"created_by",
	"result",
	"error",
	"created_at",
	"acked_at",
	"started_at",
	"finished_at",
	"expires_at",
	"version",
	"updated_at",
};

/* 0004_operations.sql */
static const char *const switches_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"command_id",
	"status",
	"event_trigger",
	"old_instance_id",
	"old_mode",
	"old_pool_id",
	"old_spot_price",
	"new_instance_id",
	"new_mode",
	"new_pool_id",
	"new_spot_price",
	"ondemand_price",
	"savings_impact",
	"ami_id",
	"initiated_at",
	"ami_created_at",
	"instance_launched_at",
	"instance_ready_at",
	"old_terminated_at",
	"downtime_seconds",
	"error",
	"created_at",
};

/* 0004_operations.sql */
static const char *const spot_interruption_events_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"instance_id",
	"pool_id",
	"instance_type",
	"region",
	"az",
	"signal_type",
	"notice_time",
	"action_time",
	"notice_action",
	"risk_score",
	"response_action",
	"replica_id",
	"command_id",
	"outcome",
	"failover_seconds",
	"detected_at",
	"resolved_at",
	"version",
	"updated_at",
};

/* 0004_operations.sql */
static const char *const system_events_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"actor_type",
	"actor_id",
	"action",
	"severity",
	"subject_type",
	"subject_id",
	"message",
	"pre_state",
	"post_state",
	"trace_id",
	"created_at",
};

/* 0004_operations.sql */
static const char *const notifications_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"type",
	"severity",
	"title",
	"message",
	"dedupe_key",
	"is_read",
	"read_at",
	"created_at",
};

/* 0005_jobs_system.sql */
static const char *const job_leases_columns[] = {
	"name",
	"holder",
	"expires_at",
	"acquired_at",
	"updated_at",
};

/* 0005_jobs_system.sql */
static const char *const job_runs_columns[] = {
	"id",
	"job_name",
	"holder",
	"started_at",
	"finished_at",
	"status",
	"stats",
	"error",
};

/* 0005_jobs_system.sql */
static const char *const system_config_columns[] = {
	"key",
	"value",
	"description",
	"updated_by",
	"version",
	"updated_at",
};

/* 0006_ml_analytics.sql */
static const char *const ml_models_columns[] = {
	"id",
	"name",
	"model_version",
	"engine",
	"status",
	"active_slot",
	"file_path",
	"file_sha256",
	"file_size",
	"parameters",
	"metrics",
	"validation_error",
	"previous_model_id",
	"uploaded_by",
	"validated_at",
	"activated_at",
	"deactivated_at",
	"version",
	"created_at",
	"updated_at",
};

/* 0006_ml_analytics.sql */
static const char *const ml_decisions_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"model_id",
	"instance_id",
	"decision_mode",
	"decision",
	"current_pool_id",
	"current_mode",
	"current_price",
	"target_pool_id",
	"target_mode",
	"target_price",
	"ondemand_price",
	"expected_savings",
	"risk_score",
	"confidence",
	"reason",
	"inputs",
	"executed",
	"command_id",
	"suppressed_reason",
	"latency_ms",
	"decided_at",
	"want_mode",
	"want_since",
	"last_command_at",
};

/* 0006_ml_analytics.sql */
static const char *const pool_risk_analysis_columns[] = {
	"id",
	"pool_id",
	"analyzed_at",
	"risk_score",
	"interruption_score",
	"age_score",
	"volatility_score",
	"interruption_count",
	"window_hours",
	"avg_instance_age_hours",
	"price_volatility",
	"interruption_bucket",
	"flagged",
	"created_at",
};

/* 0006_ml_analytics.sql */
static const char *const savings_snapshots_columns[] = {
	"id",
	"client_id",
	"snapshot_date",
	"ondemand_cost",
	"actual_cost",
	"replica_cost",
	"savings",
	"savings_pct",
	"instance_hours",
	"spot_hours",
	"ondemand_hours",
	"switch_count",
	"interruption_count",
	"created_at",
};

/* 0006_ml_analytics.sql */
static const char *const clients_daily_snapshot_columns[] = {
	"snapshot_date",
	"total_clients",
	"active_clients",
	"new_clients",
	"total_agents",
	"online_agents",
	"total_instances",
	"created_at",
};

/* 0006_ml_analytics.sql */
static const char *const cleanup_logs_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"source",
	"amis_deregistered",
	"snapshots_deleted",
	"rows_deleted",
	"details",
	"errors",
	"created_at",
};

/* 0006_ml_analytics.sql */
static const char *const replica_cost_log_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"replica_id",
	"instance_id",
	"replica_type",
	"pool_id",
	"hourly_price",
	"period_start",
	"period_end",
	"cost",
	"created_at",
};

/* 0006_ml_analytics.sql */
static const char *const agent_health_metrics_columns[] = {
	"id",
	"client_id",
	"agent_id",
	"instance_id",
	"period_start",
	"period_end",
	"heartbeats_expected",
	"heartbeats_received",
	"uptime_seconds",
	"cpu_percent",
	"memory_percent",
	"disk_percent",
	"pending_commands",
	"reported_status",
	"created_at",
};

/* 0016_decision_policy.sql */
static const char *const client_policies_columns[] = {
	"client_id",
	"min_savings_pct",
	"cooldown_minutes",
	"max_risk",
	"ondemand_fallback",
	"fallback_wait_minutes",
	"return_wait_minutes",
	"size_factor",
	"updated_by",
	"version",
	"created_at",
	"updated_at",
};

const struct schema_table schema_expected[] = {
	{ "clients", clients_columns, SCHEMA_EXPECTED_NCOLUMNS(clients_columns) },
	{ "client_tokens", client_tokens_columns, SCHEMA_EXPECTED_NCOLUMNS(client_tokens_columns) },
	{ "users", users_columns, SCHEMA_EXPECTED_NCOLUMNS(users_columns) },
	{ "sessions", sessions_columns, SCHEMA_EXPECTED_NCOLUMNS(sessions_columns) },
	{ "idempotency_keys", idempotency_keys_columns, SCHEMA_EXPECTED_NCOLUMNS(idempotency_keys_columns) },
	{ "instance_types", instance_types_columns, SCHEMA_EXPECTED_NCOLUMNS(instance_types_columns) },
	{ "spot_pools", spot_pools_columns, SCHEMA_EXPECTED_NCOLUMNS(spot_pools_columns) },
	{ "agents", agents_columns, SCHEMA_EXPECTED_NCOLUMNS(agents_columns) },
	{ "instances", instances_columns, SCHEMA_EXPECTED_NCOLUMNS(instances_columns) },
	{ "replica_instances", replica_instances_columns, SCHEMA_EXPECTED_NCOLUMNS(replica_instances_columns) },
	{ "pricing_reports", pricing_reports_columns, SCHEMA_EXPECTED_NCOLUMNS(pricing_reports_columns) },
	{ "spot_price_snapshots", spot_price_snapshots_columns, SCHEMA_EXPECTED_NCOLUMNS(spot_price_snapshots_columns) },
	{ "pricing_consolidated", pricing_consolidated_columns, SCHEMA_EXPECTED_NCOLUMNS(pricing_consolidated_columns) },
	{ "pricing_canonical", pricing_canonical_columns, SCHEMA_EXPECTED_NCOLUMNS(pricing_canonical_columns) },
	{ "commands", commands_columns, SCHEMA_EXPECTED_NCOLUMNS(commands_columns) },
	{ "switches", switches_columns, SCHEMA_EXPECTED_NCOLUMNS(switches_columns) },
	{ "spot_interruption_events", spot_interruption_events_columns, SCHEMA_EXPECTED_NCOLUMNS(spot_interruption_events_columns) },
	{ "system_events", system_events_columns, SCHEMA_EXPECTED_NCOLUMNS(system_events_columns) },
	{ "notifications", notifications_columns, SCHEMA_EXPECTED_NCOLUMNS(notifications_columns) },
	{ "job_leases", job_leases_columns, SCHEMA_EXPECTED_NCOLUMNS(job_leases_columns) },
	{ "job_runs", job_runs_columns, SCHEMA_EXPECTED_NCOLUMNS(job_runs_columns) },
	{ "system_config", system_config_columns, SCHEMA_EXPECTED_NCOLUMNS(system_config_columns) },
	{ "ml_models", ml_models_columns, SCHEMA_EXPECTED_NCOLUMNS(ml_models_columns) },
	{ "ml_decisions", ml_decisions_columns, SCHEMA_EXPECTED_NCOLUMNS(ml_decisions_columns) },
	{ "pool_risk_analysis", pool_risk_analysis_columns, SCHEMA_EXPECTED_NCOLUMNS(pool_risk_analysis_columns) },
	{ "savings_snapshots", savings_snapshots_columns, SCHEMA_EXPECTED_NCOLUMNS(savings_snapshots_columns) },
	{ "clients_daily_snapshot", clients_daily_snapshot_columns, SCHEMA_EXPECTED_NCOLUMNS(clients_daily_snapshot_columns) },
	{ "cleanup_logs", cleanup_logs_columns, SCHEMA_EXPECTED_NCOLUMNS(cleanup_logs_columns) },
	{ "replica_cost_log", replica_cost_log_columns, SCHEMA_EXPECTED_NCOLUMNS(replica_cost_log_columns) },
	{ "agent_health_metrics", agent_health_metrics_columns, SCHEMA_EXPECTED_NCOLUMNS(agent_health_metrics_columns) },
	{ "client_policies", client_policies_columns, SCHEMA_EXPECTED_NCOLUMNS(client_policies_columns) },
};

const size_t schema_expected_count = sizeof(schema_expected) / sizeof(schema_expected[0]);

/* 0017_heartbeat_generation.sql */
const char *const schema_expected_triggers[] = {
	"trg_commands_hb_insert", "trg_commands_hb_update",	 "trg_commands_hb_delete",	"trg_agents_hb_update",
	"trg_clients_hb_update",	 "trg_client_tokens_hb_update", "trg_client_tokens_hb_delete",
};
const size_t schema_expected_trigger_count = sizeof(schema_expected_triggers) / sizeof(schema_expected_triggers[0]);
