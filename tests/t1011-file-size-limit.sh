#!/bin/sh
# A file past the process's file size limit (`ulimit -f`, systemd's
# LimitFSIZE=): the write fails (EFBIG) and the program exits 1 naming the
# file, as for a full disk, instead of dying of SIGXFSZ (status 153, which
# pipelines/tail-service.sh and a supervisor read as "killed: restart").
# The sink leaves nothing partial behind, and the same command after the
# limit is lifted writes exactly the files of a run that never hit it.
. "$(dirname "$0")/lib.sh"
MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 20000 >"$T/s.mcr"
"$MCGEN" changes 20000 2000 >"$T/l.mcr"
BL=$(find "$FIXTURES/binlog" -path '*generated-here-mariadb-10.11/mariadb-bin.000003' | head -n 1)

# 200 blocks of 512 bytes: 100 KB, below the sink's first data file
(ulimit -f 200; exec mc-tunnel-put --dest="$T/wh" "$T/s.mcr" "$T/l.mcr") 2>"$T/err"
expect_eq "mc-tunnel-put past ulimit -f exits 1 (not SIGXFSZ)" "$?" 1
expect_grep "mc-tunnel-put names the data file and EFBIG" \
	"^mc-tunnel-put: '.*s.mcr': '.*/wh/sbtest__sbtest1/ds=20251121/part-000001.mcr.zst': write error: File too large" "$T/err"
left=$(find "$T/wh" -name '*.tmp*' -o -name 'part-*' | wc -l)
expect_eq "mc-tunnel-put leaves no partial or temporary file" "$left" 0
expect_ok "the rerun without the limit" mc-tunnel-put --dest="$T/wh" "$T/s.mcr" "$T/l.mcr"
expect_ok "a run that never hit the limit" mc-tunnel-put --dest="$T/wh2" "$T/s.mcr" "$T/l.mcr"
tree "$T/wh" >"$T/a.sum"
tree "$T/wh2" >"$T/b.sum"
expect_same "the rerun wrote exactly the files of a run without the limit" "$T/a.sum" "$T/b.sum"

(ulimit -f 20; exec mc-cat --to=jsonl "$T/s.mcr" >"$T/out.jsonl") 2>"$T/err"
expect_eq "mc-cat past ulimit -f exits 1" "$?" 1
expect_grep "mc-cat names standard output and EFBIG" \
	'^mc-cat: standard output: .*File too large' "$T/err"

(ulimit -f 4; exec mc-binlog-tail "$BL" >"$T/out.mcr") 2>"$T/err"
expect_eq "mc-binlog-tail past ulimit -f exits 1" "$?" 1
expect_grep "mc-binlog-tail names standard output and EFBIG" \
	'^mc-binlog-tail: standard output: .*File too large' "$T/err"

(ulimit -f 20; exec mc-merge --warehouse="$T/wh" --table=sbtest__sbtest1 --ds=20251122 \
	--output="$T/m.mcr") 2>"$T/err"
expect_eq "mc-merge --output past ulimit -f exits 1" "$?" 1
expect_grep "mc-merge names the file written and EFBIG" \
	"^mc-merge: '.*/m.mcr': .*File too large" "$T/err"
(ulimit -f 20; exec mc-merge --warehouse="$T/wh" --table=sbtest__sbtest1 --ds=20251122) 2>"$T/err"
expect_eq "mc-merge into the warehouse past ulimit -f exits 1" "$?" 1
expect_grep "mc-merge names the partition file and EFBIG" "File too large" "$T/err"
left=$(find "$T/wh" -name '.tmp*' | wc -l)
expect_eq "mc-merge leaves no temporaries" "$left" 0
expect_ok "the merge without the limit" mc-merge --warehouse="$T/wh" --table=sbtest__sbtest1 --ds=20251122
