/*
 * control.h - the simulator's control API for tests and demos: JSON under
 * /_sim/ (a path AWS never uses), no SigV4, loopback peers only.
 *
 *   GET  /_sim/instances | /_sim/pools | /_sim/images | /_sim/addresses
 *   GET  /_sim/events[?since=N]          the event log (newest SIM_MAX_EVENTS)
 *   GET  /_sim/clock                      {"scale", "now", "vt_ms"}
 *   POST /_sim/clock {"scale": 60}
 *   POST /_sim/pools/<az>/<type> {"price": "0.05", "capacity": 3}
 *   POST /_sim/instances/<id>/interrupt {"action": "terminate", "lead_seconds": 120, "rebalance": true}
 *   POST /_sim/instances/<id>/interrupt {..., "rebalance_lead_seconds": 60}  rebalance now, notice 60 s later
 *   POST /_sim/instances/<id>/rebalance   a rebalance recommendation alone (spot instances only)
 *   POST /_sim/pools/<az>/<type> {"interruption_rate": 0.5}   random interruptions per instance-hour
 *   GET  /_sim/schedule; POST /_sim/schedule {"at_seconds" or "in_seconds", "az", "type", "count": N or "all"}
 *   GET  /_sim/on-demand[?region=R]      on-demand prices of the pools' types, {"region": {"type": "0.096000"}}
 * Errors: {"error": {"code", "message"}} with 400, 403, 404 or 409.
 */
#ifndef SPOT_SIM_CONTROL_H
#define SPOT_SIM_CONTROL_H

#include "sim/http.h"
#include "sim/sim.h"

#define CONTROL_PREFIX "/_sim/"

void control_handle(struct sim *sim, const struct http_req *req, struct http_resp *resp);

#endif
