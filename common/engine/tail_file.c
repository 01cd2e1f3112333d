/* tail_file.c: mc-binlog-tail's binlog files (tail_int.h): the list of
 * inputs (FILEs and --index, ordered by their sequence numbers), --from,
 * the stop conditions, and each file's events. */
#include "engine/tail_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/num.h"
#include "base/zio.h"
#include "stream/ckpt.h"
#include "stream/ledger.h"

struct input {
	const char *name;
	uint64_t seq;
	int has_seq;
	size_t argi;
};

/* A ROTATE event: the next binlog's number, from the digits after the
 * name's last dot (read_file checks that the next FILE is that one). */
void tail_rotate_note(struct tail *T, const struct bl_event *ev)
{
	const char *nm = ev->rotate_name.p, *dot = NULL;
	uint64_t seq = 0;
	int ok = 0;
	for (size_t i = 0; i < ev->rotate_name.n; i++)
		if (nm[i] == '.')
			dot = nm + i;
	if (dot && dot + 1 < nm + ev->rotate_name.n) {
		ok = 1;
		for (const char *c = dot + 1; c < nm + ev->rotate_name.n && ok; c++)
			if (*c < '0' || *c > '9' || seq > (UINT64_MAX - 9) / 10)
				ok = 0;
			else
				seq = seq * 10 + (uint64_t)(*c - '0');
	}
	T->rot_ok = ok;
	T->rot_next = seq;
	T->rot_server = ev->server_id;
}

/* The sequence number of a binlog name: the digits after its last dot
 * (mysql-bin.000042, mysql-bin.000042.zst). */
static void file_seq(struct input *in)
{
	const char *b = strrchr(in->name, '/');
	const char *dot;
	b = b ? b + 1 : in->name;
	dot = strrchr(b, '.');
	in->has_seq = dot && dot[1] && num_u64(dot + 1, &in->seq) == 0;
	if (!in->has_seq && dot && dot > b && strcmp(dot, ".zst") == 0) {
		const char *d2 = dot - 1;
		while (d2 > b && *d2 != '.')
			d2--;
		if (*d2 == '.' && num_u64n(d2 + 1, (size_t)(dot - d2 - 1), &in->seq) == 0)
			in->has_seq = 1;
	}
	if (!in->has_seq)
		in->seq = 0;
}

