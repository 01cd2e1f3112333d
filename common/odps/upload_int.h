/* upload_int.h: what upload.c shares with upload_par.c (the parallel
 * PUTs): a block's PUT request, and what its answer means. */
#ifndef MC_ODPS_UPLOAD_INT_H
#define MC_ODPS_UPLOAD_INT_H

#include "base/buf.h"
#include "odps/upload.h"

/* The parameters, headers and name of PUT block blockid of session id
 * (q must not move while they are used: ps points into it). */
struct up_put {
	struct odps_kv ps[8], hs[8];
	size_t np, nh;
	char what[300], bid[16];
	struct mc_buf res; /* the table's resource, NUL-terminated (up_put_res) */
};

int up_put_init(const struct odps_up *u, const char *id, uint32_t blockid, enum trec_comp comp,
		struct up_put *q, struct mc_err *err);
/* q->res, after making sure the Tunnel endpoint is known. */
int up_put_res(const struct odps_up *u, struct up_put *q, struct mc_err *err);
void up_put_free(struct up_put *q);

/* Does an answer say the session is no longer open (409 StatusConflict)? */
int up_is_conflict(const struct odps_http_resp *r);

#endif
