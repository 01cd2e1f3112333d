/* t_odps_http: the error formats of the protocol's §6.1 and the retry
 * policy of §6.3 (common/odps/httperr.c). */
#define TAP_NAME "t_odps_http"
#include "tap.h"

#include <string.h>

#include "odps/httperr.h"

static void errors(void)
{
	struct odps_error e;
	const char *j = "{\"Code\": \"StatusConflict\", \"Message\": \"session\\n\\\"x\\\" closed\","
			" \"Extra\": {\"a\": [1, 2, {\"b\": null}]}, \"HoldClientMillis\": \"2500\","
			" \"RequestId\": \"r1\"}";
	int got = odps_error_parse(j, strlen(j), &e);
	tap_check(got == 1 && !strcmp(e.code, "StatusConflict") &&
			  !strcmp(e.message, "session \"x\" closed") && !strcmp(e.request_id, "r1") &&
			  e.hold_ms == 2500,
		  "JSON error: code, message (one line), request id, HoldClientMillis",
		  "'%s' '%s' '%s' %ld", e.code, e.message, e.request_id, e.hold_ms);
	const char *j2 = "{\"HoldClientMillis\": 700, \"Code\": \"FlowExceeded\"}";
	got = odps_error_parse(j2, strlen(j2), &e);
	tap_check(got == 1 && e.hold_ms == 700 &&
			  !strcmp(e.code, "FlowExceeded") && !e.message[0],
		  "JSON error: numeric HoldClientMillis", "%ld '%s'", e.hold_ms, e.code);
	const char *x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchObject</Code>"
			"<Message><![CDATA[ODPS-0130131:Table not found - 'p1.t1' ]]></Message>"
			"<RequestId>5F1</RequestId><HostId>h</HostId></Error>";
	got = odps_error_parse(x, strlen(x), &e);
	tap_check(got == 1 && !strcmp(e.code, "NoSuchObject") &&
			  !strcmp(e.message, "ODPS-0130131:Table not found - 'p1.t1' ") &&
			  !strcmp(e.request_id, "5F1"),
		  "XML error with CDATA", "'%s' '%s' '%s'", e.code, e.message, e.request_id);
	const char *bad[] = { "", "not an error", "{\"Code\": \"unterminated", "<Error><Code>x",
			      "{\"Code\"", "{{{{", "[1,2]" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "not an error document %zu: nothing found", i);
		got = odps_error_parse(bad[i], strlen(bad[i]), &e);
		tap_check(got == 0 && !e.code[0], what,
			  "'%s'", e.code);
	}
	long st[] = { 200, 308, 400, 401, 404, 409, 429, 500, 502, 503, 504 };
	int want[] = { 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1 };
	int good = 1;
	for (size_t i = 0; i < 11; i++)
		good &= odps_retryable_status(st[i]) == want[i];
	tap_check(good, "retryable statuses: 5xx, 429, 308", "mismatch");

	struct odps_http_resp r = { 503, { 0 }, { 0 } };
	struct mc_err err = { 0 };
	buf_adds(&r.body, "{\"Code\":\"InternalServerError\",\"Message\":\"later\"}");
	buf_adds(&r.headers, "HTTP/1.1 503 x\r\nX-Odps-Request-Id:  abc \r\n\r\n");
	odps_http_fail(&r, "commit", &err);
	tap_check(err.code == MC_EXIT_TRANSIENT &&
			  !strcmp(err.msg, "commit: HTTP 503 InternalServerError: later (request id abc)"),
		  "a 503 is exit 3 with code, message and request id", "%d '%s'", err.code, err.msg);
	r.status = 403;
	r.body.len = 0;
	buf_adds(&r.body, "<html>\n<b>denied</b></html>");
	odps_http_fail(&r, "put", &err);
	tap_check(err.code == MC_EXIT_DATA &&
			  !strcmp(err.msg, "put: HTTP 403: <html> <b>denied</b></html> (request id abc)"),
		  "a 403 without an error document: exit 1, the body's start", "%d '%s'", err.code,
		  err.msg);
	odps_http_resp_free(&r);
}

static void retry(void)
{
	struct odps_retry r;
	double now = 100, total = 0, w, prev_cap = 0.5;
	int tries = 0, in_range = 1;

	odps_retry_start(&r, 300, now, 42);
	while ((w = odps_retry_next(&r, now, 0)) >= 0) {
		double cap = prev_cap * 2 > 64 ? 64 : prev_cap * 2;
		if (now + w < 100 + 300 && (w < cap / 2 || w > cap))
			in_range = 0;
		prev_cap = cap;
		now += w + 0.01; /* the try itself */
		total += w;
		tries++;
		if (tries > 100)
			break;
	}
	tap_check(in_range, "backoff: each wait in [d/2, d], d = 1, 2, 4, ... 64 s", "out of range");
	tap_check(now >= 400 && now < 400.1 && tries > 6 && tries < 20,
		  "backoff: tries until the budget is spent, the last at its end",
		  "ended at %.2f after %d tries", now, tries);

	odps_retry_start(&r, 30, 0, 7);
	w = odps_retry_next(&r, 0, 5000);
	tap_check(w >= 5 && w <= 5.0001, "backoff: at least HoldClientMillis", "%f", w);
	odps_retry_start(&r, 60, 0, 7);
	w = odps_retry_next(&r, 0, 3600000);
	tap_check(w >= 10 && w <= 10.0001, "backoff: HoldClientMillis capped at 10 s", "%f", w);
	odps_retry_start(&r, 0, 0, 7);
	tap_check(odps_retry_next(&r, 0, 0) < 0, "no budget (--retry-time=0): no retry", "retried");

	/* Two connections with other seeds do not wait in step. */
	struct odps_retry a, b;
	odps_retry_start(&a, 300, 0, 1);
	odps_retry_start(&b, 300, 0, 2);
	int differ = 0;
	for (int i = 0; i < 5; i++)
		differ |= odps_retry_next(&a, 0, 0) != odps_retry_next(&b, 0, 0);
	tap_check(differ, "jitter: seeds give different waits", "same waits");
}

int main(void)
{
	errors();
	retry();
	return tap_done();
}
