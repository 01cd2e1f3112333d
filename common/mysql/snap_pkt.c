/* snap_pkt.c: the rows of a text-protocol result read as their packets
 * (docs/mc-snapshot.md, Code).
 *
 * After mysql_real_query (which reads the column definitions) the rows are
 * read one packet at a time with mysql_net_read_packet, the library's own
 * read: it reassembles a row of 16 MiB or more, turns an error packet into
 * the connection's error (mysql_errno, mysql_error, as mysql_fetch_row
 * gives it) and a dropped connection into CR_SERVER_LOST. What the library
 * does after the rows is done here: the terminator (0xfe, shorter than a
 * packet's largest, which a row cannot be) sets the server status and the
 * warning count, and the connection's status goes back to
 * MYSQL_STATUS_READY, so that the next query can be sent. */
#include "mysql/snap.h"

#include "mysql/myconn.h"

/* CLIENT_DEPRECATE_EOF: the rows end with an OK packet (header 0xfe), not
 * an EOF packet; not in every Connector/C's headers */
#define SNAP_DEPRECATE_EOF (1UL << 24)

/* a little-endian integer of w bytes */
static uint64_t le(const unsigned char *p, size_t w)
{
	uint64_t v = 0;
	for (size_t i = 0; i < w; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* the terminator's warning count and server status: 0, or -1 when it is
 * too short for its form */
static int terminator(MYSQL *m, const unsigned char *p, size_t n)
{
	const unsigned char *e = p + n;
	p++;
	if (m->client_flag & m->server_capabilities & SNAP_DEPRECATE_EOF) {
		/* OK: affected rows, last insert id (length-encoded), status, warnings */
		for (int k = 0; k < 2; k++) {
			if (p >= e)
				return -1;
			size_t w = *p < 0xfb ? 0 : *p == 0xfc ? 2 : *p == 0xfd ? 3 : *p == 0xfe ? 8 : 9;
			if (w == 9 || (size_t)(e - p) < 1 + w)
				return -1;
			p += 1 + w;
		}
		if (e - p < 4)
			return -1;
		m->server_status = (unsigned)le(p, 2);
		m->warning_count = (unsigned)le(p + 2, 2);
		return 0;
	}
	if (e - p < 4)
		return -1;
	m->warning_count = (unsigned)le(p, 2);
	m->server_status = (unsigned)le(p + 2, 2);
	return 0;
}

int snap_pkt_end(MYSQL *m, unsigned long len, struct mc_err *err)
{
	if (len == (unsigned long)packet_error) {
		m->status = MYSQL_STATUS_READY; /* as mysql_fetch_row leaves it */
		return my_fail(m, err, "reading a chunk");
	}
	m->status = MYSQL_STATUS_READY;
	if (terminator(m, m->net.read_pos, len) < 0)
		return mc_errf(err, MC_EXIT_DATA,
			       "reading a chunk: the server's end of rows is %lu bytes, too short", len);
	return 0;
}

void snap_pkt_skip(MYSQL *m)
{
	struct mc_err e = { 0 };
	const unsigned char *p;
	size_t n;
	if (m->status != MYSQL_STATUS_GET_RESULT)
		return; /* no rows left: the read would wait for a packet that never comes */
	while (snap_pkt_next(m, &p, &n, &e) > 0)
		;
}
