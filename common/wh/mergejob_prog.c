/* mergejob_prog.c: the merge job's numbers for its progress callback
 * (mergejob.h struct mergejob_progress); the program prints them. */
#include "wh/merge.h"
#include "wh/mergejob_int.h"

void mj_in_begin(struct mergejob *j, const struct wh_reader *fr)
{
	j->in_cur = fr;
}

void mj_in_end(struct mergejob *j, const struct wh_reader *fr, int done)
{
	if (done && fr->f)
		j->in_done += fr->f->bytes;
	if (j->in_cur == fr)
		j->in_cur = NULL;
}

void mj_progress(struct mergejob *j, const char *phase)
{
	struct mergejob_progress p = { 0 };
	if (!j->o.progress)
		return;
	p.phase = phase;
	p.log_rows = j->st.log_rows;
	p.log_files = j->st.log_files;
	p.rows = j->out.rows;
	if (j->merger) {
		struct merge_stats st;
		merger_stats(j->merger, &st);
		p.runs = st.runs;
	}
	p.in_total = j->in_total;
	p.in_read = j->in_done;
	if (j->in_cur && j->in_cur->open && j->in_cur->f) {
		uint64_t c = zin_consumed(&j->in_cur->rd.in);
		p.in_read += c < j->in_cur->f->bytes ? c : j->in_cur->f->bytes;
	}
	if (p.in_read > p.in_total)
		p.in_read = p.in_total;
	j->o.progress(j->o.progress_ctx, &p);
}
