/* creds.h: where mcsync finds a MaxCompute project, its endpoints and the
 * access key (docs/maxcompute.md "Credentials" and "Endpoints").
 *
 * The access key comes from the odpscmd config file (--odps-config=FILE:
 * access_id, access_key) or from the environment
 * (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and the
 * optional ALIBABA_CLOUD_SECURITY_TOKEN), never from an option (a command
 * line is visible to every user through ps). A config file that group or
 * others may read is refused. The secret is never written into a message:
 * errors name the file, the line, the key or the variable, never a value. */
#ifndef MC_ODPS_CREDS_H
#define MC_ODPS_CREDS_H

#include "base/err.h"

#define ODPS_ENV_ID "ALIBABA_CLOUD_ACCESS_KEY_ID"
#define ODPS_ENV_SECRET "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
#define ODPS_ENV_TOKEN "ALIBABA_CLOUD_SECURITY_TOKEN"

/* The keys mcsync reads of an odpscmd config file (others are ignored:
 * odpscmd's files hold many more). NULL: not in the file (or empty). */
struct odps_config {
	char *project_name;
	char *access_id;
	char *access_key;
	char *end_point;
	char *tunnel_endpoint;
};

/* Read an odpscmd config file: "key=value" lines, spaces around both
 * dropped, '#' lines and blank lines skipped. -1 with err (code 2): the file
 * cannot be read, is not a regular file, group or others may read it (the
 * message names the file and its mode), a line is not key=value, or one of
 * our keys is given twice. */
int odps_config_read(const char *path, struct odps_config *c, struct mc_err *err);
void odps_config_free(struct odps_config *c);

/* An access key. sts_token is NULL unless from the environment. */
struct odps_creds {
	char *access_id;
	char *access_key;
	char *sts_token;
	char from[300]; /* "the environment" or "'FILE'", for messages */
};

/* What a program was told (every field may be NULL). */
struct odps_conn_opts {
	const char *dest;            /* --dest=odps://PROJECT[/SCHEMA] */
	const char *endpoint;        /* --endpoint=URL */
	const char *tunnel_endpoint; /* --tunnel-endpoint=URL */
	const char *odps_config;     /* --odps-config=FILE */
};

/* Where requests go and who signs them. tunnel_endpoint NULL: discover it
 * (client.h odps_client_tunnel). */
struct odps_target {
	char *project;
	char *schema;
	char *endpoint;
	char *tunnel_endpoint;
	struct odps_creds creds;
};

/* Resolve o: the project (and schema) from --dest; the endpoint from
 * --endpoint, else the file's end_point; the tunnel endpoint from
 * --tunnel-endpoint, else the file's tunnel_endpoint, else NULL; the key
 * from the file when it has access_id and access_key, else from the
 * environment. -1 with err (code 2) naming what is missing or wrong. */
int odps_target_resolve(const struct odps_conn_opts *o, struct odps_target *t,
			struct mc_err *err);
void odps_target_free(struct odps_target *t);

/* The key from the environment. -1 with err (code 2) naming the variable
 * that is missing. */
int odps_creds_from_env(struct odps_creds *c, struct mc_err *err);
void odps_creds_free(struct odps_creds *c);

#endif
