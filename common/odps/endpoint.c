/* endpoint.c: endpoints, --dest, URLs (endpoint.h). */
#include "odps/endpoint.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static int is_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int is_name(const char *s, size_t n)
{
	if (n == 0 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

int odps_endpoint_norm(const char *opt, const char *url, char **out, struct mc_err *err)
{
	const char *host;
	size_t n, hl;

	*out = NULL;
	if (!strncmp(url, "http://", 7))
		host = url + 7;
	else if (!strncmp(url, "https://", 8))
		host = url + 8;
	else
		return mc_errf(err, MC_EXIT_USAGE, "%s: '%s' is not an http:// or https:// URL",
			       opt, url);
	hl = strcspn(host, "/");
	if (hl == 0)
		return mc_errf(err, MC_EXIT_USAGE, "%s: '%s' has no host", opt, url);
	if (memchr(host, '@', hl))
		return mc_errf(err, MC_EXIT_USAGE,
			       "%s: a user in the URL is not accepted (credentials come from the "
			       "environment or --odps-config)", opt);
	for (const char *p = url; *p; p++)
		if (*p == '?' || *p == '#' || (unsigned char)*p <= ' ' || *p == 0x7f)
			return mc_errf(err, MC_EXIT_USAGE,
				       "%s: '%s': no query, fragment, space or control character "
				       "belongs in an endpoint", opt, url);
	n = strlen(url);
	while (n > (size_t)(host - url) + hl && url[n - 1] == '/')
		n--;
	if (!(*out = mc_strndup(url, n)))
		return mc_oom(err, "an endpoint");
	return 0;
}

int odps_dest_parse(const char *dest, char **project, char **schema, struct mc_err *err)
{
	const char *p, *slash;

	*project = *schema = NULL;
	if (strncmp(dest, "odps://", 7) != 0)
		return mc_errf(err, MC_EXIT_USAGE, "--dest: '%s' is not odps://PROJECT[/SCHEMA]",
			       dest);
	p = dest + 7;
	slash = strchr(p, '/');
	if (!is_name(p, slash ? (size_t)(slash - p) : strlen(p)) ||
	    (slash && !is_name(slash + 1, strlen(slash + 1))))
		return mc_errf(err, MC_EXIT_USAGE,
			       "--dest: '%s' is not odps://PROJECT[/SCHEMA] (names of letters, "
			       "digits and '_')", dest);
	if (!(*project = mc_strndup(p, slash ? (size_t)(slash - p) : strlen(p))) ||
	    (slash && !(*schema = mc_strdup(slash + 1)))) {
		free(*project);
		*project = NULL;
		return mc_oom(err, "--dest");
	}
	return 0;
}

int odps_table_resource(struct mc_buf *out, const char *project, const char *schema,
			const char *table)
{
	if (schema)
		return buf_addf(out, "/projects/%s/schemas/%s/tables/%s", project, schema, table);
	return buf_addf(out, "/projects/%s/tables/%s", project, table);
}

static int add_enc(struct mc_buf *out, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (is_unreserved(c) || (keep_slash && c == '/')) {
			if (buf_addc(out, (char)c) < 0)
				return -1;
		} else if (buf_addc(out, '%') < 0 || buf_addc(out, hex[c >> 4]) < 0 ||
			   buf_addc(out, hex[c & 15]) < 0) {
			return -1;
		}
	}
	return 0;
}

int odps_url(struct mc_buf *out, const char *base, const char *resource,
	     const struct odps_kv *params, size_t nparams)
{
	if (buf_adds(out, base) < 0 || add_enc(out, resource, 1) < 0)
		return -1;
	for (size_t i = 0; i < nparams; i++) {
		if (buf_addc(out, i ? '&' : '?') < 0 || add_enc(out, params[i].name, 0) < 0)
			return -1;
		if (params[i].value &&
		    (buf_addc(out, '=') < 0 || add_enc(out, params[i].value, 0) < 0))
			return -1;
	}
	return 0;
}

/* host, host:port or [v6]:port, port 1..65535. */
static int is_hostport(const char *s, size_t n)
{
	size_t i = 0, hend;
	if (n == 0 || n > 255)
		return 0;
	if (s[0] == '[') {
		const char *e = memchr(s, ']', n);
		if (!e || e == s + 1)
			return 0;
		for (const char *q = s + 1; q < e; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
				return 0;
		hend = (size_t)(e - s) + 1;
	} else {
		while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '.'))
			i++;
		if (i == 0)
			return 0;
		hend = i;
	}
	if (hend == n)
		return 1;
	if (s[hend] != ':' || hend + 1 == n || n - hend - 1 > 5)
		return 0;
	unsigned long port = 0;
	for (i = hend + 1; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		port = port * 10 + (unsigned long)(s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

int odps_tunnel_from_answer(const char *service, const char *body, size_t n, char **out,
			    struct mc_err *err)
{
	size_t a = 0, sl;
	struct mc_buf b = { 0 };

	*out = NULL;
	while (a < n && isspace((unsigned char)body[a]))
		a++;
	while (n > a && isspace((unsigned char)body[n - 1]))
		n--;
	if (!is_hostport(body + a, n - a)) {
		char shown[65];
		size_t k = 0;
		for (size_t i = a; i < n && k < sizeof shown - 1; i++)
			shown[k++] = (body[i] >= 0x20 && body[i] < 0x7f) ? body[i] : '?';
		shown[k] = '\0';
		return mc_errf(err, MC_EXIT_DATA,
			       "tunnel endpoint discovery: the server answered '%s%s', not a "
			       "host[:port]; give --tunnel-endpoint", shown,
			       n - a > sizeof shown - 1 ? "..." : "");
	}
	sl = strstr(service, "://") ? (size_t)(strstr(service, "://") - service) : 0;
	if (sl == 0)
		return mc_errf(err, MC_EXIT_USAGE, "endpoint '%s' has no scheme", service);
	if (buf_add(&b, service, sl) < 0 || buf_adds(&b, "://") < 0 ||
	    buf_add(&b, body + a, n - a) < 0 || buf_addc(&b, '\0') < 0) {
		buf_free(&b);
		return mc_oom(err, "the tunnel endpoint");
	}
	*out = b.p;
	return 0;
}

int odps_discovery_resource(struct mc_buf *out, const char *project)
{
	return buf_addf(out, "/projects/%s/tunnel", project);
}

int odps_url_id_ok(const char *s, size_t n)
{
	if (!n || n >= 128)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}
