/* snapshot_int.h: inside the snapshot engine (snapshot.c: setup, output,
 * checkpoint; snapshot_sched.c: job queue, planner, workers, rate). Not for
 * other modules; the unit test (tests/unit/t_snapjob.c) includes it. */
#ifndef MC_ENGINE_SNAPSHOT_INT_H
#define MC_ENGINE_SNAPSHOT_INT_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "engine/snapshot.h"
#include "stream/ckpt.h"
#include "stream/rec.h"
#include "stream/recio.h"

enum { SJ_QUEUED = 0, SJ_RUNNING, SJ_DONE };

/* A chunk, in output order. */
struct sj_job {
	struct sj_job *next;
	size_t ti;          /* table index */
	snap_bound lo, hi;  /* NULL: open */
	int state;          /* SJ_QUEUED, SJ_RUNNING, SJ_DONE */
	int last;           /* the table's last chunk */
	int stream;         /* no split key: the writer thread streams it */
	struct mc_buf out;  /* encoded rows and the chunk_end mark */
	uint64_t nrecs, rows;
	struct mc_pos wm;
};

struct sj_thread;

/* The whole state of one run. mu guards the queue, planning_done, failed
 * and fail_err; cv announces every change of them. */
struct snapjob {
	const struct snapjob_opts *o;
	int consistency;           /* SNAPJOB_SNAPSHOT or SNAPJOB_LOCK */
	struct mc_pos lock_wm;     /* SNAPJOB_LOCK: every chunk's watermark */

	struct snap_table *tables;
	size_t ntables;
	int *skip;                 /* finished in an earlier run */
	snap_bound *from;          /* resume after this key */

	pthread_mutex_t mu;
	pthread_cond_t cv;         /* on CLOCK_MONOTONIC */
	struct sj_job *head, *tail;
	uint64_t window;           /* jobs from the head a worker may take */
	int planning_done;
	int failed;
	struct mc_err fail_err;

	pthread_mutex_t rate_mu;
	uint64_t rate_rows, rate_bytes;

	struct timespec t_start;
	uint64_t done_rows, done_bytes, total;
	double progress_last;
	/* per table, for the progress: rows written, chunks planned (under
	 * mu), planning finished (under mu), all written; the table being
	 * written */
	uint64_t *t_rows, *t_chunks;
	unsigned char *t_planned, *t_done;
	size_t t_cur, stream_ti;

	struct ckpt ck;
	struct rio_writer wr;
	int fd, out_is_file, wr_open;

	/* the writer thread's own reads: tables without a split key */
	MYSQL *stream_conn;
	struct snap_reader stream_rd;
	struct mc_buf stream_buf;
	struct mc_err stream_err;

	MYSQL *plan_conn;          /* the planner's, owned by it once started */
	MYSQL **wconn;             /* the workers', each owned by its thread once started */
	pthread_t planner, *workers;
	struct sj_thread *targs;   /* the threads' arguments: planner, workers */
	int planner_started;
	uint64_t nworkers;         /* started */

	/* output buffers of written chunks, kept for the next chunks (under
	 * mu): no new pages and no growing copies a chunk */
	struct mc_buf spare[4];
	size_t nspare;
};

/* snapshot_sched.c */
int sj_init(struct snapjob *s, const struct snapjob_opts *o);
void sj_destroy(struct snapjob *s); /* the queue, the locks */
double sj_elapsed(const struct snapjob *s);
/* Record the first failure and wake everyone. */
void sj_set_failed(struct snapjob *s, const struct mc_err *e);
int sj_failed(struct snapjob *s);
struct sj_job *sj_new_job(size_t ti, snap_bound lo, snap_bound hi, int last);
void sj_free_job(struct snapjob *s, struct sj_job *j);
void sj_push(struct snapjob *s, struct sj_job *j);
/* The writer keeps j's written output buffer (emptied) for a later job;
 * a worker gives a job without one a kept buffer. */
void sj_keep_out(struct snapjob *s, struct sj_job *j);
void sj_reuse_out(struct snapjob *s, struct sj_job *j);
/* Under mu: the first queued job a worker may take, within the window of
 * jobs from the head, or NULL. */
struct sj_job *sj_next_job(const struct snapjob *s);
/* Under mu: is there nothing left for a worker to do? */
int sj_workers_done(const struct snapjob *s);
/* j stopped at key last (it held more rows than planned): j now ends at
 * last and a new job after it covers (last, old hi]. Takes last. */
int sj_split(struct snapjob *s, struct sj_job *j, snap_bound last, struct mc_err *err);
/* Seconds from the start by which rows and bytes are due under the rate
 * limits (0: no limit). */
double sj_rate_due(uint64_t rows, uint64_t bytes, uint64_t max_rate, uint64_t max_bytes_rate);
/* The rate limit: count rows and bytes, sleep until they are due; -1 once
 * the run failed (snap_read then stops). */
int sj_tick(struct snapjob *s, uint64_t rows, uint64_t bytes);
/* Append the chunk_end mark of j to j->out. */
int sj_add_chunk_end(struct snapjob *s, struct sj_job *j, struct mc_err *err);

/* What the writer does next (sj_take). */
enum { SJ_T_FAILED, SJ_T_END, SJ_T_STREAM, SJ_T_WRITE };
/* Wait for the head of the queue: SJ_T_WRITE (done: taken off the queue
 * into *out), SJ_T_STREAM (a stream job to read now, marked running; call
 * sj_mark_done after), SJ_T_END, or SJ_T_FAILED. */
int sj_take(struct snapjob *s, struct sj_job **out);
void sj_mark_done(struct snapjob *s, struct sj_job *j);

/* Start the planner (on plan_conn) and the workers (on wconn); after a
 * failure the started threads are stopped: -1 with err. */
int sj_start(struct snapjob *s, struct mc_err *err);
/* Join every started thread. */
void sj_join(struct snapjob *s);

/* snapshot.c: the value of a DB.T:VALUE option for db.name, or NULL. */
const char *sj_table_opt(const char *const *arr, size_t n, const char *db, const char *name);
/* Is db in the list "db,db,..." (NULL: every database)? */
int sj_db_selected(const char *list, const char *db);

#endif