static int input_cmp(const void *a, const void *b)
{
	const struct input *x = a, *y = b;
	if (x->has_seq && y->has_seq && x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->argi < y->argi ? -1 : x->argi > y->argi;
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/* A binlog index file: one binlog name a line; relative names are relative
 * to the index file's folder. */
static int read_index(const char *path, char ***names, size_t *n, size_t *cap,
		      struct mc_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	int rc = 0;
	if (!f)
		return mc_errf(err, MC_EXIT_USAGE, "'%s': %s", path, strerror(errno));
	while ((len = getline(&line, &lcap, f)) >= 0) {
		char *name;
		const char *l = line;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len == 0)
			continue;
		if (l[0] == '.' && l[1] == '/')
			l += 2;
		if (l[0] == '/' || dirlen == 0) {
			name = mc_strdup(l);
		} else {
			size_t ln = strlen(l);
			name = malloc(dirlen + ln + 1);
			if (name) {
				memcpy(name, path, dirlen);
				memcpy(name + dirlen, l, ln + 1);
			}
		}
		if (!name || mc_push(names, n, cap, sizeof **names) < 0) {
			free(name);
			rc = mc_oom(err, "--index");
			break;
		}
		(*names)[*n - 1] = name;
	}
	if (rc == 0 && ferror(f))
		rc = mc_errf(err, MC_EXIT_USAGE, "'%s': read error", path);
	free(line);
	fclose(f);
	return rc;
}

/* Is the event p (at start) at or after a stop condition? */
static int at_stop(const struct tail_opts *o, const uint8_t *p, uint64_t start, int last)
{
	if (o->have_stop_pos && last && start >= o->stop_pos)
		return 1;
	return o->have_stop_time && p[4] != BL_FDE &&
	       (int64_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24) >= o->stop_time &&
	       (p[0] | p[1] | p[2] | p[3]);
}

/* The events of one file, from bl_file_next: 0 at its end, 2 when a stop
 * condition ended the input, -1 on error (err complete). */
struct file_loop {
	const struct input *in;
	uint64_t from;
	int last;           /* the last file */
	int last_type;      /* the type of the last event read, -1: none */
	uint64_t last_start;
	uint64_t start;     /* the event being read */
};

/* Does the statement text s (n bytes) begin with the word w? */
static int sql_word(const struct mc_str *s, const char *w)
{
	size_t k = strlen(w);
	return s->n >= k && strncasecmp(s->p, w, k) == 0 &&
	       (s->n == k || s->p[k] == ' ' || s->p[k] == ';' || s->p[k] == '\t' ||
		s->p[k] == '\n');
}

/* An event before --from: where the transaction open after it began (0:
 * none open), from open (the same before it). A transaction begins at a
 * MariaDB GTID that is not standalone, a BEGIN or an XA START, and ends at
 * an XID, an XA_PREPARE, a COMMIT or a ROLLBACK. */
static int open_txn(struct tail *T, const uint8_t *p, size_t n, uint64_t start,
		    uint64_t *open, struct mc_err *err)
{
	struct bl_event ev;
	if (p[4] == BL_XID) {
		*open = 0;
		return 0;
	}
	if (p[4] != BL_MARIA_GTID && p[4] != BL_QUERY && p[4] != BL_XA_PREPARE)
		return 0;
	if (bl_decode(&T->d, p, n, &ev, err) < 0)
		return -1;
	if (p[4] != BL_MARIA_GTID && tail_xa_before(T, &ev, *open, start, err) < 0)
		return -1;
	if (p[4] == BL_XA_PREPARE) {
		*open = 0;
		return 0;
	}
	if (p[4] == BL_MARIA_GTID)
		*open = ev.gtid_standalone ? 0 : start;
	else if (sql_word(&ev.sql, "BEGIN") || sql_word(&ev.sql, "XA START"))
		*open = start;
	else if (sql_word(&ev.sql, "COMMIT") || sql_word(&ev.sql, "XA COMMIT") ||
		 (sql_word(&ev.sql, "ROLLBACK") && !sql_word(&ev.sql, "ROLLBACK TO")) ||
		 sql_word(&ev.sql, "XA ROLLBACK"))
		*open = 0;
	return 0;
}

/* The next event of f (bl_file_next). The open transaction's table maps
 * and rows are held by reference (T->hold_ref): f keeps them in its buffer
 * and the references follow them when it moves them. */
static int next_event(struct tail *T, struct bl_file *f, const uint8_t **p, size_t *n,
		      uint64_t *start, struct mc_err *err)
{
	uintptr_t was;
	int rc;
	if (!T->txn.refs) {
		f->keep = UINT64_MAX;
		return bl_file_next(f, p, n, start, err);
	}
	f->keep = f->base + (uint64_t)(T->txn.first_ref - (const uint8_t *)f->buf.p);
	was = (uintptr_t)f->buf.p - (uintptr_t)f->base;
	rc = bl_file_next(f, p, n, start, err);
	txn_moved(&T->txn, (uintptr_t)f->buf.p - (uintptr_t)f->base - was);
	return rc;
}

static int events(struct tail *T, struct bl_file *f, struct file_loop *L, struct mc_err *err)
{
	const uint8_t *p;
	size_t n;
	uint64_t start, from = L->from, open = 0;
	int rc;
	while ((rc = next_event(T, f, &p, &n, &start, err)) == 1) {
		uint64_t off = start + n;
		L->start = start;
		if (T->ck_ident && tail_file_ident(T, p, n, start, err) < 0)
			return -1; /* resume's binlog: the checkpoint's file? */
		if (from > 4 && start < from) {
			/* Before the start position: the format, and whether a
			 * transaction is open at it; from a checkpoint, the
			 * binlog state there. */
			if (T->resume_ck && tail_resume_note(T, p, n, start, err) < 0)
				return -1;
			if (T->resume_ck && off > from)
				return tail_resume_check(T, from, start, off, 1, err);
			if (p[4] == BL_FDE) {
				struct bl_event ev;
				if (bl_decode(&T->d, p, n, &ev, err) < 0)
					return tail_data_error(T, start, err);
				tail_note_fde(T, &ev);
			}
			if (off > from) {
				mc_errf(err, MC_EXIT_USAGE,
					"--from position %" PRIu64 " is inside an event", from);
				return tail_data_error(T, start, err);
			} else if (p[4] != BL_FDE && open_txn(T, p, n, start, &open, err) < 0) {
				return tail_data_error(T, start, err);
			}
			continue;
		}
		if (open) {
			mc_errf(err, MC_EXIT_USAGE,
				"--from position %" PRIu64 " is inside the transaction that began at "
				"offset %" PRIu64 " (its events before the position would be lost): "
				"give a position where a transaction begins or ends (e.g. %" PRIu64 ")",
				from, open, open);
			return tail_data_error(T, start, err);
		}
		if (T->resume_ck && tail_resume_check(T, from, start, 0, 0, err) < 0)
			return -1;
		from = 0;
		if (at_stop(T->o, p, start, L->last))
			return 2;
		L->last_type = p[4];
		L->last_start = start;
		if (tail_event(T, p, n, start, off, 0, err) < 0)
			return -1;
		if (!T->in_txn && txn_empty(&T->txn))
			tail_note_done(T, L->in->seq, off,
				       (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
					       (uint32_t)p[3] << 24);
		if (n > (1u << 20))
			bl_trim(&T->d);
		if (f->buf.cap > (16u << 20) && !T->txn.refs)
			bl_file_trim(f); /* grown by a large event, or transaction */
	}
	if (rc < 0 && f->cut && !L->last && !T->resume_ck && !from) {
		/* the file ends inside an event and another FILE follows: a
		 * crash cut it there (the server wrote the next after its
		 * restart), or a copy was taken while it was written: as a file
		 * that ends inside a transaction (cut_end), from that event */
		*err = (struct mc_err){ 0 };
		if (T->gpend_set && (T->in_txn || !txn_empty(&T->txn) || T->gtid[0]))
			return 0; /* the next file's GTID list tells */
		mc_errf(err, MC_EXIT_DATA, "the file ends inside the event at offset %" PRIu64
			" (a crash, or a copy taken while it was written) and another FILE "
			"follows: that event's transaction would be lost; give the whole file",
			f->base + f->pos);
		return tail_data_error(T, f->base + f->pos, err);
	}
	if (rc < 0)
		return tail_data_error(T, UINT64_MAX, err);
	return 0;
}

/* A regular file cut short while it was read (a truncation, a copy over
 * it): the read ended before the size it had when opened, and it is now
 * smaller than that. 1 (err set, at the event being read) or 0. */
static int cut_short(struct tail *T, int fd, uint64_t opened, const struct file_loop *L,
		     struct mc_err *err)
{
	struct stat st;
	off_t at = lseek(fd, 0, SEEK_CUR);
	if (at < 0 || (uint64_t)at >= opened || fstat(fd, &st) < 0 ||
	    (uint64_t)st.st_size >= opened)
		return 0;
	mc_errf(err, MC_EXIT_DATA, "the file was cut short while it was read (it had %" PRIu64
		" bytes when opened)", opened);
	return tail_data_error(T, L->start, err), 1;
}

/* Does the regular file fd (its offset at 0) begin with zstd's magic? */
static int zstd_file(int fd)
{
	unsigned char m[4];
	return pread(fd, m, 4, 0) == 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0;
}

/* FILE in opened into f, as T's current file: read(2) into one buffer
 * (a mapping costs more on a VM whose page faults trap to the hypervisor:
 * docs/mc-binlog-tail.md), straight into the reader's buffer for a
 * regular file, else through z (zstd is recognised by its magic). Its fd
 * (0: standard input) and *size, a regular file's size (else 0); -1 with
 * err. */
static int open_input(struct tail *T, const struct input *in, struct zin *z, struct bl_file *f,
		      uint64_t *size, struct mc_err *err)
{
	struct stat st;
	int fd;
	T->fname = in->name;
	T->fileseq = in->seq;
	fd = strcmp(in->name, "-") == 0 ? 0 : open(in->name, O_RDONLY);
	if (fd < 0)
		return mc_errf(err, MC_EXIT_DATA, "'%s': %s", in->name, strerror(errno));
	zin_init(z, fd);
	*size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (*size && fd != 0 && !zstd_file(fd))
		bl_file_init(f, fd, 0);
	else
		bl_file_init_zin(f, z);
	return fd;
}

/* A relay log: the replica's IO thread rotates it at any event, so a
 * transaction of the source may go on in the next file. A file closed by
 * a ROTATE of another server_id than the open MariaDB transaction's (a
 * server never rotates its own binlog inside a transaction) and followed
 * by the next FILE: the transaction is carried into it (its events copied
 * out of this file's buffer), T->carry set. 0, or -1 (out of memory). */
static int relay_carry(struct tail *T, const struct file_loop *L, int next, struct mc_err *err)
{
	int open = T->in_txn || !txn_empty(&T->txn);
	if (!open || !next || L->last_type != BL_ROTATE || !T->gpend_set ||
	    T->rot_server == T->gpend.server)
		return 0;
	if (txn_unref(&T->txn, err) < 0)
		return -1;
	if (T->nsp) { /* (their marks are of the buffer before the copy) */
		T->nsp = 0;
		T->sp_lost = "the transaction was carried into the next relay log after its SAVEPOINT";
	}
	T->carry = 1;
	return 0;
}

/* The end of a FILE that no ROTATE or STOP closed. A transaction still
 * open there is not written: a later run reads it whole when the file
 * grew. But when another FILE follows, the stream goes on past it: with a
 * MariaDB GTID the next file's GTID list tells whether it committed (lost:
 * exit 1) or the server crashed there (it never committed);
 * without one, exit 1. */
static int cut_end(struct tail *T, int next, struct mc_err *err)
{
	int open = T->in_txn || !txn_empty(&T->txn) || (T->gpend_set && T->gtid[0]);
	if (open && next && !T->gpend_set) {
		mc_errf(err, MC_EXIT_DATA, "the file ends inside the transaction that began at "
			"offset %" PRIu64 " (no COMMIT or XID) and another FILE follows: its changes "
			"would be lost (a copy of the binlog taken while the server wrote it?); give "
			"the whole file", T->txn_start);
		return tail_data_error(T, T->txn_start, err);
	}
	if (open && !next)
		T->gpend_set = 0; /* not counted: a later run reads it whole */
	tail_gtid_done(T, open, T->txn_start);
	return 0;
}

/* One file from byte `from`, followed by next (NULL: none): 1 when a stop
 * condition ended the input, 0 at its end, -1 on error. */
static int read_file(struct tail *T, const struct input *in, uint64_t from,
		     const struct input *next, struct mc_err *err)
{
	int last = next == NULL;
	struct zin z;
	struct bl_file f;
	struct file_loop L = { in, from, last, -1, 0, 0 };
	uint64_t opened;
	int fd, rc;

	if ((fd = open_input(T, in, &z, &f, &opened, err)) < 0)
		return -1;
	bl_forget_tables(&T->d);
	if (!T->carry)
		tail_rollback(T);
	T->carry = 0;
	T->rot_ok = 0;
	if (bl_file_magic(&f, err) < 0) {
		rc = tail_data_error(T, UINT64_MAX, err);
		goto out;
	}
	T->hold_ref = 1;
	rc = events(T, &f, &L, err);
	if (rc != 2 && opened && cut_short(T, fd, opened, &L, err))
		rc = -1;
	if (rc < 0)
		goto out;
	if (T->resume_ck && from > 4 && (rc == 0 || rc == 1) &&
	    tail_resume_check(T, from, f.base + f.pos, UINT64_MAX, f.base + f.pos < from,
			      err) < 0) {
		rc = -1;
		goto out;
	}
	if (rc == 1 && from > 4 && f.base + f.pos < from) {
		mc_errf(err, MC_EXIT_USAGE, "--from position %" PRIu64 " is beyond the end", from);
		rc = tail_data_error(T, UINT64_MAX, err);
		goto out;
	}
	/* A transaction never spans files: an incomplete one is not written,
	 * but its events are decoded, so that bad data in them is reported. */
	/* A file the server closed (its last event a ROTATE or STOP) holds
	 * no transaction still open: its end was lost. */
	if (rc == 0 && relay_carry(T, &L, next != NULL, err) < 0)
		rc = -1;
	if (rc == 0 && !T->carry && (L.last_type == BL_ROTATE || L.last_type == BL_STOP) &&
	    tail_unclosed(T, L.last_type == BL_ROTATE ? "ROTATE event that closes the file"
						     : "STOP event that closes the file",
			  L.last_start, err) < 0)
		rc = -1;
	if (rc == 0 && !T->carry && cut_end(T, next != NULL, err) < 0)
		rc = -1;
	if (rc == 0 && !T->carry && tail_dry_run(T, err) < 0)
		rc = -1;
	/* A file the server closed is followed by the one its ROTATE names (a
	 * STOP: the next number, the server's binlog after its restart), and
	 * the stream covers everything up to that file's start. */
	if (rc == 0 && in->has_seq && (L.last_type == BL_ROTATE || L.last_type == BL_STOP)) {
		uint64_t succ = L.last_type == BL_STOP || !T->rot_ok ? in->seq + 1 : T->rot_next;
		if (next && next->has_seq && next->seq != succ) {
			mc_errf(err, MC_EXIT_DATA, "its ROTATE event names binlog number %" PRIu64
				" as the next, but the next FILE is '%s' (number %" PRIu64 "): the "
				"binlogs between them are missing (their changes would be lost); give "
				"every binlog file from the first to the last", succ, next->name,
				next->seq);
			rc = tail_data_error(T, L.last_start, err);
			goto out;
		}
		if (!T->carry) /* (a transaction still open: not past its start) */
			tail_note_done(T, succ, 4, 0);
		T->done_final = last;
	}
	if (rc == 2)
		T->done_final = 1; /* a stop option: the event it stopped before */
out:
	/* the references into f's buffer go with it (a transaction never
	 * spans files) */
	T->hold_ref = 0;
	if (!T->carry)
		txn_discard(&T->txn);
	bl_file_free(&f);
	zin_close(&z);
	if (fd != 0)
		close(fd);
	if (rc < 0)
		return -1;
	if (!T->carry)
		tail_rollback(T);
	return rc == 2;
}

/* The binlog before resume's, whose ROTATE named it (the checkpoint's
 * resume_prev, tail_ident_note): its Format_description only, held to
 * that identity (tail_file_ident). 0, or -1 with err. */
static int prev_ident(struct tail *T, const struct input *in, struct mc_err *err)
{
	struct zin z;
	struct bl_file f;
	const uint8_t *p;
	size_t n;
	uint64_t start = 4, size;
	int fd, rc;
	if ((fd = open_input(T, in, &z, &f, &size, err)) < 0)
		return -1;
	if (bl_file_magic(&f, err) < 0 || (rc = bl_file_next(&f, &p, &n, &start, err)) < 0) {
		rc = tail_data_error(T, UINT64_MAX, err);
	} else if (rc == 0) {
		mc_errf(err, MC_EXIT_DATA, "no event, where the Format_description the "
			"checkpoint's resume_prev is held to begins a binlog");
		rc = tail_data_error(T, UINT64_MAX, err);
	} else if ((rc = tail_file_ident(T, p, n, start, err)) == 0 && T->ck_ident) {
		mc_errf(err, MC_EXIT_DATA, "its first event is not a Format_description (which "
			"the checkpoint's resume_prev is held to)");
		rc = tail_data_error(T, start, err);
	}
	bl_file_free(&f);
	zin_close(&z);
	if (fd != 0)
		close(fd);
	return rc < 0 ? -1 : 0;
}

/* FILEs with --checkpoint-in: the checkpoint's resume position, in the
 * FILE of its binlog number (the FILEs before it are not read: their
 * changes are committed); without the checkpoint file, or a resume
 * position in it, the first FILE's start (the sink drops again what it
 * committed, and refuses a gap). A first FILE after that binlog, or none
 * up to it, is refused: binlogs are missing, or nothing is left to read.
 * A resume at the start of a binlog no stream read (the checkpoint's
 * resume_prev) needs the FILE before it, held to that identity
 * (prev_ident). */
static int ckpt_start(struct tail *T, const struct input *in, size_t nin, size_t *first,
		      uint64_t *from, struct mc_err *err)
{
	const char *ck = T->o->ckpt_in, *v;
	char at[64];
	struct ckpt c;
	struct mc_pos rp;
	int rc = ckpt_read(ck, &c, err);
	if (rc <= 0)
		return rc;
	v = ckpt_get(&c, LEDGER_K_RESUME);
	rc = v && (pos_parse(v, &rp, err) < 0 || rp.off < 4);
	snprintf(at, sizeof at, "%s", v ? v : "");
	if (v)
		tail_gtid_floor(T, ckpt_get(&c, LEDGER_K_GTID));
	if (rc) {
		ckpt_free(&c);
		return mc_errf(err, MC_EXIT_DATA, "'%s': bad resume position '%s'", ck, at);
	}
	rc = tail_ident_note(T, ck, ckpt_get(&c, LEDGER_K_RESUME_EPOCH),
			     ckpt_get(&c, LEDGER_K_RESUME_PREV), ckpt_get(&c, LEDGER_K_SOURCE), v,
			     err);
	ckpt_free(&c);
	if (rc < 0)
		return -1;
	if (!v)
		return 0;
	for (size_t i = 0; i < nin; i++)
		if (in[i].has_seq && in[i].seq == rp.file) {
			*first = i;
			*from = rp.off;
			T->resume_ck = rp.off > 4; /* is it still that binlog? */
			if (T->ck_prev) {
				char why[64];
				if (i > 0 && in[i - 1].has_seq && in[i - 1].seq == T->ck_file)
					return prev_ident(T, &in[i - 1], err);
				snprintf(why, sizeof why, "no FILE is binlog number %" PRIu64,
					 T->ck_file);
				return tail_prev_missing(T, ck, why, err);
			}
			return 0;
		}
	if (in[0].has_seq && in[0].seq > rp.file)
		return mc_errf(err, MC_EXIT_DATA, "'%s': the first FILE '%s' (binlog number %" PRIu64
			       ") lies after the checkpoint's resume %s (binlog number %" PRIu64
			       "): the binlogs between are missing (their changes would be lost); "
			       "give the FILEs from that binlog on", ck, in[0].name, in[0].seq, at,
			       rp.file);
	return mc_errf(err, MC_EXIT_DATA, "'%s': no FILE is binlog number %" PRIu64 ", where the "
		       "checkpoint's resume %s lies (every FILE given lies before it: committed "
		       "already): give the FILEs from that binlog on", ck, rp.file, at);
}

int tail_files(struct tail *T, struct mc_err *err)
{
	const struct tail_opts *o = T->o;
	struct input *in = NULL;
	char **names = NULL;
	size_t nnames = 0, cnames = 0, nin = o->nfiles, first = 0;
	uint64_t from_pos = o->from_file ? o->from_pos : 0;
	int rc = 0;

	if (o->index_file && read_index(o->index_file, &names, &nnames, &cnames, err) < 0) {
		rc = -1;
		goto out;
	}
	if (nin + nnames == 0 && !o->from_file) {
		rc = TAIL_EUSAGE;
		mc_errf(err, MC_EXIT_USAGE, "no binlog FILE given");
		goto out;
	}
	if (!(in = calloc(nin + nnames ? nin + nnames : 1, sizeof *in))) {
		rc = mc_oom(err, "inputs");
		goto out;
	}
	for (size_t i = 0; i < nin + nnames; i++) {
		in[i].name = i < nin ? o->files[i] : names[i - nin];
		in[i].argi = i;
		file_seq(&in[i]);
	}
	nin += nnames;
	if (nin == 0) {
		in[0].name = o->from_file;
		file_seq(&in[0]);
		nin = 1;
	}
	qsort(in, nin, sizeof *in, input_cmp);
	for (size_t i = 1; i < nin; i++)
		if (in[i].seq == in[i - 1].seq) {
			rc = TAIL_EUSAGE;
			mc_errf(err, MC_EXIT_USAGE, "'%s' and '%s' have the same file number %llu: "
				"their positions would collide", in[i - 1].name, in[i].name,
				(unsigned long long)in[i].seq);
			goto out;
		}
	if (o->ckpt_in && (rc = ckpt_start(T, in, nin, &first, &from_pos, err)) < 0)
		goto out;
	if (o->from_file) {
		size_t i;
		for (i = 0; i < nin; i++)
			if (strcmp(in[i].name, o->from_file) == 0)
				break;
		if (i == nin)
			for (i = 0; i < nin; i++)
				if (strcmp(base_name(in[i].name), base_name(o->from_file)) == 0)
					break;
		if (i == nin) {
			rc = TAIL_EUSAGE;
			mc_errf(err, MC_EXIT_USAGE, "--from file '%s' is not among the FILEs",
				o->from_file);
			goto out;
		}
		first = i;
	}
	/* The files follow each other (binlog numbers rise by one; a closed
	 * file's ROTATE is checked when it is read) and can be read, before
	 * anything is written: a missing one is a gap in the changes. */
	for (size_t i = first; i < nin; i++) {
		if (strcmp(in[i].name, "-") != 0 && access(in[i].name, R_OK) < 0) {
			rc = mc_errf(err, MC_EXIT_DATA, "'%s': %s", in[i].name, strerror(errno));
			goto out;
		}
		if (i > first && in[i - 1].has_seq && in[i].has_seq &&
		    in[i].seq != in[i - 1].seq + 1) {
			rc = mc_errf(err, MC_EXIT_DATA,
				     "'%s' (binlog number %" PRIu64 ") and '%s' (number %" PRIu64
				     ") do not follow each other: binlog number %" PRIu64 "%s is "
				     "missing between them (its changes would be lost); give every "
				     "binlog file from the first to the last", in[i - 1].name,
				     in[i - 1].seq, in[i].name, in[i].seq, in[i - 1].seq + 1,
				     in[i].seq - in[i - 1].seq > 2 ? " and more" : "");
			goto out;
		}
	}
	/* the stream starts at the first file read, where --from says */
	T->have_start = 1;
	T->start_seq = in[first].seq;
	T->start_off = from_pos > 4 ? from_pos : 4;
	tail_note_done(T, T->start_seq, T->start_off, 0);
	for (size_t i = first; i < nin; i++) {
		int r = read_file(T, &in[i], i == first ? from_pos : 0,
				  i + 1 < nin ? &in[i + 1] : NULL, err);
		if (r < 0) {
			rc = -1;
			goto out;
		}
		if (r)
			break;
	}
out:
	if (T->fname) { /* (the names go; a later report or error names it) */
		snprintf(T->fname_kept, sizeof T->fname_kept, "%s", T->fname);
		T->fname = T->fname_kept;
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(in);
	return rc;
}
