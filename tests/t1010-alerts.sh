#!/bin/sh
# --on-alert: a DDL under the "alert" policy of mc-transform and a failed
# mc-merge run the command with the alert's line on standard input and its
# kind in MCSYNC_ALERT; the same line goes to standard error; the command's
# output never reaches the record stream; a failed run's metrics count the
# error. (The lag alert: t2080.)
. "$(dirname "$0")/lib.sh"
B=$FIXTURES/binlog/generated-here-mariadb-10.11/mariadb-bin.000001
cat >"$T/alert.sh" <<EOS
#!/bin/sh
echo "this goes to standard error, not to the stream"
{ printf '%s %s ' "\$MCSYNC_PROGRAM" "\$MCSYNC_ALERT"; cat; } >>"$T/alerts"
EOS
chmod +x "$T/alert.sh"
mc-binlog-tail "$B" >"$T/in.mcr"
n=$(mc-cat --to=jsonl "$T/in.mcr" | grep -c '"kind":"ddl"')
expect_eq "the binlog holds 3 DDL records" "$n" 3
cat >"$T/rules.yaml" <<'YAML'
ddl:
  create_table: alert
  other: alert
  alter_other: alert
  drop_table: alert
YAML
expect_ok "mc-transform --on-alert" mc-transform --rules="$T/rules.yaml" --on-alert="$T/alert.sh" "$T/in.mcr"
cp "$T/out" "$T/tf.mcr"
cp "$T/err" "$T/tf.err"
expect_eq "... one run of CMD per DDL alert (2 under the policy), kind ddl" \
	"$(grep -c "^mc-transform ddl ddl: .* DDL [a-z_]* of 't\.[a-z]*' at position 1:" "$T/alerts")" 2
expect_eq "... each line on stderr too" "$(grep -c '^mc-transform: alert ddl: .* DDL ' "$T/tf.err")" 2
expect_grep "... the command's output went to stderr" "this goes to standard error" "$T/tf.err"
expect_ok "... its output is still a whole record stream" mc-cat "$T/tf.mcr"

: >"$T/alerts"
mkdir -p "$T/wh/_mcsync"
expect_code 1 "mc-merge of a table the warehouse has not" mc-merge --warehouse="$T/wh" --table=nosuch \
	--ds=20240101 --on-alert="$T/alert.sh" --metrics="$T/merge.prom"
expect_grep "... the alert merge_failed, its message on stdin" "^mc-merge merge_failed .*'$T/wh/nosuch': no such table" "$T/alerts"
expect_grep "... on stderr too" "^mc-merge: alert merge_failed: " "$T/err"
expect_grep "... the metrics count the error" '^mcsync_errors_total{program="mc-merge"} 1$' "$T/merge.prom"
expect_grep "... and say the run is over" '^mcsync_running{program="mc-merge"} 0$' "$T/merge.prom"
expect_code 1 "a command that fails is said, the exit status is the merge's" mc-merge --warehouse="$T/wh" \
	--table=nosuch --ds=20240101 --on-alert="exit 7"
expect_grep "... said" "^mc-merge: --on-alert: 'exit 7' failed .exit 7.$" "$T/err"
expect_code 2 "--on-alert= empty is a usage error" mc-merge --warehouse="$T/wh" --table=t --on-alert=
