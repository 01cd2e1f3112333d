/* tail_sp.c: savepoints of the open transaction. MariaDB cuts the events
 * of a ROLLBACK TO SAVEPOINT out of the transaction's binlog cache, unless
 * the transaction changed a non-transactional table: then it logs them,
 * each savepoint as a QUERY `SAVEPOINT s` and the rollback as `ROLLBACK TO
 * s`, for a replica to undo. In row format a non-transactional table's
 * rows go to the statement cache, logged as their own event group before
 * the transaction: what the transaction holds between `SAVEPOINT s` and
 * `ROLLBACK TO s` are rows of transactional tables, which the rollback
 * undid: they are cut from the buffered transaction (txn_cut). Where they
 * cannot be (a savepoint not seen in the transaction, a transaction
 * spilled to its temporary file since) it is refused, never written
 * (docs/mc-binlog-tail.md "Savepoints"). */
#include "engine/tail_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int word(const char **s, const char *e, const char *w)
{
	size_t n = strlen(w);
	while (*s < e && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r'))
		(*s)++;
	if ((size_t)(e - *s) < n || strncasecmp(*s, w, n) != 0)
		return 0;
	if ((size_t)(e - *s) > n && (isalnum((unsigned char)(*s)[n]) || (*s)[n] == '_'))
		return 0;
	*s += n;
	return 1;
}

/* The savepoint's name (quoted with ` or ", ANSI_QUOTES, or not) into
 * out: 0, -1 when it is too long or missing, -2 when it has a character
 * outside ASCII (the server compares names in utf8mb3_general_ci, which
 * strcasecmp does not). */
static int sp_name(const char *s, const char *e, char *out, size_t outsz)
{
	size_t k = 0;
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	if (s < e && (*s == '`' || *s == '"')) {
		char q = *s;
		for (s++; s < e; s++) {
			if (*s == q && !(s + 1 < e && s[1] == q))
				break;
			if (*s == q)
				s++;
			if (k + 1 >= outsz)
				return -1;
			out[k++] = *s;
		}
	} else {
		for (; s < e && *s != ' ' && *s != ';' && *s != '\t' && *s != '\n'; s++) {
			if (k + 1 >= outsz)
				return -1;
			out[k++] = *s;
		}
	}
	out[k] = 0;
	for (size_t i = 0; i < k; i++)
		if ((unsigned char)out[i] >= 0x80)
			return -2;
	return k ? 0 : -1;
}

static long sp_find(const struct tail *T, const char *name)
{
	for (size_t i = 0; i < T->nsp; i++)
		if (strcasecmp(T->sp[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int sp_refuse(struct tail *T, const char *s, size_t n, const char *why, uint64_t start,
		     struct mc_err *err)
{
	mc_errf(err, MC_EXIT_DATA, "'%.*s' in a transaction: %s, so the rows it undid cannot "
		"be told from the committed ones; this transaction cannot be copied exactly",
		(int)(n > 80 ? 80 : n), s, why);
	return tail_data_error(T, start, err);
}

int tail_savepoint(struct tail *T, const char *s, size_t n, uint64_t start, struct mc_err *err)
{
	const char *p = s, *e = s + n;
	char name[sizeof T->sp[0].name];
	long i;
	if (word(&p, e, "SAVEPOINT")) {
		if (!T->in_txn)
			return 0; /* autocommit: nothing to undo later */
		int rc = sp_name(p, e, name, sizeof name);
		if (rc == -2)
			T->sp_lost = "a savepoint's name has a character outside ASCII";
		if (rc < 0)
			return 0; /* a ROLLBACK TO it is refused */
		/* a savepoint set again under its name moves to the end:
		 * the list stays in the order they were set */
		if ((i = sp_find(T, name)) >= 0) {
			memmove(&T->sp[i], &T->sp[i + 1], (T->nsp - (size_t)i - 1) * sizeof T->sp[0]);
			T->nsp--;
		}
		if (T->nsp == sizeof T->sp / sizeof T->sp[0]) {
			T->sp_lost = "it set more savepoints than mc-binlog-tail keeps";
			return 0;
		}
		memcpy(T->sp[T->nsp].name, name, sizeof name);
		T->sp[T->nsp++].mark = txn_mark(&T->txn);
		return 0;
	}
	if (word(&p, e, "RELEASE"))
		return 0; /* changes nothing that was logged */
	/* ROLLBACK [WORK] TO [SAVEPOINT] name */
	if (!word(&p, e, "ROLLBACK"))
		return 0;
	(void)word(&p, e, "WORK");
	if (!word(&p, e, "TO"))
		return 0;
	(void)word(&p, e, "SAVEPOINT");
	if (!T->in_txn && txn_empty(&T->txn))
		return 0;
	if (T->sp_lost)
		return sp_refuse(T, s, n, T->sp_lost, start, err);
	if (sp_name(p, e, name, sizeof name) < 0 || (i = sp_find(T, name)) < 0)
		return sp_refuse(T, s, n, "its SAVEPOINT is not in the transaction read", start,
				 err);
	if (txn_cut(&T->txn, T->sp[i].mark) < 0)
		return sp_refuse(T, s, n, "the transaction outgrew --txn-memory (spilled to a "
				 "temporary file) after its SAVEPOINT", start, err);
	/* the savepoints set after it are gone; it stays */
	T->nsp = (size_t)i + 1;
	return 0;
}
