/* snap_sock.c: the rows of a text-protocol result read from the socket
 * (docs/mc-snapshot.md, Code).
 *
 * On a plain connection (no TLS, no compression, a Unix socket or TCP) the
 * rows' packets are read with recv into a buffer of the reader's own, up
 * to SNAP_SOCK_READ bytes a call, and parsed there: a row is handed over
 * where it lies, with no copy. The bytes the client library had already
 * read ahead (its read-ahead cache: MARIADB_PVIO's cache, cache_pos,
 * cache_size) are taken first and its cache left empty.
 *
 * Only rows are read here. Any other packet (the end of the rows, an
 * error packet, an empty packet) goes back to the library with the bytes
 * after it: they are put into its read-ahead cache, which its next read
 * takes first, and read as before (snap_pkt_next): the library sets the
 * connection's state (sequence numbers, status, errors) from them as it
 * always did. A read that fails (the peer gone, an error, the library's
 * read timeout) shuts the socket down and lets the library read it, so
 * that it reports the lost connection as before (CR_SERVER_LOST) and
 * closes it. A row of 16 MiB or more (packets of 0xffffff bytes, then a
 * shorter one) is joined in a buffer of its own; a packet, or a joined
 * row, of the library's max_allowed_packet or more is a lost connection,
 * as the library makes it. Packets out of sequence, or more than the
 * library's cache holds after the end of the rows, are the server's
 * error (exit 1): the connection is dropped. */
#include "mysql/snap.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ma_pvio.h>

#include "base/alloc.h"
#include "mysql/myconn.h"

#define SNAP_SOCK_READ (256u * 1024)

/* ---- the parse (no library, no socket: fuzz/fuzz_snappkt.c) ---- */

/* Until buf[beg..end) holds want bytes: 0, or -1 (the read failed) */
static int need(struct snap_sock *s, size_t want)
{
	while (s->end - s->beg < want) {
		size_t got;
		if (s->beg) {
			memmove(s->buf, s->buf + s->beg, s->end - s->beg);
			s->end -= s->beg;
			s->beg = 0;
		}
		if (s->fill(s, s->buf + s->end, s->cap - s->end, &got) < 0)
			return -1;
		s->end += got;
	}
	return 0;
}

/* Room for want bytes from beg: 0, or -1 (no memory) */
static int room(struct snap_sock *s, size_t want)
{
	if (want <= s->cap)
		return 0;
	unsigned char *b = realloc(s->buf, want);
	if (!b)
		return -1;
	s->buf = b;
	s->cap = want;
	return 0;
}

/* A row of frag bytes or more: its packets joined into s->big */
static int join(struct snap_sock *s, const unsigned char **p, size_t *n)
{
	s->big.len = 0;
	for (;;) {
		if (need(s, 4) < 0)
			return SNAP_SOCK_LOST;
		const unsigned char *h = s->buf + s->beg;
		size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
		if (h[3] != s->seq)
			return SNAP_SOCK_SEQ;
		if (s->big.len + len >= s->max_packet)
			return SNAP_SOCK_LOST; /* the library's CR_NET_PACKET_TOO_LARGE */
		s->seq++;
		s->beg += 4;
		if (s->big.cap - s->big.len < len && buf_grow(&s->big, len) < 0)
			return SNAP_SOCK_OOM;
		size_t take = s->end - s->beg < len ? s->end - s->beg : len;
		memcpy(s->big.p + s->big.len, s->buf + s->beg, take);
		s->big.len += take;
		s->beg += take;
		for (size_t rest = len - take; rest;) {
			size_t got;
			if (s->fill(s, (unsigned char *)s->big.p + s->big.len, rest, &got) < 0)
				return SNAP_SOCK_LOST;
			s->big.len += got;
			rest -= got;
		}
		if (len < s->frag)
			break;
	}
	*p = (const unsigned char *)s->big.p;
	*n = s->big.len;
	return SNAP_SOCK_ROW;
}

int snap_sock_parse(struct snap_sock *s, const unsigned char **p, size_t *n)
{
	if (need(s, 4) < 0)
		return SNAP_SOCK_LOST;
	const unsigned char *h = s->buf + s->beg;
	size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
	if (len && need(s, 5) < 0)
		return SNAP_SOCK_LOST;
	h = s->buf + s->beg;
	if (h[3] != s->seq)
		return SNAP_SOCK_SEQ;
	if (len == 0 || h[4] == 0xff || (h[4] == 0xfe && len < s->frag))
		return SNAP_SOCK_BACK; /* not a row: buf[beg..end) go back */
	if (len >= s->frag)
		return join(s, p, n);
	if (len >= s->max_packet)
		return SNAP_SOCK_LOST; /* the library's CR_NET_PACKET_TOO_LARGE */
	if (room(s, 4 + len) < 0)
		return SNAP_SOCK_OOM;
	if (need(s, 4 + len) < 0)
		return SNAP_SOCK_LOST;
	s->seq++;
	*p = s->buf + s->beg + 4;
	*n = len;
	s->beg += 4 + len;
	return SNAP_SOCK_ROW;
}

