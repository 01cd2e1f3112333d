#!/bin/sh
# Into MaxCompute (batch mode), a table's name never equals a name derived
# from another table's (docs/maxcompute.md "Tables"): s.o and s.o_log with
# default names would put the base table of s.o_log, s__o_log, into the log
# table T_log of s.o; the other names mcsync derives from T (T_log_ddl of
# the other log layouts, the generations T__gN, T__gN_log, T__gN_log_ddl)
# likewise. Refused in either order, in one stream and across runs, exit 1,
# before anything is committed; a --name for one of them loads both.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3
"$BIN/tools/mcgen" sysbench 50 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 50 30 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
{ ren "$T/sb.mcr" s o >"$T/o.mcr" && ren "$T/ch.mcr" s o >"$T/oc.mcr" &&
	ren "$T/sb.mcr" s o_log >"$T/l.mcr" && ren "$T/sb.mcr" s o__g2 >"$T/g.mcr" &&
	ren "$T/sb.mcr" s o_log_ddl >"$T/d.mcr" && one "$T/o.mcr" "$T/oc.mcr" >"$T/o1.mcr" &&
	one "$T/l.mcr" "$T/o.mcr" "$T/oc.mcr" >"$T/lo.mcr"; } || { fail "setup" "streams"; exit 1; }

odps_srv
put() { # STATE ARGS...
	_s=$1
	shift
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" --retry-time=0.2 "$@"
}
tables() { sqlite3 "$T/srv/p1.db" "SELECT name FROM _odps_tables ORDER BY name" | tr '\n' ' '; }
rows() { $CLI sql "SELECT COUNT(*) FROM $1" 2>&1 | sed 1d; }

expect_ok "s.o alone" put a "$T/o1.mcr"
before=$(tables) logrows=$(rows s__o_log)
expect_code 1 "then s.o_log, whose base table is the log table of s.o" put a "$T/l.mcr"
expect_grep "... naming both tables and the clashing name" \
	"'s\.o_log' would be written as 's__o_log', which is the log table of 's__o', the name of 's\.o' \(ledger key 'name\.s\.o'\): .*--name=s\.o_log=NAME, or a names rule of mc-transform" "$T/err"
expect_eq "... no table made" "$(tables)" "$before"
expect_eq "... nothing written into s.o's log table" "$(rows s__o_log)" "$logrows"
expect_code 1 "a table named as s.o's generation 2 (s__o__g2)" put a "$T/g.mcr"
expect_grep "... named so" "'s\.o__g2' would be written as 's__o__g2', which is the generation 2 table of 's__o'" "$T/err"
expect_code 1 "a table named as s.o's DDL marker table (s__o_log_ddl)" put a "$T/d.mcr"
expect_grep "... named so" "'s\.o_log_ddl' would be written as 's__o_log_ddl', which is the log's DDL marker table of 's__o'" "$T/err"
expect_eq "... no table made" "$(tables)" "$before"

expect_code 1 "one stream, s.o_log first, into a new state" put b --commit-rows=10 "$T/lo.mcr"
expect_grep "... naming both" "'s\.o' would be written as 's__o', whose log table is 's__o_log', the name of 's\.o_log'" "$T/err"
expect_eq "... nothing of it committed (no table made)" "$(tables)" "$before"
expect_code 1 "... nor recorded" sh -c "cat '$T/b/_mcsync/ledger' 2>/dev/null | grep -q '^name\.'"

expect_ok "a --name for s.o_log loads it" put a --name=s.o_log=s__o_base "$T/l.mcr"
expect_eq "... into its own table" "$(rows s__o_base)" "50"
expect_eq "... s.o's log table untouched" "$(rows s__o_log)" "$logrows"

# another state directory does not know this one's ledger: there the
# table that exists in MaxCompute with other columns stops it
expect_code 1 "s.o_log into another state directory: refused (the columns of s__o_log)" put c "$T/l.mcr"
expect_eq "... s.o's log table untouched" "$(rows s__o_log)" "$logrows"
