/* text.h: records as text for people (mc-binlog-tail --format=text): one
 * line per record, then one per value of a row image or column of a
 * schema. The text is appended to a buffer; the caller writes it out. */
#ifndef MC_TEXT_H
#define MC_TEXT_H

#include "base/buf.h"
#include "stream/rec.h"

/* Append the text of r to b: 0, or -1 when out of memory. */
int text_rec(struct mc_buf *b, const struct mc_rec *r);

/* Append one value as text_rec writes it (NULL, 42, 'text', x'00ff', ...). */
int text_val(struct mc_buf *b, const struct mc_val *v);

#endif
