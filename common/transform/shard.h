/* shard.h: the shards of a many -> one rule in the filter (inside
 * common/transform only; docs/mc-transform.md "Many tables into one"):
 * their schemas checked to be identical, the shard column added to their
 * schemas and rows, their DDL refused. */
#ifndef MC_TRANSFORM_SHARD_H
#define MC_TRANSFORM_SHARD_H

#include "stream/rec.h"
#include "stream/schema.h"
#include "transform/rules.h"

/* The header entry: a record's table field "DEST/TABLE" is of source
 * table TABLE (of the record's db), going into destination DEST, which
 * other source tables go into too. */
#define TF_META_MERGE "dest_merge"
#define TF_META_MERGE_V "dest/table"

struct tf_mref {
	struct schema_copy ref; /* the first schema of the destination */
	char *owner;            /* the shard it came from: "db.table" */
};

struct tf_shards {
	const struct tf_rules *R;
	struct tf_mref *d;      /* one per merge entry (R->merge) */
	struct mc_col *cols;
	uint32_t *key;
	struct mc_val *vb, *va;
	size_t capcols, capkey, capvb, capva;
};

int tf_shards_init(struct tf_shards *S, const struct tf_rules *R, struct mc_err *err);
void tf_shards_free(struct tf_shards *S);
/* A schema record r of shard sv ("db.table") of m: its schema must be the
 * destination's (the first shard's); with a shard column, r is rewritten
 * (cols and key point into S until the next call); again: the shard had
 * one before (a change is then its own). 0 or -1 with err. */
int tf_shard_schema(struct tf_shards *S, const struct tf_merge *m, const char *sv,
		    bool again, struct mc_rec *r, struct mc_err *err);
/* A row r of shard sv of m: with a shard column, its images get sv. */
int tf_shard_row(struct tf_shards *S, const struct tf_merge *m, const char *sv,
		 struct mc_rec *r, struct mc_err *err);
/* A DDL record r of shard sv of m (its policy let it pass): the error. */
int tf_shard_ddl(const struct tf_merge *m, const char *sv, const struct mc_rec *r,
		 struct mc_err *err);

#endif
