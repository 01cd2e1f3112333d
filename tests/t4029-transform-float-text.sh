#!/bin/sh
# A FLOAT's text in the rules (a STRING type override, an expression's
# concat, md5, a mask's hash) was the text of the double it widens to
# ('0.12300000339746475', '1.100000023841858'), where the server, mc-cat and
# docs/types.md give the float's shortest ('0.123', '1.1') (found by a
# tester). Now the float's own; a DOUBLE's stays the double's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d; CREATE TABLE t (id INT PRIMARY KEY, f FLOAT, g FLOAT, dd DOUBLE);
INSERT INTO t VALUES (1, 0.123, 1.1, 0.1), (2, 3.4e38, 16777217, 1e-7)" || { fail "setup" "sql"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
types:
  - {table: t, column: f, to: STRING}
  - {table: t, column: dd, to: STRING}
columns:
  - table: t
    add:
      - {name: gtxt, value: "concat(g, '')"}
      - {name: gmd5, value: "md5(g)"}
YAML
mdb_snap_d
expect_ok "through the rules" sh -c "mc-transform --rules='$T/r.yaml' '$T/snap.mcr' | mc-cat >'$T/out.jsonl'"
row() { jq -c "select(.kind == \"row\" and .after[0] == $1) | .after" "$T/out.jsonl"; }
m=$(printf '%s' 1.1 | md5sum | cut -d' ' -f1)
expect_eq "row 1: the float's shortest text, the double's as it was" "$(row 1)" \
	"[1,\"0.123\",{\"f32\":1.1},\"0.1\",\"1.1\",\"$m\"]"
expect_eq "row 2" "$(row 2 | jq -c '[.[1], .[4]]')" '["3.4e+38","16777216"]'
expect_eq "... as mc-cat shows the source" "$(mc-cat "$T/snap.mcr" | jq -c 'select(.kind == "row" and .after[0] == 2) | [.after[1], .after[2]]')" '[{"f32":3.4e+38},{"f32":16777216}]'
