#!/bin/sh
# mc-tunnel-put's memory is bounded by bytes, not only by rows: rows are
# held until a commit, which came only after --commit-rows rows (100000),
# so 100000 rows of 1 MB (a LONGBLOB column) meant 100 GB held. A commit is
# now also due at a transaction end or chunk end once --commit-bytes
# (default 64M) of rows are pending, and anywhere outside a snapshot chunk
# at 4 x that (a huge transaction), as for rows. The rows land exactly as
# with one commit; a rerun changes nothing.
. "$(dirname "$0")/lib.sh"
need python3 /usr/bin/time
# peaks are compared with the same input committed by rows only; under
# AddressSanitizer freed blocks are kept (quarantine), which would hide it
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
export ASAN_OPTIONS
peak() { # OUT ARGS...: the peak RSS (KB) of mc-tunnel-put ARGS into OUT
	_o=$1
	shift
	/usr/bin/time -f %M -o "$T/rss" mc-tunnel-put "$@" 2>"$T/err"
	_rc=$?
	tail -n 1 "$T/rss" >"$_o"
	return $_rc
}

# gen MODE N: JSON lines, N rows of 1 MiB each (a distinct letter), one
# transaction each (txns) or all in one (one); with its trailer
gen() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
mode, n = sys.argv[1], int(sys.argv[2])
out = sys.stdout
recs = 0
def rec(o):
    global recs
    out.write(json.dumps(o, separators=(",", ":")) + "\n")
    recs += 1
out.write('{"mcr":1,"meta":{"program":"t3049"}}\n')
rec({"kind": "schema", "db": "s", "table": "t", "version": 1, "pos": [1, 100, 0], "time": 1796400000,
     "flags": 0, "columns": [{"name": "id", "mysql_type": "int", "mc_type": "INT", "nullable": False, "flags": 0},
                              {"name": "v", "mysql_type": "longtext", "mc_type": "STRING", "nullable": True, "flags": 0}],
     "key": [0]})
pos = 1000
for i in range(n):
    pos += 2000000
    rec({"kind": "row", "op": "insert", "db": "s", "table": "t", "version": 1, "pos": [1, pos, 0],
         "time": 1796400000 + i, "before": None, "after": [i, chr(97 + i % 26) * (1 << 20)]})
    if mode == "txns" or i == n - 1:
        rec({"kind": "mark", "mark": "txn_end", "pos": [1, pos + 100, 0], "time": 1796400000 + i,
             "db": "", "table": "", "label": ""})
out.write('{"kind":"trailer","count":%d}\n' % recs)
EOF
}
rows() { # WAREHOUSE: every row of the log table, as CSV, sorted
	for f in "$1"/s__t_log/ds=*/part-*.mcr.zst; do
		mc-cat --to=csv --table=s.t "$f"
	done | grep -v '^id,v$' | sort
}
nparts() { find "$1/s__t_log" -name 'part-*' | wc -l; }

# 200 transactions of 1 MiB each: 200 MiB, through a pipe
gen txns 200 >"$T/txns.jsonl"
peak "$T/p1" --dest="$T/w1" <"$T/txns.jsonl"
expect_eq "200 transactions of 1 MiB through the sink (a pipe): exit 0 ($(head -c 300 "$T/err"))" "$?" 0
n=$(nparts "$T/w1")
expect_ok "committed in pieces of about 64 MiB ($n data files)" test "$n" -ge 3
peak "$T/p0" --dest="$T/w0" --commit-bytes=0 "$T/txns.jsonl"
expect_eq "--commit-bytes=0: by rows only: exit 0" "$?" 0
expect_eq "two data files (the first transaction's commit, then the rest)" "$(nparts "$T/w0")" 2
p1=$(cat "$T/p1") p0=$(cat "$T/p0")
expect_ok "peak memory bounded by the 64M default: $p1 KB, below 0.7 x the $p0 KB of holding all 200 MiB" \
	test $((p1 * 10)) -lt $((p0 * 7))
rows "$T/w1" >"$T/r1"
rows "$T/w0" >"$T/r0"
expect_eq "every row once" "$(wc -l <"$T/r1")" 200
expect_same "the same rows as one commit" "$T/r1" "$T/r0"
tree "$T/w1" >"$T/t1"
expect_ok "the same input again" mc-tunnel-put --dest="$T/w1" "$T/txns.jsonl"
tree "$T/w1" >"$T/t2"
expect_same "changes no file" "$T/t1" "$T/t2"

# one transaction of 120 MiB, --commit-bytes=8M: committed inside it at 32 MiB
gen one 120 >"$T/one.jsonl"
peak "$T/p2" --dest="$T/w2" --commit-bytes=8M "$T/one.jsonl"
expect_eq "one transaction of 120 MiB, --commit-bytes=8M: exit 0 ($(head -c 300 "$T/err"))" "$?" 0
n=$(nparts "$T/w2")
expect_ok "committed inside the transaction ($n data files)" test "$n" -ge 3
rows "$T/w2" >"$T/r2"
expect_eq "every row once" "$(wc -l <"$T/r2")" 120
peak "$T/p3" --dest="$T/w3" --commit-bytes=0 "$T/one.jsonl"
rows "$T/w3" >"$T/r3"
expect_same "the same rows as one commit" "$T/r2" "$T/r3"
p2=$(cat "$T/p2") p3=$(cat "$T/p3")
expect_ok "peak memory bounded by 4 x 8M: $p2 KB, below 0.7 x the $p3 KB of holding the transaction" \
	test $((p2 * 10)) -lt $((p3 * 7))

expect_code 2 "a bad --commit-bytes" mc-tunnel-put --dest="$T/w4" --commit-bytes=lots "$T/one.jsonl"
expect_grep "is named" "bad value for --commit-bytes: 'lots'" "$T/err"
