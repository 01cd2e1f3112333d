/* dest_wh.h: the local warehouse as a destination of the sink
 * (stream/dest.h; the layout is docs/warehouse.md). */
#ifndef MC_WH_DEST_WH_H
#define MC_WH_DEST_WH_H

#include "stream/dest.h"

/* Open (and lock) the warehouse in directory dir. */
int dest_wh_open(const char *dir, const struct dest_opts *o, struct dest *d, struct mc_err *err);

#endif
