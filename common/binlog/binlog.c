/* binlog.c: event framing and headers: checksums, format description,
 * queries, GTIDs, payloads, the event dispatch, files (table maps and row
 * images: binlog_rows.c).
 * Byte layouts follow MySQL's libbinlogevents and MariaDB's log_event.cc
 * (read as documentation); see docs/mc-binlog-tail.md for decisions. */
#include "binlog/binlog.h"
#include "binlog/binlog_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "base/alloc.h"


/* CRC32 (the zlib polynomial), slicing by 8: zlib's own is several times
 * slower on the Debian 12 build and checksums are on every event. */
static uint32_t crc_tab[8][256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
	crc_ready = 1;
}

#include "base/crcfold.h"
#ifdef MC_HAVE_CRC_FOLD
static const struct crc_fold_k crc32_k = {
	.k2048 = { 0x011542778a, 0x01322d1430 },
	.k512 = { 0x0154442bd4, 0x01c6e41596 },
	.k128 = { 0x01751997d0, 0x00ccaa009e },
	.k64 = { 0x0163cd6124, 0 },
	.poly = { 0x01db710641, 0x01f7011641 },
};
static int clmul_ok = -1;
#endif

/* The table-driven CRC on the raw register. */
static uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t n);

uint32_t bl_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	if (!crc_ready)
		crc_init();
	crc = ~crc;
#ifdef MC_HAVE_CRC_FOLD
	if (clmul_ok < 0) /* 2: with the 512-bit form */
		clmul_ok = crc_fold_cpu();
	if (clmul_ok && n >= 64) {
		size_t k = n & ~(size_t)15;
		crc = crc_fold(&crc32_k, clmul_ok, crc, p, k);
		p += k;
		n -= k;
	}
#endif
	return ~crc_table(crc, p, n);
}

static uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n && ((uintptr_t)p & 7)) {
		crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		n--;
	}
	while (n >= 8) {
		uint32_t a = crc ^ le32(p), b = le32(p + 4);
		crc = crc_tab[7][a & 0xff] ^ crc_tab[6][(a >> 8) & 0xff] ^
		      crc_tab[5][(a >> 16) & 0xff] ^ crc_tab[4][a >> 24] ^
		      crc_tab[3][b & 0xff] ^ crc_tab[2][(b >> 8) & 0xff] ^
		      crc_tab[1][(b >> 16) & 0xff] ^ crc_tab[0][b >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

/* Arena ------------------------------------------------------------- */

struct bl_block {
	struct bl_block *next;
	size_t cap;
	max_align_t data[];
};

char *bl_arena_room_grow(struct bl_arena *a, size_t n)
{
	size_t cap = n > 65536 ? (n + 15) & ~(size_t)15 : 65536;
	struct bl_block *nb;
	if (a->left >= n)
		return a->cur;
	if (!(nb = malloc(sizeof *nb + cap)))
		return NULL;
	nb->next = a->head;
	nb->cap = cap;
	a->head = nb;
	a->cur = (char *)nb->data;
	a->left = cap;
	return a->cur;
}

void *bl_arena_alloc(struct bl_arena *a, size_t n)
{
	char *p = bl_arena_room(a, (n + 15) & ~(size_t)15);
	if (p)
		bl_arena_take(a, n);
	return p;
}

void bl_arena_reset(struct bl_arena *a)
{
	struct bl_block *b = a->head;
	if (!b)
		return;
	/* Keep the newest block; free the rest. */
	while (b->next) {
		struct bl_block *n = b->next;
		b->next = n->next;
		free(n);
	}
	a->cur = (char *)b->data;
	a->left = b->cap;
}

void bl_arena_free(struct bl_arena *a)
{
	while (a->head) {
		struct bl_block *n = a->head->next;
		free(a->head);
		a->head = n;
	}
	a->cur = NULL;
	a->left = 0;
}

/* Decoder ----------------------------------------------------------- */

static void default_fde(struct bl_fde *f)
{
	memset(f, 0, sizeof *f);
	f->binlog_version = 4;
	f->header_len = BL_HEADER_LEN;
	/* Lengths of a MySQL 5.x v4 binlog, used until the real FDE is read. */
	f->post[BL_QUERY] = 13;
	f->post[BL_ROTATE] = 8;
	f->post[BL_FDE] = 84;
	f->post[BL_TABLE_MAP] = 8;
	f->post[BL_WRITE_ROWS_V1] = f->post[BL_UPDATE_ROWS_V1] = f->post[BL_DELETE_ROWS_V1] = 8;
	f->post[BL_WRITE_ROWS] = f->post[BL_UPDATE_ROWS] = f->post[BL_DELETE_ROWS] = 10;
	f->post[BL_PARTIAL_UPDATE_ROWS] = 10;
}

void bl_init(struct bl_decoder *d)
{
	memset(d, 0, sizeof *d);
	default_fde(&d->fde);
	d->verify_checksum = 1;
}

void bl_table_free(struct bl_table *t)
{
	if (!t)
		return;
	free(t->cols);
	free(t->pk);
	free(t->raw);
	free(t->labels);
	free(t);
}

void bl_forget_tables(struct bl_decoder *d)
{
	for (size_t i = 0; i < d->ntables; i++)
		bl_table_free(d->tables[i]);
	d->ntables = 0;
}

#define TRIM_ABOVE (16u << 20)

void bl_trim(struct bl_decoder *d)
{
	if (d->zbuf.cap > TRIM_ABOVE)
		buf_free(&d->zbuf);
	if (d->pbuf.cap > TRIM_ABOVE)
		buf_free(&d->pbuf);
	bl_arena_reset(&d->arena);
}

void bl_free(struct bl_decoder *d)
{
	bl_forget_tables(d);
	free(d->tables);
	buf_free(&d->zbuf);
	buf_free(&d->pbuf);
	bl_arena_free(&d->arena);
	cs_set_free(&d->cs);
	buf_free(&d->csbuf);
	if (d->zstd)
		ZSTD_freeDCtx(d->zstd);
	memset(d, 0, sizeof *d);
}

int bl_gtid_list_get(const struct bl_event *ev, uint32_t domain, uint32_t server,
		     uint64_t *seq)
{
	uint32_t n = ev->body_len < 4 ? 0 : le32(ev->body) & 0x0fffffff;
	if (ev->body_len < 4 + (size_t)n * 16)
		return -1;
	for (uint32_t j = 0; j < n; j++) {
		const uint8_t *e = ev->body + 4 + (size_t)j * 16;
		if (le32(e) == domain && le32(e + 4) == server) {
			*seq = le64(e + 8);
			return 1;
		}
	}
	return 0;
}

struct bl_table *bl_find_table(struct bl_decoder *d, uint64_t id)
{
	for (size_t i = d->ntables; i-- > 0;)
		if (d->tables[i]->id == id)
			return d->tables[i];
	return NULL;
}

#define MAX_TABLES 65536

int bl_put_table(struct bl_decoder *d, struct bl_table *t, struct mc_err *err)
{
	for (size_t i = 0; i < d->ntables; i++)
		if (d->tables[i]->id == t->id) {
			bl_table_free(d->tables[i]);
			d->tables[i] = t;
			return 0;
		}
	if (d->ntables >= MAX_TABLES) {
		/* Drop the oldest map: servers reuse few ids at a time. */
		bl_table_free(d->tables[0]);
		memmove(d->tables, d->tables + 1, (d->ntables - 1) * sizeof *d->tables);
		d->ntables--;
	}
	if (mc_push(&d->tables, &d->ntables, &d->ctables, sizeof *d->tables) < 0)
		return mc_oom(err, "table map");
	d->tables[d->ntables - 1] = t;
	return 0;
}

uint32_t bl_event_len(const uint8_t *p, size_t n)
{
	return n < BL_HEADER_LEN ? 0 : le32(p + 9);
}

const char *bl_type_name(uint8_t t)
{
	switch (t) {
	case BL_START_V3: return "START_V3";
	case BL_QUERY: return "QUERY";
	case BL_STOP: return "STOP";
	case BL_ROTATE: return "ROTATE";
	case BL_INTVAR: return "INTVAR";
	case BL_RAND: return "RAND";
	case BL_USER_VAR: return "USER_VAR";
	case BL_FDE: return "FORMAT_DESCRIPTION";
	case BL_XID: return "XID";
	case BL_TABLE_MAP: return "TABLE_MAP";
	case BL_PRE_GA_WRITE_ROWS: return "PRE_GA_WRITE_ROWS";
	case BL_PRE_GA_UPDATE_ROWS: return "PRE_GA_UPDATE_ROWS";
	case BL_PRE_GA_DELETE_ROWS: return "PRE_GA_DELETE_ROWS";
	case BL_WRITE_ROWS_V1: return "WRITE_ROWS_V1";
	case BL_UPDATE_ROWS_V1: return "UPDATE_ROWS_V1";
	case BL_DELETE_ROWS_V1: return "DELETE_ROWS_V1";
	case BL_INCIDENT: return "INCIDENT";
	case BL_HEARTBEAT: return "HEARTBEAT";
	case BL_IGNORABLE: return "IGNORABLE";
	case BL_ROWS_QUERY: return "ROWS_QUERY";
	case BL_WRITE_ROWS: return "WRITE_ROWS";
	case BL_UPDATE_ROWS: return "UPDATE_ROWS";
	case BL_DELETE_ROWS: return "DELETE_ROWS";
	case BL_GTID: return "GTID";
	case BL_ANONYMOUS_GTID: return "ANONYMOUS_GTID";
	case BL_PREVIOUS_GTIDS: return "PREVIOUS_GTIDS";
	case BL_TRANSACTION_CONTEXT: return "TRANSACTION_CONTEXT";
	case BL_VIEW_CHANGE: return "VIEW_CHANGE";
	case BL_XA_PREPARE: return "XA_PREPARE";
	case BL_PARTIAL_UPDATE_ROWS: return "PARTIAL_UPDATE_ROWS";
	case BL_TRANSACTION_PAYLOAD: return "TRANSACTION_PAYLOAD";
	case BL_HEARTBEAT_V2: return "HEARTBEAT_V2";
	case BL_GTID_TAGGED: return "GTID_TAGGED";
	case BL_MARIA_ANNOTATE_ROWS: return "ANNOTATE_ROWS";
	case BL_MARIA_BINLOG_CHECKPOINT: return "BINLOG_CHECKPOINT";
	case BL_MARIA_GTID: return "MARIADB_GTID";
	case BL_MARIA_GTID_LIST: return "GTID_LIST";
	case BL_MARIA_START_ENCRYPTION: return "START_ENCRYPTION";
	case BL_MARIA_QUERY_COMPRESSED: return "QUERY_COMPRESSED";
	case BL_MARIA_WRITE_ROWS_COMPRESSED_V1: return "WRITE_ROWS_COMPRESSED_V1";
	case BL_MARIA_UPDATE_ROWS_COMPRESSED_V1: return "UPDATE_ROWS_COMPRESSED_V1";
	case BL_MARIA_DELETE_ROWS_COMPRESSED_V1: return "DELETE_ROWS_COMPRESSED_V1";
	case BL_MARIA_WRITE_ROWS_COMPRESSED: return "WRITE_ROWS_COMPRESSED";
	case BL_MARIA_UPDATE_ROWS_COMPRESSED: return "UPDATE_ROWS_COMPRESSED";
	case BL_MARIA_DELETE_ROWS_COMPRESSED: return "DELETE_ROWS_COMPRESSED";
	}
	return "unknown";
}

/* Format description ------------------------------------------------ */

static unsigned version_number(const char *v)
{
	unsigned part[3] = { 0, 0, 0 };
	int i = 0;
	for (const char *s = v; *s && i < 3; s++) {
		if (*s >= '0' && *s <= '9') {
			if (part[i] < 1000)
				part[i] = part[i] * 10 + (unsigned)(*s - '0');
		} else if (*s == '.') {
			i++;
		} else {
			break;
		}
	}
	return part[0] * 10000 + part[1] * 100 + part[2];
}

static int decode_fde(struct bl_decoder *d, struct bl_event *ev, const uint8_t *p, size_t n,
		      struct mc_err *err)
{
	struct bl_fde f;
	const uint8_t *b = ev->body;
	size_t blen = n - BL_HEADER_LEN, npost;
	unsigned ver;
	int aware;

	if (blen < 2 + 50 + 4 + 1)
		return EBAD("format description: %zu bytes is too short", blen);
	memset(&f, 0, sizeof f);
	f.binlog_version = le16(b);
	if (f.binlog_version != 4)
		return EBAD("binlog version %u is not supported (only v4, MySQL 5.0 and later)",
			    f.binlog_version);
	memcpy(f.server_version, b + 2, 50);
	f.server_version[50] = 0;
	f.mariadb = strstr(f.server_version, "MariaDB") != NULL;
	f.header_len = b[56];
	if (f.header_len < BL_HEADER_LEN)
		return EBAD("format description: header length %u", f.header_len);
	ver = f.version = version_number(f.server_version);
	aware = f.mariadb || ver >= 100000 ? ver >= 50300 : ver >= 50601;
	npost = blen - 57;
	if (aware) {
		if (npost < 5)
			return EBAD("format description: no checksum algorithm");
		npost -= 5;
		uint8_t alg = p[n - 5];
		if (alg == 1)
			f.checksum = 1;
		else if (alg != 0)
			return EBAD("checksum algorithm %u is not supported", alg);
		if (f.checksum && d->verify_checksum) {
			/* computed with LOG_EVENT_BINLOG_IN_USE_F (0x1) clear */
			uint8_t fl = p[17] & (uint8_t)~1u;
			uint32_t want = le32(p + n - 4);
			uint32_t got = bl_crc32(0, p, 17);
			got = bl_crc32(got, &fl, 1);
			got = bl_crc32(got, p + 18, n - 4 - 18);
			if (want != got)
				return EBAD("checksum mismatch (0x%08x, computed 0x%08x)", want, got);
		}
	}
	if (npost > 255)
		npost = 255;
	memcpy(f.post + 1, b + 57, npost);
	d->fde = f;
	d->have_fde = 1;
	ev->body_len = blen - (aware ? 5 : 0);
	return 0;
}
int bl_maria_uncompress(struct bl_decoder *d, const uint8_t *p, size_t n, struct mc_err *err)
{
	unsigned lenlen;
	uint64_t ulen = 0;
	uLongf dlen;
	int rc;
	if (n < 1 || (p[0] & 0xe0) != 0x80)
		return EBAD("compressed event: bad header byte");
	lenlen = p[0] & 7;
	if (lenlen < 1 || lenlen > 4 || n < 1 + lenlen)
		return EBAD("compressed event: bad length");
	for (unsigned i = 0; i < lenlen; i++)
		ulen = ulen << 8 | p[1 + i];
	if (ulen > BL_MAX_EVENT)
		return EBAD("compressed event: %llu bytes uncompressed", (unsigned long long)ulen);
	d->zbuf.len = 0;
	if (buf_grow(&d->zbuf, ulen + 1) < 0)
		return mc_oom(err, "uncompressing");
	dlen = (uLongf)ulen;
	rc = uncompress((Bytef *)d->zbuf.p, &dlen, p + 1 + lenlen, (uLong)(n - 1 - lenlen));
	if (rc != Z_OK || dlen != ulen)
		return EBAD("compressed event: zlib error %d", rc);
	d->zbuf.len = ulen;
	return 0;
}

/* The sql_mode and the client charset among a query's status variables
 * (log_event.h Q_*): walked up to the first code not known. */
static void query_charset(struct bl_event *ev, const uint8_t *p, const uint8_t *end)
{
	static const signed char fixed[] = {
		[0] = 4, [1] = 8, [3] = 4, [4] = 6, [7] = 2, [8] = 2, [9] = 8, [10] = 4,
		[13] = 3, [15] = 1, [16] = 1, [17] = 8, [18] = 2, [19] = 1, [20] = 1,
	};
	while (p < end) {
		uint8_t code = *p++;
		size_t k;
		if (code == 1 && end - p >= 8) {
			ev->sql_mode = 0;
			for (int b = 7; b >= 0; b--)
				ev->sql_mode = ev->sql_mode << 8 | p[b];
			ev->has_sql_mode = 1;
		}
		if (code == 4 && end - p >= 6) {
			ev->charset_client = (uint16_t)(p[0] | p[1] << 8);
			ev->has_charset = 1;
			return;
		}
		if (code < sizeof fixed && fixed[code] > 0) {
			k = (size_t)fixed[code];
		} else if (code == 2 && p < end) { /* catalog, with its NUL */
			k = 1 + (size_t)p[0] + 1;
		} else if ((code == 5 || code == 6) && p < end) { /* time zone, catalog */
			k = 1 + (size_t)p[0];
		} else if (code == 11 && p < end) { /* invoker: user, host */
			k = 1 + (size_t)p[0];
			if ((size_t)(end - p) <= k)
				return;
			k += 1 + (size_t)p[k];
		} else if (code == 12 && p < end) { /* updated databases */
			unsigned cnt = p[0];
			k = 1;
			if (cnt != 254)
				for (unsigned i = 0; i < cnt; i++) {
					while (p + k < end && p[k])
						k++;
					k++;
				}
		} else if (code == 128) { /* MariaDB Q_HRNOW */
			k = 3;
		} else if (code == 129) { /* MariaDB Q_XID */
			k = 8;
		} else {
			return;
		}
		if ((size_t)(end - p) < k)
			return;
		p += k;
	}
}

static int decode_query(struct bl_decoder *d, struct bl_event *ev, struct mc_err *err)
{
	struct cur c = { ev->body, ev->body + ev->body_len };
	uint8_t post = d->fde.post[ev->type];
	uint8_t dblen;
	uint16_t svlen = 0;
	if (post < 11)
		post = 13;
	if (need(&c, post, "query header", err) < 0)
		return -1;
	dblen = c.p[8];
	ev->error_code = le16(c.p + 9);
	if (post >= 13)
		svlen = le16(c.p + 11);
	c.p += post;
	if (need(&c, (size_t)svlen + dblen + 1, "query status and database", err) < 0)
		return -1;
	ev->has_charset = 0;
	ev->charset_client = 0;
	ev->has_sql_mode = 0;
	ev->sql_mode = 0;
	query_charset(ev, c.p, c.p + svlen);
	c.p += svlen;
	ev->db = mc_str_c((const char *)c.p, dblen);
	c.p += dblen + 1;
	if (ev->type == BL_MARIA_QUERY_COMPRESSED) {
		if (bl_maria_uncompress(d, c.p, (size_t)(c.end - c.p), err) < 0)
			return -1;
		ev->sql = mc_str_c(d->zbuf.p, d->zbuf.len);
	} else {
		ev->sql = mc_str_c((const char *)c.p, (size_t)(c.end - c.p));
	}
	return 0;
}

static void uuid_text(const uint8_t *u, char *out)
{
	static const char hx[] = "0123456789abcdef";
	int k = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hx[u[i] >> 4];
		out[k++] = hx[u[i] & 15];
	}
	out[k] = 0;
}

/* MySQL serialization library: variable-length unsigned integer. */
static int varlen(struct cur *c, uint64_t *v, struct mc_err *err)
{
	uint8_t b;
	unsigned nb = 1;
	uint64_t raw = 0;
	if (need(c, 1, "GTID field", err) < 0)
		return -1;
	b = c->p[0];
	while (nb <= 8 && (b >> (nb - 1)) & 1)
		nb++;
	if (nb == 9) {
		if (need(c, 9, "GTID field", err) < 0)
			return -1;
		*v = le64(c->p + 1);
		c->p += 9;
		return 0;
	}
	if (need(c, nb, "GTID field", err) < 0)
		return -1;
	for (unsigned i = 0; i < nb; i++)
		raw |= (uint64_t)c->p[i] << (8 * i);
	c->p += nb;
	*v = raw >> nb;
	return 0;
}

static int decode_gtid_tagged(struct bl_event *ev, struct mc_err *err)
{
	struct cur c = { ev->body, ev->body + ev->body_len };
	uint64_t psize, lnif, fid, v;
	uint8_t sid[16] = { 0 };
	char tag[33] = "", u[40];
	uint64_t gno = 0;
	if (need(&c, 1, "GTID_TAGGED", err) < 0)
		return -1;
	c.p++; /* serialization format version */
	if (varlen(&c, &psize, err) < 0 || varlen(&c, &lnif, err) < 0)
		return -1;
	while (c.p < c.end) {
		if (varlen(&c, &fid, err) < 0)
			return -1;
		switch (fid) {
		case 1:
			for (int i = 0; i < 16; i++) {
				if (varlen(&c, &v, err) < 0)
					return -1;
				sid[i] = (uint8_t)v;
			}
			break;
		case 2:
			if (varlen(&c, &v, err) < 0)
				return -1;
			gno = (v & 1) ? 0 : v >> 1;
			break;
		case 3:
			if (varlen(&c, &v, err) < 0)
				return -1;
			if (v > 32 || need(&c, v, "GTID tag", err) < 0)
				return EBAD("GTID_TAGGED: bad tag");
			memcpy(tag, c.p, v);
			tag[v] = 0;
			c.p += v;
			break;
		case 0: case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11:
			if (varlen(&c, &v, err) < 0)
				return -1;
			break;
		default:
			c.p = c.end; /* a newer field: the ones we need came first */
			break;
		}
	}
	uuid_text(sid, u);
	if (tag[0])
		snprintf(ev->gtid, sizeof ev->gtid, "%s:%s:%llu", u, tag, (unsigned long long)gno);
	else
		snprintf(ev->gtid, sizeof ev->gtid, "%s:%llu", u, (unsigned long long)gno);
	return 0;
}

static int decode_payload(struct bl_decoder *d, struct bl_event *ev, struct mc_err *err)
{
	/* The post-header length in the FDE is not used: fields start at once. */
	struct cur c = { ev->body, ev->body + ev->body_len };
	uint64_t size = 0, ctype = 0, usize = 0;
	int have_size = 0;
	if (c.p > c.end)
		return EBAD("transaction payload: short");
	for (;;) {
		uint64_t ft, len, v;
		if (lenenc(&c, &ft, "payload header", err) < 0)
			return -1;
		if (ft == 0)
			break;
		if (lenenc_bounded(&c, &len, "payload header", err) < 0)
			return -1;
		if (ft <= 3) {
			struct cur f = { c.p, c.p + len };
			if (lenenc(&f, &v, "payload header", err) < 0)
				return -1;
			if (ft == 1) {
				size = v;
				have_size = 1;
			} else if (ft == 2) {
				ctype = v;
			} else {
				usize = v;
			}
		}
		c.p += len;
	}
	if (!have_size || size > (uint64_t)(c.end - c.p))
		return EBAD("transaction payload: size %llu, %zu bytes left",
			    (unsigned long long)size, (size_t)(c.end - c.p));
	if (ctype == 255) {
		ev->payload = c.p;
		ev->payload_len = size;
		return 0;
	}
	if (ctype != 0)
		return EBAD("transaction payload: compression type %llu is not supported",
			    (unsigned long long)ctype);
	if (usize > BL_MAX_EVENT)
		return EBAD("transaction payload: %llu bytes uncompressed", (unsigned long long)usize);
	if (!d->zstd && !(d->zstd = ZSTD_createDCtx()))
		return mc_oom(err, "zstd");
	ZSTD_DCtx_reset(d->zstd, ZSTD_reset_session_only);
	d->pbuf.len = 0;
	{
		ZSTD_inBuffer in = { c.p, size, 0 };
		size_t rc;
		do {
			ZSTD_outBuffer out;
			if (d->pbuf.len > BL_MAX_EVENT)
				return EBAD("transaction payload: more than %u bytes uncompressed",
					    BL_MAX_EVENT);
			if (buf_grow(&d->pbuf, usize > d->pbuf.len ? usize - d->pbuf.len + 1 : 65536) < 0)
				return mc_oom(err, "transaction payload");
			out.dst = d->pbuf.p + d->pbuf.len;
			out.size = d->pbuf.cap - d->pbuf.len;
			out.pos = 0;
			rc = ZSTD_decompressStream(d->zstd, &out, &in);
			if (ZSTD_isError(rc))
				return EBAD("transaction payload: zstd: %s", ZSTD_getErrorName(rc));
			d->pbuf.len += out.pos;
			if (rc != 0 && in.pos == in.size && out.pos < out.size)
				return EBAD("transaction payload: truncated zstd frame");
		} while (rc != 0 || in.pos < in.size);
	}
	ev->payload = (const uint8_t *)d->pbuf.p;
	ev->payload_len = d->pbuf.len;
	return 0;
}


int bl_check(struct bl_decoder *d, const uint8_t *p, size_t n, uint16_t *rows_flags,
	     struct mc_err *err)
{
	return bl_check_as(d, p, n, 0, rows_flags, err);
}

int bl_check_as(struct bl_decoder *d, const uint8_t *p, size_t n, unsigned as,
		uint16_t *rows_flags, struct mc_err *err)
{
	int op, v2, compressed;
	uint8_t type;
	size_t body;
	if (n < BL_HEADER_LEN)
		return EBAD("event of %zu bytes is shorter than its header", n);
	if (le32(p + 9) != n)
		return EBAD("event length %u, %zu bytes given", le32(p + 9), n);
	type = p[4];
	if (type == BL_FDE)
		return -2;
	body = n - BL_HEADER_LEN;
	if (d->fde.checksum && !(as & BL_AS_INNER)) {
		if (body < 4)
			return EBAD("event too short for its checksum");
		body -= 4;
		if (d->verify_checksum && !(as & BL_AS_CHECKED)) {
			/* the stored checksum read after the bytes before it:
			 * the end of the event is in the cache then */
			uint32_t got = bl_crc32(0, p, n - 4), want = le32(p + n - 4);
			if (want != got)
				return EBAD("%s event: checksum mismatch (0x%08x, computed 0x%08x)",
					    bl_type_name(type), want, got);
		}
	}
	*rows_flags = 0;
	if (bl_rows_type(type, &op, &v2, &compressed)) {
		uint8_t post = d->fde.post[type];
		if (post == 0)
			post = v2 ? 10 : 8;
		if ((post != 6 && post != 8 && post != 10) || body < post)
			return EBAD("rows event: post-header length %u", post);
		*rows_flags = le16(p + BL_HEADER_LEN + (post == 6 ? 4 : 6));
	}
	return type;
}

int bl_decode(struct bl_decoder *d, const uint8_t *p, size_t n, struct bl_event *ev,
	      struct mc_err *err)
{
	return bl_decode_as(d, p, n, 0, ev, err);
}

/* The two-phase ALTER flags of a MariaDB GTID event body b (n bytes): its
 * flags_extra byte follows seq, domain, flags2, a commit id
 * (FL_GROUP_COMMIT_ID 2) and an XA xid (FL_PREPARED_XA 64, FL_COMPLETED_XA
 * 128); FL_START_ALTER_E1 2, FL_COMMIT_ALTER_E1 4, FL_ROLLBACK_ALTER_E1 8
 * (MariaDB's log_event.h). BL_ALTER_*, or 0. */
static int maria_gtid_alter(const uint8_t *b, size_t n)
{
	size_t at = 13;
	uint8_t f2 = b[12], fx;
	if (f2 & 2)
		at += 8;
	if (f2 & (64 | 128)) {
		if (at + 6 > n)
			return 0;
		at += 6 + (size_t)b[at + 4] + b[at + 5];
	}
	if (at >= n)
		return 0;
	fx = b[at];
	return fx & 4 ? BL_ALTER_COMMIT : fx & 8 ? BL_ALTER_ROLLBACK : fx & 2 ? BL_ALTER_START : 0;
}

int bl_decode_as(struct bl_decoder *d, const uint8_t *p, size_t n, unsigned as,
		 struct bl_event *ev, struct mc_err *err)
{
	int op, v2, compressed;
	/* Field by field: a memset of the whole struct (rep stos) was a tenth
	 * of the decoding time. */
	ev->db = ev->sql = ev->rotate_name = mc_str_c(NULL, 0);
	ev->error_code = 0;
	ev->rotate_pos = ev->xid = ev->table_id = 0;
	ev->gtid[0] = 0;
	ev->gtid_standalone = ev->rows_op = ev->partial = ev->gtid_alter = 0;
	ev->table = NULL;
	ev->rows_flags = 0;
	ev->rows_ncols = 0;
	ev->present_before = ev->present_after = ev->rows = ev->rows_end = ev->rows_cur = NULL;
	ev->payload = NULL;
	ev->payload_len = 0;
	if (n < BL_HEADER_LEN)
		return EBAD("event of %zu bytes is shorter than its header", n);
	ev->when = le32(p);
	ev->type = p[4];
	ev->server_id = le32(p + 5);
	ev->size = le32(p + 9);
	ev->log_pos = le32(p + 13);
	ev->flags = le16(p + 17);
	if (ev->size != n)
		return EBAD("event length %u, %zu bytes given", ev->size, n);
	ev->body = p + BL_HEADER_LEN;
	ev->body_len = n - BL_HEADER_LEN;
	if (ev->type == BL_FDE)
		return decode_fde(d, ev, p, n, err);
	if (d->fde.checksum && !(as & BL_AS_INNER)) {
		if (ev->body_len < 4)
			return EBAD("event too short for its checksum");
		ev->body_len -= 4;
		if (d->verify_checksum && !(as & BL_AS_CHECKED)) {
			uint32_t got = bl_crc32(0, p, n - 4); /* as bl_check_as */
			uint32_t want = le32(p + n - 4);
			if (want != got)
				return EBAD("%s event: checksum mismatch (0x%08x, computed 0x%08x)",
					    bl_type_name(ev->type), want, got);
		}
	}
	if (bl_rows_type(ev->type, &op, &v2, &compressed))
		return bl_decode_rows(d, ev, op, v2, compressed, err);
	switch (ev->type) {
	case BL_QUERY:
	case BL_MARIA_QUERY_COMPRESSED:
		return decode_query(d, ev, err);
	case BL_ROTATE: {
		uint8_t post = d->fde.post[BL_ROTATE];
		if (ev->body_len < post)
			return EBAD("rotate event too short");
		if (post >= 8)
			ev->rotate_pos = le64(ev->body);
		ev->rotate_name = mc_str_c((const char *)ev->body + post, ev->body_len - post);
		return 0;
	}
	case BL_XID:
		if (ev->body_len < 8)
			return EBAD("XID event too short");
		ev->xid = le64(ev->body);
		return 0;
	case BL_TABLE_MAP:
		return bl_decode_table_map(d, ev, err);
	case BL_GTID:
	case BL_ANONYMOUS_GTID: {
		char u[40];
		if (ev->body_len < 25)
			return EBAD("GTID event too short");
		if (ev->type == BL_GTID) {
			uuid_text(ev->body + 1, u);
			snprintf(ev->gtid, sizeof ev->gtid, "%s:%lld", u,
				 (long long)le64(ev->body + 17));
		}
		return 0;
	}
	case BL_GTID_TAGGED:
		return decode_gtid_tagged(ev, err);
	case BL_MARIA_GTID: {
		uint64_t seq;
		uint32_t domain;
		if (ev->body_len < 13)
			return EBAD("MariaDB GTID event too short");
		seq = le64(ev->body);
		domain = le32(ev->body + 8);
		ev->gtid_standalone = ev->body[12] & 1;
		ev->gtid_alter = maria_gtid_alter(ev->body, ev->body_len);
		ev->gtid_domain = domain;
		ev->gtid_seq = seq;
		{ /* "%u-%u-%llu", without printf: one a transaction */
			char *o = bl_dec_u64(ev->gtid, domain);
			*o++ = '-';
			o = bl_dec_u64(o, ev->server_id);
			*o++ = '-';
			*bl_dec_u64(o, seq) = 0;
		}
		return 0;
	}
	case BL_TRANSACTION_PAYLOAD:
		return decode_payload(d, ev, err);
	case BL_PRE_GA_WRITE_ROWS:
	case BL_PRE_GA_UPDATE_ROWS:
	case BL_PRE_GA_DELETE_ROWS:
		return EBAD("%s event (MySQL 5.1 pre-GA rows format) is not supported",
			    bl_type_name(ev->type));
	case BL_MARIA_START_ENCRYPTION:
		return EBAD("encrypted binlog: not supported");
	}
	return 0;
}
