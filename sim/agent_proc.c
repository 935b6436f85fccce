/* agent_proc.c - start, kill and reap the agent process of an instance (posix_spawn, no shell). */
#include "sim/agent_proc.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int agent_proc_write_config(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

pid_t agent_proc_start(struct sim *sim, const struct sim_instance *inst)
{
	struct strbuf cmd = STRBUF_INIT, cfg = STRBUF_INIT, logp = STRBUF_INIT;
	struct strbuf e_imds = STRBUF_INIT, e_ec2 = STRBUF_INIT, e_region = STRBUF_INIT, e_id = STRBUF_INIT;
	char *argv[AGENT_PROC_MAX_ARGS + 3], *save = NULL, *tok, config_flag[] = "--config";
	char **envp = NULL;
	size_t nenv = 0, argc = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	pid_t pid = -1;
	int rc;

	/* "none": no agent process (benchmarks, seeded replays). */
	if (sim->set.agent_cmd && !strcmp(sim->set.agent_cmd, "none"))
		return 0;
	if (sim->set.agent_cmd && *sim->set.agent_cmd)
		strbuf_addstr(&cmd, sim->set.agent_cmd);
	else
		strbuf_addf(&cmd, "%s/spot-sim-fake-agent", sim->self_exe_dir);
	mkdir(sim->set.agent_dir, 0700);
	strbuf_addf(&cfg, "%s/%s.conf", sim->set.agent_dir, inst->id);
	strbuf_addf(&logp, "%s/%s.log", sim->set.agent_dir, inst->id);
	if (agent_proc_write_config(cfg.buf, inst->user_data ? inst->user_data : "", inst->user_data_len) < 0) {
		log_err("agent_proc_start: cannot write %s: %s", cfg.buf, strerror(errno));
		goto out;
	}
	for (tok = strtok_r(cmd.buf, " \t", &save); tok && argc < AGENT_PROC_MAX_ARGS; tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (!argc) {
		log_err("agent_proc_start: empty agent command");
		goto out;
	}
	argv[argc++] = config_flag;
	argv[argc++] = cfg.buf;
	argv[argc] = NULL;

	strbuf_addf(&e_imds, "SPOT_IMDS_URL=http://%s:%d/imds/%s", sim->set.listen_addr, sim->set.port, inst->id);
	strbuf_addf(&e_ec2, "SPOT_EC2_URL=%s", sim->set.ec2_url);
	strbuf_addf(&e_region, "AWS_REGION=%s", inst->region);
	strbuf_addf(&e_id, "SPOT_SIM_INSTANCE_ID=%s", inst->id);
	for (char **e = environ; *e; e++)
		nenv++;
	envp = xcalloc(st_add(nenv, 5), sizeof(*envp));
	nenv = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "SPOT_IMDS_URL=", 14) && strncmp(*e, "SPOT_EC2_URL=", 13) && strncmp(*e, "AWS_REGION=", 11))
			envp[nenv++] = *e;
	envp[nenv++] = e_imds.buf;
	envp[nenv++] = e_ec2.buf;
	envp[nenv++] = e_region.buf;
	envp[nenv++] = e_id.buf;
	envp[nenv] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, logp.buf, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawnattr_init(&attr);
	{
		sigset_t none, all;
		sigemptyset(&none);
		sigfillset(&all);
		posix_spawnattr_setsigmask(&attr, &none);
		posix_spawnattr_setsigdefault(&attr, &all);
	}
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		log_err("agent_proc_start: cannot start %s for %s: %s", argv[0], inst->id, strerror(rc));
		pid = -1;
	}
out:
	free(envp);
	strbuf_release(&cmd);
	strbuf_release(&cfg);
	strbuf_release(&logp);
	strbuf_release(&e_imds);
	strbuf_release(&e_ec2);
	strbuf_release(&e_region);
	strbuf_release(&e_id);
	return pid;
}

void agent_proc_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int agent_proc_exited(pid_t pid)
{
	pid_t r;
	int st;

	if (pid <= 0)
		return 1;
	r = waitpid(pid, &st, WNOHANG);
	if (r == 0)
		return 0;
	return 1;	/* exited and reaped, or not our child any more */
}
