/* t_odps_creds: the project, endpoints and access key of a MaxCompute
 * destination (common/odps/creds.c, endpoint.c): the odpscmd config file
 * (refused when group or others may read it), the environment, --dest,
 * endpoints, and tunnel discovery's answer (the protocol's §2.2). No
 * message may hold the secret. */
#define TAP_NAME "t_odps_creds"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "odps/creds.h"
#include "odps/endpoint.h"

#define SECRET "S3cretKeyNeverShown0123456789ab"

static char dir[] = "/tmp/t_odps_creds.XXXXXX";

static const char *put(const char *name, const char *text, mode_t mode)
{
	static char path[4][256];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, 256, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || chmod(p, mode) != 0)
		tap_fail("setup", "cannot write %s", p);
	return p;
}

static int clean(const struct mc_err *e)
{
	return !strstr(e->msg, SECRET);
}

static void config(void)
{
	struct odps_config c;
	struct mc_err err = { 0 };
	const char *ok = put("ok.ini",
			     "# odpscmd config\n"
			     "project_name=my_proj\n"
			     "access_id = LTAI5tId\n"
			     "access_key=" SECRET "  \r\n"
			     "end_point=https://service.cn-hangzhou.maxcompute.aliyun.com/api\n"
			     "tunnel_endpoint=\n"
			     "log_view_host=https://logview.aliyun.com\n"
			     "https_check=true\n",
			     0600);
	int rc = odps_config_read(ok, &c, &err);
	tap_check(rc == 0 && !strcmp(c.project_name, "my_proj") && !strcmp(c.access_id, "LTAI5tId") &&
			  !strcmp(c.access_key, SECRET) &&
			  !strcmp(c.end_point, "https://service.cn-hangzhou.maxcompute.aliyun.com/api") &&
			  !c.tunnel_endpoint,
		  "config: keys read, spaces dropped, empty value unset, other keys ignored", "%s",
		  err.msg);
	odps_config_free(&c);

	/* Readable by group or others: refused, naming the file and mode. */
	mode_t modes[] = { 0640, 0604, 0644, 0444 };
	for (size_t i = 0; i < 4; i++) {
		char want[64], what[64];
		const char *p = put("open.ini", "access_key=" SECRET "\n", modes[i]);
		memset(&err, 0, sizeof err);
		rc = odps_config_read(p, &c, &err);
		snprintf(want, sizeof want, "has mode %04o", (unsigned)modes[i]);
		snprintf(what, sizeof what, "config mode %04o refused, exit 2", (unsigned)modes[i]);
		tap_check(rc < 0 && err.code == MC_EXIT_USAGE && strstr(err.msg, want) &&
				  strstr(err.msg, p) && strstr(err.msg, "chmod 600") && clean(&err),
			  what, "rc %d code %d '%s'", rc, err.code, err.msg);
	}
	const char *p = put("owner.ini", "access_key=" SECRET "\n", 0400);
	rc = odps_config_read(p, &c, &err);
	tap_check(rc == 0, "config mode 0400 accepted", "%s", err.msg);
	odps_config_free(&c);

	struct {
		const char *what, *text, *msg;
	} bad[] = {
		{ "a line without '=' (its text not shown)", "access_id=a\n" SECRET "\n",
		  "line 2: not key=value" },
		{ "a key twice", "access_key=" SECRET "\n\naccess_key=" SECRET "x\n",
		  "line 3: 'access_key' given twice (also line 1)" },
	};
	for (size_t i = 0; i < 2; i++) {
		p = put("bad.ini", bad[i].text, 0600);
		memset(&err, 0, sizeof err);
		rc = odps_config_read(p, &c, &err);
		tap_check(rc < 0 && err.code == MC_EXIT_USAGE && strstr(err.msg, bad[i].msg) &&
				  clean(&err),
			  bad[i].what, "rc %d '%s'", rc, err.msg);
	}
	memset(&err, 0, sizeof err);
	rc = odps_config_read("/nonexistent/odps.ini", &c, &err);
	tap_check(rc < 0 && err.code == MC_EXIT_USAGE && strstr(err.msg, "No such file"),
		  "missing config: exit 2", "'%s'", err.msg);
	memset(&err, 0, sizeof err);
	rc = odps_config_read(dir, &c, &err);
	tap_check(rc < 0 && err.code == MC_EXIT_USAGE && strstr(err.msg, "not a regular file"),
		  "config that is a directory: exit 2", "'%s'", err.msg);
}

