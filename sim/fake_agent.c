/*
 * fake_agent.c - spot-sim-fake-agent, the stand-in the simulator starts for an
 * instance until the real agent is the default. It reads SPOT_IMDS_URL,
 * SPOT_EC2_URL and AWS_REGION from its environment and `--config FILE`,
 * fetches an IMDSv2 token and its instance id, logs one line, and sleeps
 * until killed (SIGTERM ends it cleanly; the simulator uses SIGKILL).
 */
#include "common/config.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int fake_agent_stop;

static void fake_agent_on_signal(int sig)
{
	(void)sig;
	fake_agent_stop = 1;
}

static size_t fake_agent_write(char *p, size_t size, size_t n, void *arg)
{
	struct strbuf *sb = arg;
	if (sb->len + size * n > 65536)
		return 0;
	strbuf_add(sb, p, size * n);
	return size * n;
}

/* One HTTP call; returns the status (0 on failure) and the body in out. */
static long fake_agent_http(const char *method, const char *url, const char *header, struct strbuf *out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	long status = 0;

	if (!c)
		return 0;
	strbuf_reset(out);
	if (header)
		h = curl_slist_append(h, header);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fake_agent_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct strbuf url = STRBUF_INIT, tok = STRBUF_INIT, id = STRBUF_INIT, hdr = STRBUF_INIT;
	const char *imds, *config_path = NULL;
	char err[256];
	struct sigaction sa;

	log_init("spot-sim-fake-agent");
	config_init(&cfg);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config_path = argv[++i];
	if (config_path && config_load_file(&cfg, config_path, err, sizeof(err)) < 0)
		log_warn("main: %s", err);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fake_agent_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	imds = config_get(&cfg, "SPOT_IMDS_URL", "http://169.254.169.254");
	strbuf_addf(&url, "%s/latest/api/token", imds);
	if (fake_agent_http("PUT", url.buf, "X-aws-ec2-metadata-token-ttl-seconds: 21600", &tok) != 200) {
		log_err("main: no IMDSv2 token from %s", url.buf);
	} else {
		strbuf_reset(&url);
		strbuf_addf(&url, "%s/latest/meta-data/instance-id", imds);
		strbuf_addf(&hdr, "X-aws-ec2-metadata-token: %s", tok.buf);
		if (fake_agent_http("GET", url.buf, hdr.buf, &id) == 200)
			log_info("main: started on %s (region %s, ec2 %s, config %s, %zu settings)", id.buf,
				 config_get(&cfg, "AWS_REGION", "-"), config_get(&cfg, "SPOT_EC2_URL", "-"),
				 config_path ? config_path : "-", cfg.nr);
		else
			log_err("main: instance-id not readable");
	}
	while (!fake_agent_stop)
		time_sleep_ms(60000, &fake_agent_stop);
	log_info("main: stopping");
	curl_global_cleanup();
	strbuf_release(&url);
	strbuf_release(&tok);
	strbuf_release(&id);
	strbuf_release(&hdr);
	config_release(&cfg);
	return 0;
}
