/*
 * sigv4.h - AWS Signature Version 4, header-based (Authorization header).
 *
 * The rules come from the AWS General Reference, "Signing AWS API requests"
 * (Signature Version 4: create a canonical request, create a string to sign,
 * calculate the signature, add the signature to the request) and are checked
 * against the AWS SigV4 test suite in shared/testdata/sigv4/. Paths are
 * normalized the non-S3 way; this module does not sign for S3, does not do
 * query-string (presigned URL) authentication and does not sign chunked
 * payloads.
 *
 * Two users:
 *   - a client (the agent) calls sigv4_sign() and adds the returned headers;
 *   - a server (the simulator) calls sigv4_verify() on what it received.
 * The intermediate products (canonical request, string to sign) are exposed in
 * both results and through the sigv4_canonical_* functions, for tests and for
 * SignatureDoesNotMatch messages.
 *
 * Strings are NUL-terminated; headers therefore cannot carry NUL bytes. Memory
 * comes from strbuf/xalloc: out of memory aborts. Everything bounded by the
 * SIGV4_MAX_* limits below; input beyond them is refused, never truncated.
 */
#ifndef SPOT_SIGV4_H
#define SPOT_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR "aws4_request"

/* Limits (untrusted input on the server side). */
#define SIGV4_MAX_SKEW_MS (5 * 60 * 1000)	/* AWS: 5 minutes, else RequestExpired */
#define SIGV4_MAX_HEADERS 128			/* header lines in one request */
#define SIGV4_MAX_HEADER_VALUE_LEN 16384	/* one header value, bytes */
#define SIGV4_MAX_HEADER_NAME_LEN 256
#define SIGV4_MAX_SIGNED_HEADERS 64		/* names in SignedHeaders */
#define SIGV4_MAX_AUTHORIZATION_LEN 8192	/* the Authorization header value */
#define SIGV4_MAX_TARGET_LEN 16384		/* path and query */
#define SIGV4_MAX_QUERY_PARAMS 512
#define SIGV4_MAX_KEY_ID_LEN 128		/* access key id, [A-Za-z0-9] */
#define SIGV4_MAX_SCOPE_PART_LEN 64		/* region, service: [a-z0-9-] */
#define SIGV4_MAX_SECRET_LEN 1024
#define SIGV4_MAX_TOKEN_LEN 4096		/* session token */
#define SIGV4_MAX_METHOD_LEN 32

#define SIGV4_AMZ_DATE_LEN 16			/* "20150830T123600Z" */
#define SIGV4_SIGNATURE_HEX_LEN 64
#define SIGV4_KEY_LEN 32			/* SHA-256 */

/* One header as received or to be sent; both strings borrowed. */
struct sigv4_header {
	const char *name;
	const char *value;
};

/*
 * An HTTP request, all borrowed. target is the request-target exactly as on
 * the request line: path, then optionally '?' and the query, both in their
 * wire (percent-encoded) form. For non-S3 services AWS encodes each path
 * segment "twice": the wire form is already encoded once, so the canonical
 * URI re-encodes it ("/a%20b" signs as "/a%2520b"). A client must sign the
 * exact bytes it sends; a server passes the raw request-target it received
 * (FastCGI REQUEST_URI, nginx $request_uri), never a decoded or normalized
 * form. body may be NULL when body_len is 0.
 */
struct sigv4_request {
	const char *method;
	const char *target;
	const struct sigv4_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
};

/* Borrowed. session_token is NULL (or "") for long-term credentials. */
struct sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;
};

/* ---- signing (client) ---- */

/*
 * Flags for sigv4_sign. By default a session token is added as a signed
 * X-Amz-Security-Token header (what the AWS SDKs do). SIGV4_TOKEN_UNSIGNED
 * adds it after signing instead, for services that want it outside the
 * signature (test suite post-sts-token/post-sts-header-after).
 */
#define SIGV4_TOKEN_UNSIGNED 0x1u

#define SIGV4_MAX_ADDED 3

/*
 * The result of sigv4_sign. add[0..nadd) are the headers the caller appends
 * to its request, in this order: X-Amz-Date (unless the request had one),
 * X-Amz-Security-Token (if a token was given and the request had none),
 * Authorization. Their values point into this struct and live until
 * sigv4_signing_release.
 */
struct sigv4_signing {
	struct sigv4_header add[SIGV4_MAX_ADDED];
	size_t nadd;
	struct strbuf amz_date;		/* "20150830T123600Z" */
	struct strbuf session_token;
	struct strbuf authorization;	/* "AWS4-HMAC-SHA256 Credential=..." */
	struct strbuf signed_headers;	/* "host;x-amz-date" */
	struct strbuf canonical_request;
	struct strbuf string_to_sign;
	char signature[SIGV4_SIGNATURE_HEX_LEN + 1];
};

void sigv4_signing_init(struct sigv4_signing *s);
/* Frees everything and leaves s initialized (reusable). */
void sigv4_signing_release(struct sigv4_signing *s);

/*
 * Signs req for region/service (e.g. "us-east-1", "ec2") at now_ms
 * (milliseconds since the epoch, UTC). Every header of req is signed, plus the
 * added X-Amz-Date and (unless SIGV4_TOKEN_UNSIGNED) X-Amz-Security-Token;
 * req must carry a Host header. If req already has an X-Amz-Date header its
 * value is the signing time and now_ms is ignored. The payload hash is
 * SHA-256 of the body. s must be initialized; it is reset first.
 * Returns 0, or -1 on invalid input (missing host, bad credentials, region or
 * service, bad X-Amz-Date, limits exceeded) or a crypto failure.
 */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_credentials *cred,
	       const char *region, const char *service, int64_t now_ms, unsigned flags,
	       struct sigv4_signing *s);

