/* mergejob_prog.c: the merge job's numbers for its progress callback
 * (mergejob.h struct mergejob_progress); the program prints them. */
#include "wh/merge.h"
#include "wh/mergejob_int.h"

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
	j->o.progress(j->o.progress_ctx, &p);
}
