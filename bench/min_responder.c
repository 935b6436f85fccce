/*
 * bench-min-responder - the FastCGI ceiling for bench/run.sh.
 *
 *   bench-min-responder        (started by spawn-fcgi; the listening socket is fd 0)
 *
 * The least a libfcgi worker can do: accept, answer a fixed JSON body, finish.
 * No parsing, no logging, no database. bench/run.sh puts it behind the same
 * nginx, spawn-fcgi and multiwatch setup as spot-fcgi, so the difference
 * between the two is the worker's own per-request work.
 */
#include <fcgiapp.h>
#include <signal.h>
#include <string.h>

static const char min_reply[] =
	"Status: 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 15\r\n"
	"\r\n"
	"{\"status\":\"ok\"}";

int main(void)
{
	FCGX_Request req;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (FCGX_Init() != 0)
		return 2;
	if (FCGX_InitRequest(&req, 0, 0) != 0)
		return 2;
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(min_reply, (int)(sizeof(min_reply) - 1), req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
