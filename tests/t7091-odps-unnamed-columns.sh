#!/bin/sh
# mc-tunnel-put --dest=odps://: a schema version whose column names are
# unknown (flag names_by_index, columns @1, @2, ...: a table map without
# names and no --schema, or a statement mc-binlog-tail could not follow)
# is exit 1 before anything of its commit goes up, with one line that
# names the table, the version and the way out. Before, the CREATE TABLE
# or ALTER TABLE of its columns failed in MaxCompute with "bad column
# name '@1'" (the real service refuses such names as the local server
# does), a message that said neither why nor what to do.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3
need sqlite3
odps_start srv || exit 1
DB=$T/srv/p1.db
"$BIN/tools/mcgen" sysbench 20 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 20 30 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# unnamed FILE OUT [FROM]: FILE with its schema records from version FROM
# (default 1) unnamed, as mc-binlog-tail writes them; a schema record of
# version 2 (the same columns unnamed) after the FROM-th row when FROM > 1
unnamed() {
	mc-cat "$1" | python3 -c '
import json, sys
frm = int(sys.argv[1]); n = 0; head = None; body = []; schema = None
def bare(r, v):
    r = dict(r, version=v, flags=1, key=[])
    r["columns"] = [dict(c, name="@%d" % (i + 1)) for i, c in enumerate(r["columns"])]
    return r
for l in sys.stdin:
    r = json.loads(l)
    if "mcr" in r:
        head = l.strip()
        continue
    if r.get("kind") == "trailer":
        continue
    if r.get("kind") == "schema":
        schema = r
        if frm == 1:
            r = bare(r, 1)
    elif r.get("kind") == "row" and frm > 1:
        n += 1
        if n == frm:
            body.append(json.dumps(dict(bare(schema, 2), pos=r["pos"], time=r["time"])))
        if n >= frm:
            r["version"] = 2
    body.append(json.dumps(r))
print(head); print("\n".join(body)); print(json.dumps({"kind": "trailer", "count": len(body)}))' "${3:-1}" |
		mc-cat --to=mcr >"$2"
}
put() { mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s" --retry-time=0.2 "$@"; }
line='^mc-tunnel-put: .*sbtest\.sbtest1 \(schema version V\): its column names are unknown \(@1, @2, \.\.\.: flag names_by_index; a table map without names, or a statement mc-binlog-tail could not follow\), and a MaxCompute table needs them: tail with --schema FILE \(mc-snapshot'"'"'s schema records of the table\) or from a server with binlog_row_metadata=FULL \(docs/mc-binlog-tail.md "Column names"\)$'

unnamed "$T/sb.mcr" "$T/bare.mcr" || { fail "setup" "the unnamed snapshot"; exit 1; }
expect_grep "the setup: a snapshot whose columns are @1, @2, ... (flags 1)" '"flags":1,"columns":\[{"name":"@1"' \
	"$(mc-cat "$T/bare.mcr" >"$T/bare.jsonl"; echo "$T/bare.jsonl")"
expect_code 1 "a snapshot of a table with unnamed columns: exit 1" put "$T/bare.mcr"
expect_grep "... one line naming the table, its version and the way out" "$(echo "$line" | sed 's/V/1/')" "$T/err"
expect_eq "... one line" "$(wc -l <"$T/err")" 1
expect_eq "... no table made" "$(sqlite3 "$DB" "SELECT COUNT(*) FROM _odps_tables WHERE name LIKE 'sbtest%'")" 0

rm -rf "$T/s"
expect_ok "the named snapshot goes up" put "$T/sb.mcr"
unnamed "$T/ch.mcr" "$T/ch2.mcr" 11 || { fail "setup" "the unnamed changes"; exit 1; }
expect_code 1 "changes whose version 2 is unnamed after 10 rows of version 1: exit 1" put "$T/ch2.mcr"
expect_grep "... one line naming version 2" "$(echo "$line" | sed 's/V/2/')" "$T/err"
pos() { # FILE FIRST LAST: the positions of rows FIRST..LAST, one a line
	mc-cat "$1" | grep '"kind":"row"' | sed -n "$2,$3p" |
		sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1|\2|\3/' | sort -u
}
logpos() { sqlite3 "$DB" "SELECT DISTINCT mc_pos_file, mc_pos_off, mc_pos_row FROM $1" | sort -u; }
expect_eq "... the log holds the 10 rows before it (their own commit), none of version 2" \
	"$(logpos sbtest__sbtest1_log)" "$(pos "$T/ch.mcr" 1 10)"
expect_ok "the same changes named go up (the state kept nothing of the unnamed version)" put "$T/ch.mcr"
expect_ok "... as they go up into a table of their own from a fresh state" \
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s2" --retry-time=0.2 \
	--name=sbtest.sbtest1=ref "$T/ch.mcr"
q="SELECT mc_op, mc_image, id, k, c, pad, mc_pos_file, mc_pos_off, mc_pos_row FROM"
o="ORDER BY mc_pos_file, mc_pos_off, mc_pos_row, mc_image"
expect_eq "... the log equals that table's, row for row" \
	"$(sqlite3 "$DB" "$q sbtest__sbtest1_log $o" | md5sum)" "$(sqlite3 "$DB" "$q ref_log $o" | md5sum)"
expect_eq "... every row of the stream in it" "$(logpos sbtest__sbtest1_log)" "$(pos "$T/ch.mcr" 1 30)"
