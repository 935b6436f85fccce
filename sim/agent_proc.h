/*
 * agent_proc.h - the agent process of a simulated instance.
 *
 * When an instance reaches running, its agent command is started with
 * SPOT_IMDS_URL (the instance's metadata prefix), SPOT_EC2_URL and AWS_REGION
 * in its environment and `--config FILE`, FILE holding the user data. The
 * command is split on spaces (no shell). Its output goes to
 * <agent_dir>/<instance-id>.log. It runs in its own session. On termination
 * it gets SIGKILL, as a real reclaim would, and is reaped.
 */
#ifndef SPOT_SIM_AGENT_PROC_H
#define SPOT_SIM_AGENT_PROC_H

#include <sys/types.h>

#include "sim/sim.h"

#define AGENT_PROC_MAX_ARGS 32

/* Starts the agent of inst; returns its pid, 0 when the command is "none", or -1 (logged). */
pid_t agent_proc_start(struct sim *sim, const struct sim_instance *inst);
/* SIGKILL and reap. */
void agent_proc_kill(pid_t pid);
/* 1 when pid has exited (and is now reaped), 0 when it still runs. */
int agent_proc_exited(pid_t pid);

#endif
