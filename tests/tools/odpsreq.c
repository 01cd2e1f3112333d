/* odpsreq: drive common/odps's HTTP layer from a shell test.
 *
 *   odpsreq [OPTS] raw METHOD URL [BODY]   one request (BODY as text)
 *   odpsreq [OPTS] discover                tunnel endpoint discovery, signed,
 *                                          with the credentials of the
 *                                          environment or --odps-config
 * OPTS: --ca-file=F --timeout-ms=N --connect-timeout-ms=N --repeat=N
 *       --chunked --header=NAME:VALUE --dest=D --endpoint=U --odps-config=F
 *       --tunnel-endpoint=U
 * Prints "status N", "header X-Test: V" when present, "body BODY", and for
 * a status that is not 2xx the parsed error line (odps_http_fail). A
 * transport error: its message on stderr, exit with its code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odps/client.h"
#include "odps/http.h"
#include "odps/httperr.h"

static int fail(const struct mc_err *e)
{
	fprintf(stderr, "odpsreq: %s\n", e->msg);
	return e->code ? e->code : 1;
}

int main(int argc, char **argv)
{
	struct odps_http_opts o = { 0 };
	struct odps_conn_opts co = { 0 };
	struct odps_kv hdr[8];
	char hbuf[8][256];
	size_t nh = 0;
	int repeat = 1, chunked = 0, i = 1;
	struct mc_err err = { 0 };

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *a = argv[i], *v = strchr(a, '=');
		v = v ? v + 1 : "";
		if (!strncmp(a, "--ca-file=", 10)) o.ca_file = v;
		else if (!strncmp(a, "--timeout-ms=", 13)) o.timeout_ms = strtol(v, NULL, 10);
		else if (!strncmp(a, "--connect-timeout-ms=", 21)) o.connect_timeout_ms = strtol(v, NULL, 10);
		else if (!strncmp(a, "--repeat=", 9)) repeat = (int)strtol(v, NULL, 10);
		else if (!strcmp(a, "--chunked")) chunked = 1;
		else if (!strncmp(a, "--dest=", 7)) co.dest = v;
		else if (!strncmp(a, "--endpoint=", 11)) co.endpoint = v;
		else if (!strncmp(a, "--tunnel-endpoint=", 18)) co.tunnel_endpoint = v;
		else if (!strncmp(a, "--odps-config=", 14)) co.odps_config = v;
		else if (!strncmp(a, "--header=", 9) && nh < 8) {
			snprintf(hbuf[nh], sizeof hbuf[nh], "%s", v);
			char *c = strchr(hbuf[nh], ':');
			if (!c)
				return 2;
			*c = '\0';
			hdr[nh].name = hbuf[nh];
			hdr[nh].value = c + 1;
			nh++;
		} else {
			fprintf(stderr, "odpsreq: unknown option %s\n", a);
			return 2;
		}
	}
	if (i < argc && !strcmp(argv[i], "discover")) {
		struct odps_target t;
		struct odps_client c;
		const char *tun;
		if (odps_target_resolve(&co, &t, &err) < 0)
			return fail(&err);
		if (odps_client_init(&c, &t, &o, "mcsync/test", &err) < 0)
			return fail(&err);
		int rc = odps_client_tunnel(&c, &tun, &err);
		if (rc == 0)
			printf("tunnel %s\n", tun);
		odps_client_free(&c);
		odps_target_free(&t);
		return rc < 0 ? fail(&err) : 0;
	}
	if (argc - i < 3 || strcmp(argv[i], "raw")) {
		fprintf(stderr, "usage: odpsreq [OPTS] raw METHOD URL [BODY] | discover\n");
		return 2;
	}
	struct odps_http h;
	if (odps_http_init(&h, &o, &err) < 0)
		return fail(&err);
	const char *body = argc - i > 3 ? argv[i + 3] : NULL;
	struct odps_http_req req = { argv[i + 1], argv[i + 2], hdr, nh, body,
				     body ? strlen(body) : 0, chunked };
	int rc = 0;
	for (int k = 0; k < repeat && rc == 0; k++) {
		struct odps_http_resp r = { 0 };
		char v[256];
		if (odps_http_do(&h, &req, &r, &err) < 0) {
			rc = fail(&err);
			break;
		}
		printf("status %ld\n", r.status);
		if (odps_http_header(&r, "x-test", v, sizeof v))
			printf("header X-Test: %s\n", v);
		printf("body %.*s\n", (int)r.body.len, r.body.p ? r.body.p : "");
		if (r.status / 100 != 2) {
			odps_http_fail(&r, "request", &err);
			printf("error %s (exit %d)\n", err.msg, err.code);
		}
		odps_http_resp_free(&r);
	}
	odps_http_free(&h);
	return rc;
}