/* ---- verification (server) ---- */

/* Outcome of sigv4_verify, with the EC2-style error it usually maps to. */
enum sigv4_status {
	SIGV4_OK = 0,
	SIGV4_MISSING,		/* no Authorization header: MissingAuthenticationToken */
	SIGV4_MALFORMED,	/* Authorization or X-Amz-Date unparsable, required header
				   unsigned: IncompleteSignature / AuthFailure */
	SIGV4_BAD_SCOPE,	/* credential scope date, region or service not the
				   expected ones: SignatureDoesNotMatch / AuthFailure */
	SIGV4_EXPIRED,		/* X-Amz-Date more than max skew away: RequestExpired */
	SIGV4_UNKNOWN_KEY,	/* access key id unknown: AuthFailure */
	SIGV4_MISMATCH,		/* recomputed signature differs: SignatureDoesNotMatch */
	SIGV4_ERROR		/* lookup or crypto failure: InternalError */
};

/*
 * Looks up the secret of access_key_id. Appends the secret to secret and
 * returns 0; returns 1 when the key is unknown; -1 on failure.
 */
typedef int sigv4_lookup_fn(void *arg, const char *access_key_id, struct strbuf *secret);

/* What the server expects; borrowed. */
struct sigv4_verifier {
	const char *region;		/* scope region required; NULL accepts any */
	const char *service;		/* scope service required; NULL accepts any */
	int64_t max_skew_ms;		/* 0 means SIGV4_MAX_SKEW_MS */
	sigv4_lookup_fn *lookup;
	void *lookup_arg;
};

/*
 * The result of sigv4_verify. The parsed fields are filled as far as parsing
 * got (empty strings otherwise). session_token points into the request's
 * headers (NULL when absent): the server checks it belongs to the key.
 * canonical_request/string_to_sign are set once the signature was recomputed.
 * reason is a static lowercase phrase for logs and error messages.
 */
struct sigv4_verification {
	enum sigv4_status status;
	const char *reason;
	char access_key_id[SIGV4_MAX_KEY_ID_LEN + 1];
	char date[9];
	char region[SIGV4_MAX_SCOPE_PART_LEN + 1];
	char service[SIGV4_MAX_SCOPE_PART_LEN + 1];
	int64_t request_time_ms;
	const char *session_token;
	struct strbuf signed_headers;
	struct strbuf canonical_request;
	struct strbuf string_to_sign;
};

void sigv4_verification_init(struct sigv4_verification *v);
void sigv4_verification_release(struct sigv4_verification *v);

/*
 * Verifies the Authorization header of req against ver at now_ms. Checks, in
 * order: the header parses (else MALFORMED), X-Amz-Date is present, valid and
 * signed along with host (MALFORMED), the scope matches the date and ver
 * (BAD_SCOPE), the skew (EXPIRED), the key (UNKNOWN_KEY), and the signature,
 * compared in constant time (MISMATCH). Never reads beyond the given strings;
 * untrusted input only ever yields a status. out must be initialized; it is
 * reset first. Returns out->status.
 */
enum sigv4_status sigv4_verify(const struct sigv4_verifier *ver, const struct sigv4_request *req,
			       int64_t now_ms, struct sigv4_verification *out);

/* A static name for a status, e.g. "malformed". */
const char *sigv4_status_name(enum sigv4_status st);

/* ---- intermediate products ---- */

/* Appends the canonical URI of path (up to '?', if any). Returns 0 or -1. */
int sigv4_canonical_uri(struct strbuf *out, const char *target);
/* Appends the canonical query string of target's query (after '?'). 0 or -1. */
int sigv4_canonical_query(struct strbuf *out, const char *target);
/*
 * Appends the canonical request of req. signed_headers is the ';'-separated,
 * sorted, lowercase list to sign (a missing header signs as "name:"), or NULL
 * to sign every header of req; the list used is appended to signed_out when
 * not NULL. payload_hash is 64 lowercase hex, or NULL for SHA-256 of the body.
 * Returns 0 or -1 (bad input, limits).
 */
int sigv4_canonical_request(struct strbuf *out, const struct sigv4_request *req,
			    const char *signed_headers, const char *payload_hash,
			    struct strbuf *signed_out);
/* Appends "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(creq)>". 0 or -1. */
int sigv4_string_to_sign(struct strbuf *out, const char *amz_date, const char *scope,
			 const char *canonical_request, size_t creq_len);
/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"). */
int sigv4_signing_key(unsigned char key[SIGV4_KEY_LEN], const char *secret, const char *date,
		      const char *region, const char *service);
/* Writes 64 lowercase hex + NUL of SHA-256(data). Returns 0 or -1. */
int sigv4_sha256_hex(char hex[SIGV4_SIGNATURE_HEX_LEN + 1], const void *data, size_t len);
/* Parses "YYYYMMDDTHHMMSSZ" into milliseconds since the epoch. Returns 0 or -1. */
int sigv4_parse_amz_date(const char *s, int64_t *ms);
/* Writes "YYYYMMDDTHHMMSSZ" + NUL for ms. Returns 0 or -1. */
int sigv4_format_amz_date(int64_t ms, char buf[SIGV4_AMZ_DATE_LEN + 1]);

#endif