static void env(void)
{
	struct odps_creds c;
	struct mc_err err = { 0 };

	unsetenv(ODPS_ENV_ID);
	unsetenv(ODPS_ENV_SECRET);
	unsetenv(ODPS_ENV_TOKEN);
	int rc = odps_creds_from_env(&c, &err);
	tap_check(rc < 0 && err.code == MC_EXIT_USAGE &&
			  strstr(err.msg, ODPS_ENV_ID " is not set"),
		  "env: no id, exit 2 naming the variable", "'%s'", err.msg);
	setenv(ODPS_ENV_ID, "LTAI5tId", 1);
	setenv(ODPS_ENV_SECRET, "", 1);
	rc = odps_creds_from_env(&c, &err);
	tap_check(rc < 0 && err.code == MC_EXIT_USAGE &&
			  strstr(err.msg, ODPS_ENV_SECRET " is empty"),
		  "env: empty secret, exit 2", "'%s'", err.msg);
	setenv(ODPS_ENV_SECRET, SECRET, 1);
	rc = odps_creds_from_env(&c, &err);
	tap_check(rc == 0 && !strcmp(c.access_id, "LTAI5tId") && !strcmp(c.access_key, SECRET) &&
			  !c.sts_token,
		  "env: id and secret, no token", "%s", err.msg);
	odps_creds_free(&c);
	setenv(ODPS_ENV_TOKEN, "tok", 1);
	rc = odps_creds_from_env(&c, &err);
	tap_check(rc == 0 && c.sts_token && !strcmp(c.sts_token, "tok"), "env: STS token",
		  "%s", err.msg);
	odps_creds_free(&c);
	unsetenv(ODPS_ENV_TOKEN);
}

static void dest(void)
{
	char *p, *s;
	struct mc_err err = { 0 };
	int rc = odps_dest_parse("odps://my_proj", &p, &s, &err);
	tap_check(rc == 0 && !strcmp(p, "my_proj") && !s, "--dest project", "%s", err.msg);
	free(p);
	rc = odps_dest_parse("odps://my_proj/sch1", &p, &s, &err);
	tap_check(rc == 0 && !strcmp(p, "my_proj") && s && !strcmp(s, "sch1"),
		  "--dest project/schema", "%s", err.msg);
	free(p);
	free(s);
	const char *bad[] = { "odps://", "odps:///s", "odps://p/", "odps://p/s/t", "odps://p q",
			      "file:///tmp/wh", "odps://p%41", "odps://p/s?x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char what[80];
		snprintf(what, sizeof what, "--dest=%s refused, exit 2", bad[i]);
		memset(&err, 0, sizeof err);
		rc = odps_dest_parse(bad[i], &p, &s, &err);
		tap_check(rc < 0 && err.code == MC_EXIT_USAGE && !p && !s, what, "'%s'", err.msg);
	}
}

static void endpoints(void)
{
	char *e;
	struct mc_err err = { 0 };
	int rc = odps_endpoint_norm("--endpoint", "https://service.cn-hangzhou.maxcompute.aliyun.com/api/",
				    &e, &err);
	tap_check(rc == 0 && !strcmp(e, "https://service.cn-hangzhou.maxcompute.aliyun.com/api"),
		  "endpoint: trailing '/' dropped", "%s", err.msg);
	free(e);
	rc = odps_endpoint_norm("--endpoint", "http://127.0.0.1:8080", &e, &err);
	tap_check(rc == 0 && !strcmp(e, "http://127.0.0.1:8080"), "endpoint: host:port", "%s",
		  err.msg);
	free(e);
	const char *bad[] = { "service.aliyun.com/api", "ftp://h/api", "http:///api",
			      "http://id:" SECRET "@h/api", "http://h/api?x=1", "http://h/a b" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char what[80];
		snprintf(what, sizeof what, "endpoint %zu refused, exit 2", i);
		memset(&err, 0, sizeof err);
		rc = odps_endpoint_norm("--endpoint", bad[i], &e, &err);
		tap_check(rc < 0 && err.code == MC_EXIT_USAGE && !e && strstr(err.msg, "--endpoint") &&
				  clean(&err),
			  what, "'%s'", err.msg);
	}

	/* §2.2: a plain-text host[:port]; the scheme of the service
	 * endpoint; no path. */
	struct {
		const char *svc, *body, *want;
	} ok[] = {
		{ "http://127.0.0.1:18765/api", "127.0.0.1:18765", "http://127.0.0.1:18765" },
		{ "https://service.cn-hangzhou.maxcompute.aliyun.com/api",
		  "dt.cn-hangzhou.maxcompute.aliyun.com\n", "https://dt.cn-hangzhou.maxcompute.aliyun.com" },
		{ "http://[::1]:80/api", " [::1]:9000 ", "http://[::1]:9000" },
	};
	for (size_t i = 0; i < 3; i++) {
		char what[80];
		snprintf(what, sizeof what, "discovery answer '%s'", ok[i].want);
		rc = odps_tunnel_from_answer(ok[i].svc, ok[i].body, strlen(ok[i].body), &e, &err);
		tap_check(rc == 0 && !strcmp(e, ok[i].want), what, "got %s (%s)", rc ? "-" : e,
			  err.msg);
		free(e);
	}
	const char *badans[] = { "", "http://dt.example.com", "dt.example.com/x", "h:0",
				 "h:65536", "<Error><Code>x</Code></Error>", "h:80:81" };
	for (size_t i = 0; i < sizeof badans / sizeof badans[0]; i++) {
		char what[80];
		snprintf(what, sizeof what, "discovery answer %zu refused, exit 1", i);
		memset(&err, 0, sizeof err);
		rc = odps_tunnel_from_answer("http://h/api", badans[i], strlen(badans[i]), &e, &err);
		tap_check(rc < 0 && err.code == MC_EXIT_DATA && !e &&
				  strstr(err.msg, "--tunnel-endpoint"),
			  what, "'%s'", err.msg);
	}
}

