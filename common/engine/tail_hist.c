/* tail_hist.c: are the binlogs read of one history? The GTID list
 * that begins a MariaDB binlog file is the server's binlog state when it
 * began the file: the last GTID of each domain and server_id. The last one
 * of each read from the FILEs before must be there, the same (the
 * checkpoint's, there or later); else the files are of two histories (a
 * RESET MASTER between them, another server's binlogs), and the changes
 * between them would be lost without a gap in the numbers
 * (docs/mc-binlog-tail.md "Description"). */
#include "engine/tail_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void tail_gtid_read(struct tail *T, const struct bl_event *ev)
{
	uint64_t seq = ev->gtid_seq;
	uint32_t domain = ev->gtid_domain;
	size_t i;
	for (i = 0; i < T->ngseen; i++)
		if (T->gseen[i].domain == domain && T->gseen[i].server == ev->server_id)
			break;
	if (i == T->ngseen) {
		if (i == sizeof T->gseen / sizeof T->gseen[0]) {
			T->gseen_full = 1;
			return;
		}
		T->ngseen++;
	}
	T->gseen[i] = (struct tail_gtid_seen){ domain, ev->server_id, seq, 0 };
}

void tail_gtid_floor(struct tail *T, const char *v)
{
	while (v && *v) {
		unsigned long long d, s, n;
		int len = 0;
		if (sscanf(v, "%llu-%llu-%llu%n", &d, &s, &n, &len) == 3 && d <= UINT32_MAX &&
		    s <= UINT32_MAX && (v[len] == ',' || v[len] == 0)) {
			if (T->ngseen == sizeof T->gseen / sizeof T->gseen[0]) {
				T->gseen_full = 1;
				return;
			}
			T->gseen[T->ngseen++] = (struct tail_gtid_seen){ (uint32_t)d, (uint32_t)s,
									 n, 1 };
		}
		v = strchr(v, ',');
		if (v)
			v++;
	}
}

int tail_gtid_list(struct tail *T, const struct bl_event *ev, uint64_t start,
		   struct mc_err *err)
{
	if (T->gseen_full || T->ngseen == 0)
		return 0;
	for (size_t i = 0; i < T->ngseen; i++) {
		const struct tail_gtid_seen *g = &T->gseen[i];
		uint64_t seq = 0;
		int e = bl_gtid_list_get(ev, g->domain, g->server, &seq);
		if (e < 0) {
			mc_errf(err, MC_EXIT_DATA, "GTID list event too short");
			return tail_data_error(T, start, err);
		}
		if (e && (seq == g->seq || (g->floor && seq > g->seq)))
			continue;
		if (e)
			mc_errf(err, MC_EXIT_DATA, "its GTID list (the binlog state when the server "
				"began the file) ends domain %" PRIu32 " of server_id %" PRIu32 " at "
				"%" PRIu32 "-%" PRIu32 "-%" PRIu64 ", but %s end there at "
				"%" PRIu32 "-%" PRIu32 "-%" PRIu64 ": the files are not of one binlog "
				"history (a RESET MASTER between them, or another server's binlogs; "
				"changes would be lost or repeated): give the binlogs of one server, "
				"in order (after RESET MASTER: the new history from its first binlog, "
				"into mc-tunnel-put --new-history)", g->domain, g->server, g->domain,
				g->server, seq,
				g->floor ? "the checkpoint's committed changes" : "the FILEs before it",
				g->domain, g->server, g->seq);
		else
			mc_errf(err, MC_EXIT_DATA, "its GTID list (the binlog state when the server "
				"began the file) has no GTID of domain %" PRIu32 " and server_id %" PRIu32
				", but %s end there at %" PRIu32 "-%" PRIu32 "-%" PRIu64
				": the files are not of one binlog history (a RESET MASTER between "
				"them, or another server's binlogs; changes would be lost or "
				"repeated): give the binlogs of one server, in order (after RESET "
				"MASTER: the new history from its first binlog, into mc-tunnel-put "
				"--new-history)", g->domain, g->server,
				g->floor ? "the checkpoint's committed changes" : "the FILEs before it",
				g->domain, g->server, g->seq);
		return tail_data_error(T, start, err);
	}
	return 0;
}
