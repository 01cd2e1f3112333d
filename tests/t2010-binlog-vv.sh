#!/bin/sh
# mc-binlog-tail against MariaDB's mysqlbinlog -vv: every fixture listed in
# expected-mariadb-mysqlbinlog/INDEX.tsv, row by row and value by value
# (tests/binlog-vv.py). Files that tool cannot decode are compared with the
# -vv output of their unpacked twin, or checked in t2020.
. "$(dirname "$0")/lib.sh"
B=$FIXTURES/binlog
E=$B/expected-mariadb-mysqlbinlog

# Files mysqlbinlog cannot decode, or that must fail here (t2020 and t2000
# check them; bug40482-bin.000001 holds an INCIDENT event: t2099):
# skipped in the value comparison.
special() {
	case $1 in
	*/mysql-bin.compressed | */transaction_compression.000001 | \
	*/binlog_transaction_with_GTID_TAG.000001 | */json-opaque.binlog | \
	*/json.binlog.000001 | */vector.binlog | */binlog_truncated_event.000001 | \
	*/binlog_truncated_prev_gtid_event.000001 | */corrupt-relay-bin.000624 | \
	*/ver_5_1-wl2325_r.001 | */ver_5_1-wl2325_s.001 | \
	*/bug40482-bin.000001) return 0 ;;
	esac
	return 1
}

# Files with statement-based changes (binlog_format STATEMENT or MIXED) of
# tables that are selected: mc-binlog-tail stops at the first one (exit 1,
# its offset, the fix); the rows before it are compared with mysqlbinlog's
# up to that offset.
statement() {
	case $1 in
	*/binlog_56_gtid_reserved_word.000001 | */binlog_savepoint.000001 | \
	*/binlog_transaction.000001 | */binlog_transaction_with_GTID.000001 | \
	*/binlog_transaction_with_anonymous_GTID.000001 | */bug11747887-bin.000003 | \
	*/bug16266.000001 | */bug33029-slave-relay-bin.000001 | \
	*/rpl_cross_version_default_utf8mb4_collation.000001 | */ver_5_1_23.001 | \
	*/ver_trunk_row_v2.001) return 0 ;;
	esac
	return 1
}

compare_statement() { # DESC BINLOG VVFILE
	_d=$1 _f=$2 _v=$3
	if mc-binlog-tail --format=text --fk-cascades=pass "$_f" >/dev/null 2>"$T/err"; then
		fail "$_d: statement-based changes refused" "exit 0"
		return
	fi
	_off=$(sed -n 's/.*: offset \([0-9]*\): statement-based .*binlog_format=ROW.*/\1/p' "$T/err")
	if [ -z "$_off" ]; then
		fail "$_d: statement-based changes refused" "$(head -c 300 "$T/err")"
		return
	fi
	ok "$_d: statement-based change at offset $_off refused (exit 1)"
	sed "/^# at $_off\$/,\$d" "$_v" >"$T/vv-cut"
	compare "$_d (up to offset $_off)" "$_f" "$T/vv-cut" --stop-position="$_off"
}

compare() { # DESC BINLOG VVFILE [OPTIONS]
	_d=$1 _f=$2 _v=$3
	shift 3
	if ! mc-binlog-tail --format=text --fk-cascades=pass "$@" "$_f" >"$T/mc.txt" 2>"$T/err"; then
		fail "$_d" "mc-binlog-tail exited $?"
		return
	fi
	if python3 "$TOP/tests/binlog-vv.py" "$_v" "$T/mc.txt" >"$T/cmp" 2>&1; then
		ok "$_d: $(cat "$T/cmp")"
	else
		fail "$_d" "$(head -5 "$T/cmp" | tr '\n' ' ')"
	fi
}

n=0
while IFS='	' read -r rel rc rest; do
	f=$B/${rel#./}
	special "$f" && continue
	v=$E/${rel#./}.mysqlbinlog-vv.txt
	case $f in
	*.gz)
		gunzip -c "$f" >"$T/$(basename "$f" .gz).000001"
		gunzip -c "$v.gz" >"$T/vv.txt"
		f=$T/$(basename "$f" .gz).000001 v=$T/vv.txt ;;
	esac
	if statement "$f"; then
		compare_statement "${rel#./}" "$f" "$v"
	else
		compare "${rel#./}" "$f" "$v"
	fi
	n=$((n + 1))
done <"$E/INDEX.tsv"
expect_eq "at least 35 fixtures compared with mysqlbinlog -vv" "$([ $n -ge 35 ] && echo yes)" yes

# TRANSACTION_PAYLOAD (zstd) decoded here, compared with mysqlbinlog on the
# same transaction unpacked.
compare "transaction_compression.000001 (payload) = its unpacked twin" \
	"$B/rust_mysql_common/test-data/binlogs/transaction_compression.000001" \
	"$E/transaction_compression.000001.unpacked.mysqlbinlog-vv.txt"
compare "mysql-bin.compressed (payload) = its unpacked twin" \
	"$B/mysql-binlog-connector-java/src/test/resources/mysql-bin.compressed" \
	"$E/mysql-bin.compressed.unpacked.mysqlbinlog-vv.txt"
# MariaDB compressed events 165-168 (not in INDEX.tsv).
compare "mariadb-bin.000005 (MariaDB compressed events)" \
	"$B/generated-here-mariadb-10.11/mariadb-bin.000005" \
	"$B/generated-here-mariadb-10.11/mariadb-bin.000005.mysqlbinlog.txt"