static void resolve(void)
{
	struct odps_target t;
	struct mc_err err = { 0 };
	const char *conf = put("full.ini",
			       "project_name=other\naccess_id=FileId\naccess_key=" SECRET "\n"
			       "end_point=http://conf.example/api\ntunnel_endpoint=http://dt.example\n",
			       0600);
	const char *nokey = put("nokey.ini", "end_point=http://conf.example/api\n", 0600);
	const char *half = put("half.ini", "access_id=FileId\n", 0600);

	setenv(ODPS_ENV_ID, "EnvId", 1);
	setenv(ODPS_ENV_SECRET, SECRET "env", 1);
	struct odps_conn_opts o = { "odps://p1/s1", NULL, NULL, conf };
	int rc = odps_target_resolve(&o, &t, &err);
	tap_check(rc == 0 && !strcmp(t.project, "p1") && !strcmp(t.schema, "s1") &&
			  !strcmp(t.endpoint, "http://conf.example/api") &&
			  !strcmp(t.tunnel_endpoint, "http://dt.example") &&
			  !strcmp(t.creds.access_id, "FileId") && !strcmp(t.creds.access_key, SECRET),
		  "resolve: the file's endpoints and key, --dest's project", "%s", err.msg);
	odps_target_free(&t);

	struct odps_conn_opts o2 = { "odps://p1", "http://opt.example/api/", "http://dt2.example",
				     conf };
	rc = odps_target_resolve(&o2, &t, &err);
	tap_check(rc == 0 && !strcmp(t.endpoint, "http://opt.example/api") &&
			  !strcmp(t.tunnel_endpoint, "http://dt2.example") && !t.schema,
		  "resolve: options over the file", "%s", err.msg);
	odps_target_free(&t);

	struct odps_conn_opts o3 = { "odps://p1", NULL, NULL, nokey };
	rc = odps_target_resolve(&o3, &t, &err);
	tap_check(rc == 0 && !strcmp(t.creds.access_id, "EnvId") && !t.tunnel_endpoint &&
			  !strcmp(t.creds.from, "the environment"),
		  "resolve: the key from the environment when the file has none; tunnel discovered",
		  "%s", err.msg);
	odps_target_free(&t);

	struct {
		const char *what;
		struct odps_conn_opts o;
		const char *msg;
	} bad[] = {
		{ "no --dest", { NULL, "http://h/api", NULL, NULL }, "no --dest" },
		{ "no endpoint", { "odps://p1", NULL, NULL, NULL }, "no service endpoint" },
		{ "half a key in the file", { "odps://p1", "http://h/api", NULL, half },
		  "has access_id but no access_key" },
		{ "bad --tunnel-endpoint", { "odps://p1", "http://h/api", "dt.example", NULL },
		  "--tunnel-endpoint: 'dt.example' is not" },
	};
	for (size_t i = 0; i < 4; i++) {
		memset(&err, 0, sizeof err);
		rc = odps_target_resolve(&bad[i].o, &t, &err);
		tap_check(rc < 0 && err.code == MC_EXIT_USAGE && strstr(err.msg, bad[i].msg) &&
				  clean(&err) && !t.project,
			  bad[i].what, "rc %d '%s'", rc, err.msg);
	}
	unsetenv(ODPS_ENV_SECRET);
	struct odps_conn_opts o4 = { "odps://p1", "http://h/api", NULL, NULL };
	rc = odps_target_resolve(&o4, &t, &err);
	tap_check(rc < 0 && err.code == MC_EXIT_USAGE && strstr(err.msg, ODPS_ENV_SECRET),
		  "no key anywhere: exit 2 naming the variable", "'%s'", err.msg);
	unsetenv(ODPS_ENV_ID);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		tap_fail("setup", "mkdtemp");
		return tap_done();
	}
	config();
	env();
	dest();
	endpoints();
	resolve();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_fail("cleanup", "rm -rf %s", dir);
	return tap_done();
}
