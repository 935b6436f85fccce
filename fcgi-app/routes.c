/*
 * routes.c - every route of the worker, in one table (STYLE.md "Tables over
 * cleverness"). The order is the order of matching.
 */
#include "fcgi-app/app.h"
#include "fcgi-app/admin.h"
#include "fcgi-app/agent_api.h"
#include "fcgi-app/agent_notices.h"
#include "fcgi-app/agent_commands.h"
#include "fcgi-app/client_api.h"
#include "fcgi-app/client_lists.h"
#include "fcgi-app/client_policy.h"
#include "fcgi-app/client_replicas.h"
#include "fcgi-app/admin_ops.h"
#include "fcgi-app/pages_ops.h"
#include "fcgi-app/admin_clients.h"
#include "fcgi-app/admin_catalog.h"
#include "fcgi-app/admin_models.h"
#include "fcgi-app/agent_pricing.h"
#include "fcgi-app/health.h"
#include "fcgi-app/pages.h"

const struct route routes_table[] = {
	{ HTTP_GET, "/health", health_live, ROUTE_AUTH_NONE },
	{ HTTP_GET, "/metrics", health_metrics, ROUTE_AUTH_NONE },
	{ HTTP_GET, "/api/health/database-schema", health_schema, ROUTE_NEEDS_DB },
	{ HTTP_GET, "/api/admin/safe-mode", admin_safe_mode_get, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_POST, "/api/admin/safe-mode", admin_safe_mode_set, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_POST, "/api/admin/clients", admin_clients_create, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB | ROUTE_IDEMPOTENT },
	{ HTTP_GET, "/api/admin/clients", admin_clients_list, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_GET, "/api/admin/clients/{id}", admin_clients_get, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_PATCH, "/api/admin/clients/{id}", admin_clients_patch, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_GET, "/api/admin/clients/{id}/tokens", admin_clients_tokens, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_POST, "/api/admin/clients/{id}/tokens", admin_clients_token_create,
	  ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB | ROUTE_IDEMPOTENT },
	{ HTTP_DELETE, "/api/admin/clients/{id}/tokens/{tid}", admin_clients_token_revoke,
	  ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_GET, "/api/admin/instance-types", admin_catalog_list, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_PUT, "/api/admin/instance-types/{type}/{region}", admin_catalog_put, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_GET, "/api/admin/health", admin_ops_health, ROUTE_AUTH_ADMIN },
	{ HTTP_GET, "/api/admin/jobs", admin_ops_jobs, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_GET, "/api/admin/emergencies", admin_ops_emergencies, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_GET, "/api/admin/audit", admin_ops_audit, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	/* Decision model registry (issue 8 item 3; admin_models.h). */
	{ HTTP_POST, "/api/admin/models", admin_models_upload, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB | ROUTE_IDEMPOTENT },
	{ HTTP_GET, "/api/admin/models", admin_models_list, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_POST, "/api/admin/models/rollback", admin_models_rollback, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_GET, "/api/admin/models/{id}", admin_models_get, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_POST, "/api/admin/models/{id}/validate", admin_models_validate, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_POST, "/api/admin/models/{id}/activate", admin_models_activate, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_GET, "/admin/models", admin_models_page, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_POST, "/admin/models", admin_models_page_upload, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_GET, "/admin/models/{id}", admin_models_page_detail, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_POST, "/admin/models/rollback", admin_models_page_rollback,
	  ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_POST, "/admin/models/{id}/validate", admin_models_page_validate,
	  ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_POST, "/admin/models/{id}/activate", admin_models_page_activate,
	  ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },

	/* Agent API (DESIGN.md section 5). */
	{ HTTP_POST, "/api/agents/register", agent_api_register, ROUTE_AUTH_CLIENT | ROUTE_IDEMPOTENT },
	{ HTTP_POST, "/api/agents/{id}/heartbeat", agent_api_heartbeat,
	  ROUTE_AUTH_AGENT | ROUTE_IDEMPOTENT | ROUTE_AUTH_INLINE | ROUTE_QUIET },
	{ HTTP_GET, "/api/agents/{id}/config", agent_api_config, ROUTE_AUTH_AGENT },

	/* Agent API: pricing. */
	{ HTTP_POST, "/api/agents/{id}/pricing-report", agent_pricing_report, ROUTE_AUTH_AGENT | ROUTE_IDEMPOTENT },

	/* Agent API: commands, switches, termination, register-instance. */
	{ HTTP_GET, "/api/agents/{id}/pending-commands", agent_commands_pending, ROUTE_AUTH_AGENT | ROUTE_QUIET },
	{ HTTP_POST, "/api/agents/{id}/commands/{cid}/result", agent_commands_result, ROUTE_AUTH_AGENT | ROUTE_IDEMPOTENT },
	{ HTTP_POST, "/api/agents/{id}/switch-report", agent_commands_switch_report, ROUTE_AUTH_AGENT | ROUTE_IDEMPOTENT },
	{ HTTP_GET, "/api/agents/{id}/instances-to-terminate", agent_commands_to_terminate, ROUTE_AUTH_AGENT },
	{ HTTP_POST, "/api/agents/{id}/termination-report", agent_commands_termination_report,
	  ROUTE_AUTH_AGENT | ROUTE_IDEMPOTENT },
	{ HTTP_POST, "/api/agents/{id}/register-instance", agent_commands_register_instance,
	  ROUTE_AUTH_AGENT | ROUTE_IDEMPOTENT },

	/* Agent API: notices, emergencies, replicas, cleanup. */
	{ HTTP_POST, "/api/agents/{id}/rebalance-notice", agent_notices_rebalance, ROUTE_AUTH_AGENT | ROUTE_IDEMPOTENT },
	{ HTTP_POST, "/api/agents/{id}/termination-notice", agent_notices_termination,
	  ROUTE_AUTH_AGENT | ROUTE_IDEMPOTENT },
	{ HTTP_GET, "/api/agents/{id}/emergency-status", agent_notices_emergency_status, ROUTE_AUTH_AGENT },
	{ HTTP_POST, "/api/agents/{id}/replicas/{rid}/status", agent_notices_replica_status, ROUTE_AUTH_AGENT },
	{ HTTP_POST, "/api/agents/{id}/cleanup-report", agent_notices_cleanup_report, ROUTE_AUTH_AGENT | ROUTE_IDEMPOTENT },

	/* Client API. */
	{ HTTP_POST, "/api/client/agents/{aid}/replicas", agent_notices_client_replica,
	  ROUTE_AUTH_CLIENT | ROUTE_IDEMPOTENT },
	{ HTTP_POST, "/api/client/agents/{aid}/switch", client_api_switch, ROUTE_AUTH_CLIENT | ROUTE_IDEMPOTENT },
	{ HTTP_GET, "/api/client/{cid}/agents", client_lists_agents, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/instances", client_lists_instances, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/replicas", client_lists_replicas, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/switches", client_lists_switches, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/switches.csv", client_lists_switches_csv, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/savings", client_lists_savings, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/savings.csv", client_lists_savings_csv, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/notifications", client_lists_notifications, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/analytics/downtime", client_lists_downtime, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/prices", client_lists_prices, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/client/{cid}/policy", client_policy_get, ROUTE_AUTH_CLIENT },
	{ HTTP_PUT, "/api/client/{cid}/policy", client_policy_put, ROUTE_AUTH_CLIENT },
	{ HTTP_GET, "/api/admin/clients/{id}/policy", client_policy_admin_get, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_PUT, "/api/admin/clients/{id}/policy", client_policy_admin_put, ROUTE_AUTH_ADMIN | ROUTE_NEEDS_DB },
	{ HTTP_POST, "/api/client/replicas/{rid}/promote", client_replicas_promote, ROUTE_AUTH_CLIENT | ROUTE_IDEMPOTENT },
	{ HTTP_DELETE, "/api/client/replicas/{rid}", client_replicas_delete, ROUTE_AUTH_CLIENT },

	/* Dashboard: logins, sessions and pages (issue 7; DESIGN.md section 5). */
	{ HTTP_GET, "/favicon.ico", pages_favicon, ROUTE_AUTH_NONE },
	{ HTTP_GET, "/login", pages_login_form, ROUTE_AUTH_NONE },
	{ HTTP_POST, "/login", pages_login, ROUTE_AUTH_NONE },
	{ HTTP_POST, "/logout", pages_logout, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/", pages_overview, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/agents", pages_agents, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/agents/{id}", pages_agent, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_POST, "/agents/{id}/config", pages_agent_config, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_POST, "/agents/{id}/switch", pages_agent_switch, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/switches", pages_switches, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/savings", pages_savings, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/emergencies", pages_emergencies, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/instances", pages_instances, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/notifications", pages_notifications, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_POST, "/notifications/{id}/read", pages_notification_read, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/admin/users", pages_admin_users, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_POST, "/admin/users", pages_admin_user_create, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_GET, "/admin/audit", pages_admin_audit, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_GET, "/replicas", pages_ops_replicas, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_POST, "/replicas/{id}/promote", pages_ops_replica_promote, ROUTE_AUTH_SESSION | ROUTE_PAGE },
	{ HTTP_GET, "/admin/clients", pages_ops_clients, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_POST, "/admin/clients", pages_ops_client_create, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_POST, "/admin/clients/{id}/status", pages_ops_client_status,
	  ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_POST, "/admin/clients/{id}/token", pages_ops_client_token, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_GET, "/admin/health", pages_ops_health, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_GET, "/admin/jobs", pages_ops_jobs, ROUTE_AUTH_SESSION | ROUTE_AUTH_ADMIN | ROUTE_PAGE },
	{ HTTP_POST, "/api/client/agents/{aid}/config", pages_api_agent_config, ROUTE_AUTH_CLIENT | ROUTE_IDEMPOTENT },
};

const size_t routes_count = sizeof(routes_table) / sizeof(routes_table[0]);
