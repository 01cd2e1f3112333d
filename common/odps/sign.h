/* sign.h: request signing, version 2 (HMAC-SHA1), of the MaxCompute service
 * and Tunnel APIs (docs/maxcompute.md "Signing"; the protocol's §4.2).
 *
 * The string to sign is, joined by '\n' (no trailing newline): the method;
 * the Content-MD5 value or ""; the Content-Type value or ""; the Date value;
 * one "name:value" line per header (name lower-cased) and per query
 * parameter whose name starts with "x-odps-", sorted by name; and the
 * canonical resource: the path relative to the endpoint (without a service
 * endpoint's "/api"), not percent-encoded, then "?" and every query
 * parameter sorted by name, "name=value" with the raw value, or "name" when
 * it has no value. The signature is base64(HMAC-SHA1(secret, that string)),
 * sent as "Authorization: ODPS <access id>:<signature>".
 *
 * Raw values are signed (as the Java SDK does); the caller builds the URL
 * from the same parameters (endpoint.h odps_url), so what is signed is
 * exactly what is sent. */
#ifndef MC_ODPS_SIGN_H
#define MC_ODPS_SIGN_H

#include <stddef.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"

/* A header or a query parameter. A parameter whose value is NULL is sent
 * as its bare name ("uploads"); signed, NULL and "" are the same. */
struct odps_kv {
	const char *name;
	const char *value;
};

/* One request, as it will be sent. */
struct odps_sreq {
	const char *method;   /* "GET", "PUT", "POST", ... (upper case) */
	const char *resource; /* relative to the endpoint, not encoded: "/projects/p/tables/t" */
	const struct odps_kv *params; /* query, in the order sent, values not encoded */
	size_t nparams;
	const struct odps_kv *headers; /* every header sent; must hold Date */
	size_t nheaders;
};

/* The string to sign of r into out (appended). -1 with err (code 1) for a
 * request that cannot be signed exactly: no Date, a header or parameter
 * named twice, a name or value holding a line break, a resource that does
 * not start with '/'. */
int odps_string_to_sign(const struct odps_sreq *r, struct mc_buf *out, struct mc_err *err);

/* The Authorization value "ODPS ID:SIGNATURE" of r into auth (appended).
 * The secret is used only as the HMAC key: it is never copied into auth,
 * a message or err. */
int odps_sign_v2(const struct odps_sreq *r, const char *access_id, const char *access_key,
		 struct mc_buf *auth, struct mc_err *err);

/* base64(HMAC-SHA1(key, msg)) into out (28 characters and a NUL). */
int odps_hmac_sha1_b64(const char *key, size_t keylen, const void *msg, size_t n, char out[29],
		       struct mc_err *err);

/* t as an HTTP date (RFC 1123, GMT, English names whatever the locale):
 * "Tue, 02 Jan 2024 03:04:05 GMT". -1 if t cannot be broken down. */
int odps_http_date(time_t t, char out[32]);

#endif
