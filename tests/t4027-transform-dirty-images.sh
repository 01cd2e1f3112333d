#!/bin/sh
# Dirty data in a change's before image. A row image that does not convert
# is not in the destination: a snapshot through the rules leaves it out.
# mc-transform rejected the whole change when either image was dirty, so
# (found by a tester) an UPDATE to a dirty value left the old row in the
# warehouse, an UPDATE from a dirty value to a clean one never came, and a
# DELETE of a row whose value was dirty was lost, exit 0. Now, as keep_if's
# rows: an update to a dirty image is the delete of its old row (the new
# image listed in the reject file, counted), an update from a dirty image
# the insert of its new one, and the delete of a dirty image nothing (its
# row was listed when it came). The merge equals a fresh snapshot through
# the rules.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE t (id INT PRIMARY KEY, amount VARCHAR(12), k VARCHAR(5));
INSERT INTO t SELECT seq, seq * 10, seq FROM seq_1_to_5" || { fail "setup" "sql"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
types: [{table: t, column: amount, to: BIGINT}]
dirty: {limit: 10}
YAML
mdb_snap_d
sql "USE d; UPDATE t SET amount = 'n/a' WHERE id = 1; UPDATE t SET amount = '7.5' WHERE id = 2;
INSERT INTO t VALUES (6, 'x6', '6'); UPDATE t SET amount = '60' WHERE id = 6;
UPDATE t SET amount = 'abc' WHERE id = 3; DELETE FROM t WHERE id = 3;
UPDATE t SET amount = 'y4', id = 40 WHERE id = 4; FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch.mcr"
at=$(mc-cat --to=summary "$T/ch.mcr" | sed -n 's/^positions: .* \.\. //p')
expect_ok "the snapshot through the rules" sh -c "mc-transform --rules='$T/r.yaml' --reject='$T/rej' '$T/snap.mcr' >'$T/s.t.mcr'"
expect_ok "the changes through the rules" sh -c "mc-transform --rules='$T/r.yaml' --reject='$T/rej' '$T/ch.mcr' >'$T/c.t.mcr'"
expect_eq "... four rejected: the new images n/a, 7.5, x6, abc, y4 (the delete of abc is none)" \
	"$(cut -f4,5 "$T/rej" | tr '\t' ':' | tr '\n' ' ')" "after:n/a after:7.5 after:x6 after:abc after:y4 "
expect_grep "... the count" "5 rows rejected as dirty data" "$T/err"
ops() { mc-cat "$1" | jq -r 'select(.kind == "row") | .op' | tr '\n' ' '; }
expect_eq "... the updates to dirty images are deletes, the one from a dirty image an insert" \
	"$(ops "$T/c.t.mcr")" "delete delete insert delete delete "
expect_ok "loaded" mc-tunnel-put --dest="$T/w" "$T/s.t.mcr" "$T/c.t.mcr"
mc-merge --warehouse="$T/w" --table=t --at="$at" --output="$T/m.mcr" 2>"$T/err" ||
	fail "merge" "$(cat "$T/err")"
mc-cat "$T/m.mcr" | jq -c 'select(.kind == "row") | .after' | sort >"$T/got"
mc-snapshot $MDB_ARGS --databases=d | mc-transform --rules="$T/r.yaml" --reject="$T/rej2" |
	mc-cat | jq -c 'select(.kind == "row") | .after' | sort >"$T/want"
expect_same "the merge equals a fresh snapshot through the rules" "$T/got" "$T/want"
expect_eq "... rows 5 and 6" "$(cut -c2-3 "$T/want" | tr '\n' ' ')" "5, 6, "
