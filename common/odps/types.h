/* types.h: the MaxCompute type of a MySQL column, and each record value as
 * the Tunnel writes it (docs/types.md "MaxCompute").
 *
 * The mapping targets MaxCompute's 2.0 data type edition
 * (odps.sql.type.system.odps2=true, odps.sql.decimal.odps2=true). It is
 * lossless or loud: a column gets a type that holds every value its MySQL
 * type can hold, or each value is checked and one that would not arrive
 * exactly is an error naming the table, the column, the value and its
 * position. Per-column choices (struct odps_colopts) come from the rules
 * file and mc-tunnel-put's options; a zeroed struct is the default. */
#ifndef MC_ODPS_TYPES_H
#define MC_ODPS_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "stream/rec.h"

/* MaxCompute column types (what the Tunnel encoder writes, spec §5.3). */
enum odps_type {
	ODPS_T_NONE = 0,
	ODPS_T_TINYINT,
	ODPS_T_SMALLINT,
	ODPS_T_INT,
	ODPS_T_BIGINT,
	ODPS_T_FLOAT,
	ODPS_T_DOUBLE,
	ODPS_T_DECIMAL, /* with prec, scale */
	ODPS_T_STRING,
	ODPS_T_BINARY,
	ODPS_T_DATE,
	ODPS_T_DATETIME,      /* milliseconds */
	ODPS_T_TIMESTAMP,     /* an instant, nanoseconds */
	ODPS_T_TIMESTAMP_NTZ, /* a wall clock, nanoseconds */
	ODPS_T_N
};

/* What to do with a date that is not a calendar day: a zero date
 * (0000-00-00), a zero month or day (2024-00-10), an invalid day
 * (2024-02-31, ALLOW_INVALID_DATES). A STRING column keeps them as text. */
enum odps_baddate {
	ODPS_BADDATE_ERROR = 0, /* an error naming the value (default) */
	ODPS_BADDATE_NULL,      /* write NULL instead (chosen, never by default) */
};

/* GEOMETRY values are MySQL's internal form: a 4-byte little-endian SRID,
 * then WKB. */
enum odps_geo {
	ODPS_GEO_WKB = 0,       /* BINARY WKB; a value whose SRID is not 0 is an error */
	ODPS_GEO_WKB_ANY_SRID,  /* BINARY WKB, the SRID dropped (chosen) */
	ODPS_GEO_INTERNAL,      /* BINARY: SRID + WKB as MySQL stores it */
};

/* Per-column choices. Zeroed: the default mapping. */
struct odps_colopts {
	/* the MaxCompute type wanted (ODPS_T_NONE: the default); each value is
	 * checked against it. Which types a MySQL type may take: docs/types.md. */
	enum odps_type as;
	uint8_t dec_prec, dec_scale; /* as DECIMAL: (p,s); 0,0: chosen from the MySQL type */
	enum odps_baddate baddate;
	enum odps_geo geo;
	size_t max_bytes; /* STRING/BINARY value limit; 0: ODPS_MAX_BYTES */
	/* DATETIME/DATE columns going to DATETIME or TIMESTAMP (instants): the
	 * UTC offset, in seconds east, at which their wall clock is read (a
	 * fixed offset, so every wall clock is one instant). 0: UTC. */
	int32_t wall_offset;
};

/* MaxCompute's STRING/BINARY value limit (MaxFieldSize, default 8 MiB). */
#define ODPS_MAX_BYTES ((size_t)8 << 20)

/* Source classes of a column (from its MySQL type text). */
enum odps_src {
	ODPS_S_INT = 0,
	ODPS_S_YEAR,
	ODPS_S_BIT,
	ODPS_S_F32,
	ODPS_S_F64,
	ODPS_S_DECIMAL,
	ODPS_S_DATE,
	ODPS_S_DATETIME,
	ODPS_S_TIMESTAMP,
	ODPS_S_TIME,
	ODPS_S_JSON,
	ODPS_S_TEXT,   /* char, varchar, text kinds, enum, set, inet4/6, uuid */
	ODPS_S_BIN,    /* binary, varbinary, blob kinds, vector */
	ODPS_S_GEO,
	ODPS_S_OTHER,  /* a type this build does not know: text goes as STRING */
};

/* One column of a table mapped to MaxCompute. */
struct odps_colmap {
	enum odps_type type;
	uint8_t prec, scale;  /* DECIMAL */
	char text[24];        /* as CREATE TABLE spells it: "DECIMAL(38,18)" */
	/* the source and the choices, for odps_val_conv */
	enum odps_src src;
	uint8_t uns;          /* integer: unsigned */
	uint8_t frac;         /* DATETIME/TIMESTAMP/TIME: fraction digits */
	uint8_t bits;         /* BIT(n) */
	uint16_t sprec, sscale; /* the MySQL DECIMAL's (p,s) */
	enum odps_baddate baddate;
	enum odps_geo geo;
	size_t max_bytes;
	int32_t wall_offset;
	char where[160];      /* "db.table.column (mysql type)", for messages */
};

/* The MaxCompute type of column c of table db.table under opts (NULL: the
 * defaults). 0, or -1 when opts ask for a type the column cannot take
 * exactly (err names the column). Under the defaults it never fails, and
 * m->text equals the schema record's default mc_type (stream/mctype.h). */
int odps_col_map(const struct mc_col *c, struct mc_str db, struct mc_str table,
		 const struct odps_colopts *opts, struct odps_colmap *m, struct mc_err *err);

/* A value as the Tunnel encoder writes it. */
enum odps_vkind {
	ODPS_V_NULL = 0,
	ODPS_V_INT,     /* TINYINT..BIGINT: i */
	ODPS_V_F32,     /* FLOAT: f32 */
	ODPS_V_F64,     /* DOUBLE: f64 */
	ODPS_V_BYTES,   /* STRING, BINARY: p, n */
	ODPS_V_DECIMAL, /* DECIMAL: plain decimal text p, n */
	ODPS_V_DATE,    /* DATE: i = days since 1970-01-01 */
	ODPS_V_MILLIS,  /* DATETIME: i = milliseconds since the epoch */
	ODPS_V_SECNANO, /* TIMESTAMP, TIMESTAMP_NTZ: i = seconds (floor), nanos */
};

struct odps_val {
	enum odps_vkind kind;
	int64_t i;
	int32_t nanos;
	float f32;
	double f64;
	const char *p; /* into the record value, or into buf */
	size_t n;
	char buf[32];
};

/* Convert record value v of the column m maps (at position pos, may be
 * NULL) to what the Tunnel writes. 0; or -1 when the value would not
 * arrive exactly under m's choices: err (MC_EXIT_DATA) names the table,
 * column, value and position. out may point into v and into out->buf:
 * copy out before moving it. */
int odps_val_conv(const struct odps_colmap *m, const struct mc_val *v, const struct mc_pos *pos,
		  struct odps_val *out, struct mc_err *err);

/* "BIGINT", "DECIMAL", ... for a type (static). */
const char *odps_type_name(enum odps_type t);

/* The Tunnel record stream's kind (odps/tunnel_rec.h, enum trec_kind) of
 * a MaxCompute type; 0 for one the stream has no kind for. */
int odps_trec_kind(enum odps_type t);

#endif
