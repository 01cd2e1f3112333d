/* httperr.h: what a MaxCompute error response says (the protocol's §6.1),
 * and when to try again (§6.3; docs/maxcompute.md "Endpoints").
 *
 * Tunnel errors are JSON {"Code": ..., "Message": ..., "RequestId": ...,
 * "HoldClientMillis": ...}; service errors are XML
 * <Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId></Error>.
 * The request id may also be in the x-odps-request-id header. */
#ifndef MC_ODPS_HTTPERR_H
#define MC_ODPS_HTTPERR_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "odps/http.h"
#include "odps/retry.h"

struct odps_error {
	char code[128];       /* "" when the body said none */
	char message[320];    /* one line: control characters shown as ' ' */
	char request_id[96];
	long hold_ms;         /* HoldClientMillis, or 0 */
};

/* Parse an error body (JSON or XML, whatever the Content-Type says).
 * Returns 1 when a Code or Message was found, else 0 (e stays empty
 * strings). Never reads past body[n). */
int odps_error_parse(const char *body, size_t n, struct odps_error *e);

/* 1 when a request that got HTTP status st may be sent again (5xx, 429,
 * 308), else 0. */
int odps_retryable_status(long st);

/* Set err from a response that is not 2xx: "WHAT: HTTP 404 NoSuchTable:
 * MESSAGE (request id R)", code 3 when the status is retryable, else 1.
 * Returns -1. The body's text is clipped; nothing of the request is
 * shown. */
int odps_http_fail(const struct odps_http_resp *r, const char *what, struct mc_err *err);

/* Backoff within a time budget (--retry-time): waits 1, 2, 4, ... up to
 * cap_s seconds, each drawn at random in [d/2, d] (jitter, so that
 * parallel connections do not retry in step), at least what the server
 * asked for (HoldClientMillis, at most 10 s), and never past the budget:
 * the last try is at its end. The first wait is 1 s, or what
 * odps_retry_set_first (--retry-delay) set for the process. */
struct odps_retry {
	double budget_s, start, base_s, cap_s;
	unsigned tries;
	uint64_t rng;
};

/* Start a budget of budget_s seconds at now (seconds, odps_now()). */
void odps_retry_start(struct odps_retry *r, double budget_s, double now, uint64_t seed);

/* Seconds to wait before the next try, or -1 when the budget is spent. */
double odps_retry_next(struct odps_retry *r, double now, long hold_ms);

/* A monotonic clock in seconds. */
double odps_now(void);

#endif
