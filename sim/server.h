/*
 * server.h - the simulator's HTTP server (libmicrohttpd, one internal polling
 * thread): routes /imds/ to imds.c, /_sim/ to control.c and everything else
 * to the EC2 Query API, holding sim->lock while a handler runs, and logs one
 * line per call.
 */
#ifndef SPOT_SIM_SERVER_H
#define SPOT_SIM_SERVER_H

#include "sim/sim.h"

struct MHD_Daemon;

/* Listens on addr:port (numeric IPv4). Returns the daemon or NULL (logged). */
struct MHD_Daemon *server_start(struct sim *sim, const char *addr, int port);
void server_stop(struct MHD_Daemon *d);

#endif
