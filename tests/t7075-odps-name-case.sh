#!/bin/sh
# Table names with upper-case letters. A warehouse name is [A-Za-z0-9_], yet
# a source table named `Tbl` (or --name=DB.T=MyT) stopped every load, local
# or MaxCompute, with "checkpoint: bad key 'tsrc.sbtest__Tbl' or value"
# (exit 1): the ledger's keys took no upper case. Into MaxCompute, whose
# names are not case-sensitive, the name is folded to lower case, so that
# `Tbl` and `tbl` are one name to mcsync as to MaxCompute: two source tables
# differing only in case meet in the ledger (refused) instead of in one
# table (doubled rows, exit 0), and a second state directory under the
# other case is refused as under the same name (docs/maxcompute.md "Tables").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3
"$BIN/tools/mcgen" sysbench 300 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 300 200 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# rename FILE TABLE OUT: the stream with sbtest1 renamed
rename() { mc-cat "$1" | sed "s/\"table\":\"sbtest1\"/\"table\":\"$2\"/" | mc-cat --to=mcr >"$3"; }
rename "$T/sb.mcr" Tbl "$T/usb.mcr" && rename "$T/ch.mcr" Tbl "$T/uch.mcr" &&
	rename "$T/sb.mcr" CaseT "$T/csb.mcr" && rename "$T/sb.mcr" caset "$T/lsb.mcr" || { fail "rename" "failed"; exit 1; }

# the local warehouse keeps the case
expect_ok "a source table 'Tbl' into a local warehouse" mc-tunnel-put --dest="$T/wh" "$T/usb.mcr" "$T/uch.mcr"
expect_ok "... merged" mc-merge --warehouse="$T/wh" --table=sbtest__Tbl --ds=20251122
for f in "$T"/wh/sbtest__Tbl/ds=20251122/*.mcr*; do mc-cat --to=csv --table=sbtest.Tbl "$f" | sed 1d; done |
	sort >"$T/local.csv"
expect_eq "... with every row" "$(wc -l <"$T/local.csv")" "$(mc-cat --to=summary "$T/usb.mcr" >/dev/null; sort -u "$T/local.csv" | wc -l)"

odps_srv
put() { # STATE ARGS...
	_s=$1
	shift
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" --retry-time=0.2 "$@"
}
count() { $CLI sql "SELECT COUNT(*) FROM $1" 2>&1 | sed 1d; }

expect_ok "'Tbl' into MaxCompute" put a "$T/usb.mcr" "$T/uch.mcr"
expect_grep "... as sbtest__tbl" "^name\.hex\.736274657374\.54626c sbtest__tbl$" "$T/a/_mcsync/ledger"
expect_ok "... merged in MaxCompute" mc-merge --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/a" \
	--table=sbtest__tbl --ds=20251122
$CLI sql "SELECT id,k,c,pad FROM sbtest__tbl WHERE ds='20251122'" | sed 1d | sort >"$T/odps.csv"
expect_same "... equal to the local merge" "$T/local.csv" "$T/odps.csv"

expect_code 1 "two source tables differing only in case, one state: refused" put b "$T/csb.mcr" "$T/lsb.mcr"
expect_grep "... naming the second" "'sbtest.caset' would be written as 'sbtest__caset', which this warehouse holds another table under" "$T/err"
expect_ok "--name with upper case" put c --name=sbtest.sbtest1=CaseQ "$T/sb.mcr"
expect_code 1 "... a second state under the lower-case name is refused" put d --name=sbtest.sbtest1=caseq "$T/sb.mcr"
expect_grep "... naming the table" "MaxCompute table 'p1.caseq' holds rows of sbtest.sbtest1 committed by another state directory" "$T/err"
expect_eq "... the first one's rows alone" "$(count sbtest__caset)" "300"
expect_eq "... the table once" "$(count caseq)" "300"

expect_ok "--mode=upsert with an upper-case --name" put u --mode=upsert --name=sbtest.Tbl=UpT "$T/uch.mcr"
expect_grep "... owns upt" "^own\..* upt$" "$T/u/_mcsync/upsert-owner"
expect_code 1 "... a second upsert state under the lower-case name is refused" put v --mode=upsert \
	--name=sbtest.Tbl=upt "$T/uch.mcr"
expect_grep "... naming the table" "MaxCompute table 'p1.upt' holds rows" "$T/err"