/* ---- the socket and the library ---- */

/* recv into to[0..room): 0, or -1 when the read failed (the peer gone, an
 * error, the read timeout), as the library's socket read waits */
static int sock_fill(struct snap_sock *s, unsigned char *to, size_t room_, size_t *got)
{
	for (;;) {
		ssize_t r = recv(s->fd, to, room_, MSG_DONTWAIT);
		if (r > 0) {
			*got = (size_t)r;
			return 0;
		}
		if (r == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) || s->timeout == 0)
			return -1;
		/* its read timeout (ms), or none (-1) */
		struct pollfd pf = { .fd = s->fd, .events = POLLIN };
		int w;
		do
			w = poll(&pf, 1, s->timeout);
		while (w < 0 && errno == EINTR);
		if (w < 1)
			return -1;
	}
}

void snap_sock_free(struct snap_sock *s)
{
	free(s->buf);
	buf_free(&s->big);
	memset(s, 0, sizeof *s);
}

void snap_sock_begin(MYSQL *m, struct snap_sock *s)
{
	MARIADB_PVIO *pv = m->net.pvio;
	const char *e = getenv("MC_SNAP_SOCKET");
	s->on = 0;
	s->beg = s->end = 0;
	if ((e && strcmp(e, "library") == 0) || !pv || pv->ctls || m->net.compress ||
	    !pv->cache || (pv->type != PVIO_TYPE_UNIXSOCKET && pv->type != PVIO_TYPE_SOCKET) ||
	    m->status != MYSQL_STATUS_GET_RESULT)
		return;
	if (!s->buf) {
		if (!(s->buf = malloc(SNAP_SOCK_READ)))
			return; /* the library's read, as before */
		s->cap = SNAP_SOCK_READ;
	}
	s->fd = (int)mysql_get_socket(m);
	if (s->fd < 0)
		return;
	size_t held = pv->cache + pv->cache_size > pv->cache_pos
			      ? (size_t)(pv->cache + pv->cache_size - pv->cache_pos)
			      : 0;
	if (held > s->cap)
		return;
	memcpy(s->buf, pv->cache_pos, held);
	pv->cache_pos = pv->cache;
	pv->cache_size = 0;
	s->end = held;
	s->seq = (unsigned char)m->net.pkt_nr;
	s->timeout = pv->timeout[PVIO_READ_TIMEOUT];
	s->frag = 0xffffff;
	s->max_packet = m->net.max_packet_size;
	s->fast = (s->max_packet < s->frag ? s->max_packet : s->frag) - 1;
	s->fill = sock_fill;
	s->on = 1;
}

/* The rest of the result to the library: bytes k = buf[beg..end) into its
 * read-ahead cache (none: the socket shut down first, so that it finds
 * the connection lost) */
static int back(MYSQL *m, struct snap_sock *s, size_t k, const unsigned char **p, size_t *n,
		struct mc_err *err)
{
	MARIADB_PVIO *pv = m->net.pvio;
	if (k)
		memcpy(pv->cache, s->buf + s->beg, k);
	else
		shutdown(s->fd, SHUT_RDWR);
	pv->cache_pos = pv->cache;
	pv->cache_size = k;
	s->on = 0;
	s->beg = s->end = 0;
	return snap_pkt_next(m, p, n, err);
}

int snap_sock_more(MYSQL *m, struct snap_sock *s, const unsigned char **p, size_t *n,
		   struct mc_err *err)
{
	int rc = snap_sock_parse(s, p, n);
	size_t k = s->end - s->beg;
	if (rc == SNAP_SOCK_ROW)
		return 1;
	if (rc == SNAP_SOCK_BACK && k <= PVIO_READ_AHEAD_CACHE_SIZE)
		return back(m, s, k, p, n, err);
	if (rc == SNAP_SOCK_LOST)
		return back(m, s, 0, p, n, err);
	/* the server broke the protocol, or no memory: the connection is dropped */
	unsigned a = rc == SNAP_SOCK_SEQ ? s->buf[s->beg + 3] : 0, b = s->seq;
	struct mc_err e2 = { 0 };
	back(m, s, 0, p, n, &e2);
	m->status = MYSQL_STATUS_READY;
	if (rc == SNAP_SOCK_OOM)
		return mc_oom(err, "a row");
	if (rc == SNAP_SOCK_SEQ)
		return mc_errf(err, MC_EXIT_DATA,
			       "reading a chunk: the server's packet %u is out of sequence "
			       "(expected %u)",
			       a, b);
	return mc_errf(err, MC_EXIT_DATA,
		       "reading a chunk: the server's end of rows and the bytes after it "
		       "are %zu bytes, more than the client library's read-ahead cache holds",
		       k);
}

void snap_sock_skip(MYSQL *m, struct snap_sock *s)
{
	struct mc_err e = { 0 };
	const unsigned char *p;
	size_t n;
	if (!s->on) {
		snap_pkt_skip(m);
		return;
	}
	while (snap_sock_next(m, s, &p, &n, &e) > 0)
		;
}
