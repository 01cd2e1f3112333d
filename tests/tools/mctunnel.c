/* mctunnel: encode the rows of a record stream into Tunnel blocks, for the
 * benchmark of the Tunnel encoder (tests/bench/b3200-tunnel-encode.sh).
 *
 *   mctunnel encode [--compress=raw|deflate|zstd] [--block-size=BYTES] [FILE]
 *
 * Reads one table's stream (mcr or JSON lines, FILE or standard input),
 * maps its schema record's MaxCompute types (the mc_type of each column)
 * to a Tunnel schema, encodes each row's after image (the before image of
 * a delete) and writes the blocks, one after another, to standard output;
 * a summary goes to standard error. Only the value kinds a sysbench-like
 * table has (integers, floats, text, bytes, decimals) are taken: a bench
 * tool, not the destination (common/odps is that). */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"
#include "odps/tunnel_rec.h"
#include "stream/recio.h"

static void die(const char *what, const struct mc_err *err)
{
	fprintf(stderr, "mctunnel: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
	exit(1);
}

int main(int argc, char **argv)
{
	struct trec_enc_opts o = { .comp = TREC_DEFLATE };
	struct trec_schema s = { 0 };
	struct trec_enc e;
	struct rio_reader r;
	struct mc_rec rec;
	struct mc_err err = { 0 };
	struct mc_buf block = { 0 };
	struct trec_val *v = NULL;
	const char *file = NULL;
	uint64_t rows = 0, blocks = 0, raw = 0, out = 0;
	int fd = 0, started = 0, rc;

	if (argc < 2 || strcmp(argv[1], "encode") != 0) {
		fprintf(stderr, "usage: mctunnel encode [--compress=raw|deflate|zstd] [--block-size=BYTES] [FILE]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strncmp(argv[i], "--compress=", 11) == 0) {
			if (trec_comp_parse(argv[i] + 11, &o.comp) < 0)
				die("--compress: raw, deflate or zstd", NULL);
		} else if (strncmp(argv[i], "--block-size=", 13) == 0) {
			o.block_size = strtoull(argv[i] + 13, NULL, 10);
		} else {
			file = argv[i];
		}
	}
	if (file && (fd = open(file, O_RDONLY)) < 0) {
		perror(file);
		return 1;
	}
	rio_init(&r, fd, RIO_AUTO);
	while ((rc = rio_next(&r, &rec, &err)) > 0) {
		const struct mc_val *img;
		size_t n;
		if (rec.kind == MC_R_SCHEMA) {
			if (started)
				die("one table's schema only (a bench tool)", NULL);
			for (size_t i = 0; i < rec.ncols; i++)
				if (trec_schema_add(&s, rec.cols[i].name.p, rec.cols[i].name.n,
						    rec.cols[i].mc_type.p, rec.cols[i].mc_type.n, &err) < 0)
					die("schema", &err);
			if (trec_enc_init(&e, &s, &o, &err) < 0)
				die("encoder", &err);
			v = calloc(s.ncols + 1, sizeof *v);
			if (!v)
				die("out of memory", NULL);
			started = 1;
			continue;
		}
		if (rec.kind != MC_R_ROW)
			continue;
		if (!started)
			die("a row before its schema", NULL);
		img = rec.after ? rec.after : rec.before;
		n = rec.after ? rec.nafter : rec.nbefore;
		if (n > s.ncols)
			die("a row of more values than its schema", NULL);
		for (size_t i = 0; i < n; i++) {
			const struct mc_val *x = &img[i];
			v[i] = (struct trec_val){ 0 };
			switch (x->kind) {
			case MC_V_NULL:
			case MC_V_ABSENT:
				v[i].null = true;
				break;
			case MC_V_INT:
			case MC_V_UINT:
				v[i].u.i = x->v.i;
				break;
			case MC_V_F32:
				v[i].u.f32 = x->v.f32;
				break;
			case MC_V_F64:
				v[i].u.f64 = x->v.f64;
				break;
			case MC_V_STR:
			case MC_V_BIN:
			case MC_V_DECIMAL:
			case MC_V_JSON:
				v[i].u.s.p = x->v.s.p;
				v[i].u.s.n = x->v.s.n;
				break;
			default:
				fprintf(stderr, "mctunnel: value kind %s: not taken by this bench tool\n",
					rec_vkind_name(x->kind));
				return 1;
			}
		}
		if (trec_enc_add(&e, v, n, &err) < 0)
			die("encode", &err);
		rows++;
		if (trec_enc_full(&e)) {
			struct trec_block_info info;
			if (trec_enc_finish(&e, &block, &info, &err) < 0)
				die("block", &err);
			if (io_write_all(1, block.p, block.len) < 0)
				die("standard output: write error", NULL);
			blocks++, raw += info.raw_bytes, out += block.len;
		}
	}
	if (rc < 0)
		die(file ? file : "(stdin)", &err);
	if (started && (trec_enc_records(&e) || blocks == 0)) {
		struct trec_block_info info;
		if (trec_enc_finish(&e, &block, &info, &err) < 0)
			die("block", &err);
		if (io_write_all(1, block.p, block.len) < 0)
			die("standard output: write error", NULL);
		blocks++, raw += info.raw_bytes, out += block.len;
	}
	fprintf(stderr, "mctunnel: %" PRIu64 " rows, %" PRIu64 " blocks, %" PRIu64
		" bytes of record stream, %" PRIu64 " bytes written (%s)\n",
		rows, blocks, raw, out, o.comp == TREC_RAW ? "raw" : trec_comp_name(o.comp));
	if (started)
		trec_enc_free(&e);
	trec_schema_free(&s);
	buf_free(&block);
	free(v);
	rio_close(&r);
	return 0;
}
