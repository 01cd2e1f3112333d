#!/bin/sh
# Every rules-file error of the columns, types and dirty sections (issue 14
# items 3 and 4) names the file, line and column, exit 2; --param errors;
# and the errors at run time: a column the table has not, an added column
# whose name the table has, exit 1 naming the position and the rule.
. "$(dirname "$0")/lib.sh"

"$BIN"/tools/mcgen sysbench 20 >"$T/sb.mcr" || fail "mcgen" "failed"
n=0
err_case() { # YAML LINE:COL MESSAGE
	n=$((n + 1))
	printf '%s\n' "$1" >"$T/e$n.yaml"
	expect_code 2 "rules error: $3" mc-transform --rules="$T/e$n.yaml" "$T/sb.mcr"
	expect_grep "... at its line:column" "e$n.yaml:$2: $3" "$T/err"
}
err_case 'columns: {table: t}' 1:11 "columns: expected a list"
err_case 'columns:
  - table: t' 2:5 "columns: an entry adds columns"
err_case 'columns:
  - add: [{name: x, value: "concat(a"}]' 2:29 "columns.add.value: ',' or '\\)' expected at character 9"
err_case 'columns:
  - add: [{name: x, value: "nofn(a)"}]' 2:29 "columns.add.value: an unknown function"
err_case 'columns:
  - add: [{name: x, value: "substr(a)"}]' 2:29 "columns.add.value: substr\\(\\) takes 2 or 3 arguments, not 1"
err_case 'columns:
  - add: [{name: x, value: "date_format(EVENT_TIME, '"'"'yyyy-QQ'"'"')"}]' 2:29 "columns.add.value: date_format\\(\\): time format 'yyyy-QQ': a letter that is no field"
err_case 'columns:
  - add: [{name: x, value: "parse_time(a, '"'"'HH:mm'"'"')"}]' 2:29 "columns.add.value: parse_time\\(\\): time format 'HH:mm': a time read by it needs yyyy, MM and dd"
err_case 'columns:
  - add: [{name: x, value: "hash_mod(a, 0)"}]' 2:29 "columns.add.value: hash_mod\\(x, N\\): N is a constant"
err_case 'columns:
  - add: [{name: x, value: "${bad"}]' 2:29 "columns.add.value: a parameter is \\\$\\{NAME\\}"
err_case 'columns:
  - add: [{name: x, value: "a b"}]' 2:29 "columns.add.value: the end of the value expected"
err_case 'columns:
  - add: [{name: "1x", value: a}]' 2:19 "columns.add.name: '1x' is not a column name"
err_case 'columns:
  - add: [{value: a}]' 2:12 "columns.add: an entry has a name"
err_case 'columns:
  - add: [{name: x}]' 2:12 "columns.add: column 'x' has a value or a const"
err_case 'columns:
  - add: [{name: x, value: a, const: b}]' 2:12 "columns.add: column 'x' has a value or a const"
err_case 'columns:
  - add: [{name: x, value: a}, {name: X, value: b}]' 2:33 "columns.add: column 'X' is added twice"
err_case 'columns:
  - add: [{name: x, value: a, type: TEXT}]' 2:37 "columns.add.type: 'TEXT' \\(want STRING"
err_case 'columns:
  - add: [{name: x, value: a, type: "DECIMAL(40,2)"}]' 2:38 "columns.add.type: 'DECIMAL\\(40,2\\)'"
err_case 'columns:
  - add: [{name: x, value: a, colour: red}]' 2:31 "columns.add: unknown key"
err_case 'columns:
  - add: [{name: x, value: a, type: INT, format: yyyy}]' 2:12 "columns.add: format goes with STRING, DATE or DATETIME, not INT"
err_case 'columns:
  - add: [{name: x, value: a, type: STRING, unix: seconds}]' 2:12 "columns.add: unix goes with DATE, DATETIME or BIGINT, not STRING"
err_case 'columns:
  - {table: t, colour: red, add: [{name: x, value: a}]}' 2:16 "columns: unknown key"
err_case 'types: [{column: c}]' 1:10 "types: an entry has to: TYPE"
err_case 'types: [{to: INT}]' 1:10 "types: an entry names a column or a source_type"
err_case 'types: [{column: c, to: INT, unix: hours}]' 1:36 "types.unix: seconds or millis"
err_case 'types: [{column: c, to: DATE, format: "HH:mm"}]' 1:10 "types: format 'HH:mm': a time read by it needs yyyy, MM and dd"
err_case 'types: [{column: c, to: DATE, format: "yyyy-MM-dd'"'"'T"}]' 1:40 "types.format: 'yyyy-MM-dd'T': a quote without its closing quote"
err_case 'types: [{source_type: "/int(/", to: INT}]' 1:24 "types.source_type: bad regular expression"
err_case 'types: [{column: c, to: INT, colour: red}]' 1:30 "types: unknown key"
err_case 'dirty: [1]' 1:9 "dirty: expected a mapping"
err_case 'dirty: {limit: -1}' 1:16 "dirty.limit: '-1' \\(want a count"
err_case 'dirty: {limit: 2, reject: ""}' 1:28 "dirty.reject: empty"
err_case 'dirty: {colour: red}' 1:9 "dirty: unknown key"

# --param: not NAME=VALUE; an unknown ${NAME} names its place
printf 'columns:\n  - add:\n      - name: biz\n        value: ${bizdate}\n' >"$T/p.yaml"
expect_code 2 "--param without =" mc-transform --rules="$T/p.yaml" --param bizdate "$T/sb.mcr"
expect_grep "... said" "--param 'bizdate': want NAME=VALUE" "$T/err"
expect_code 2 "a \${NAME} no --param gives" mc-transform --rules="$T/p.yaml" --param other=1 "$T/sb.mcr"
expect_grep "... names its file:line:col" "p.yaml:4:16: \\\$\\{bizdate\\}: no such parameter" "$T/err"
expect_ok "given, it runs" mc-transform --rules="$T/p.yaml" --param bizdate=20240102 "$T/sb.mcr"

# run-time errors: a column the table has not; a name the table has
printf 'columns:\n  - add: [{name: x, value: nosuch}]\n' >"$T/nocol.yaml"
expect_code 1 "an added column reading a column the table has not" mc-transform --rules="$T/nocol.yaml" "$T/sb.mcr"
expect_grep "... names the position and the rule" "record [0-9]+: position [0-9]+:[0-9]+:[0-9]+: the column rule at .*nocol.yaml:2:12: table '.*' \(schema version [0-9]+\) has no column 'nosuch'" "$T/err"
mc-cat "$T/sb.mcr" >"$T/sb.jsonl"
col=$(jq -r 'select(.kind == "schema") | .columns[1].name' "$T/sb.jsonl" | head -1)
printf 'columns:\n  - add: [{name: %s, const: x}]\n' "$(echo "$col" | tr a-z A-Z)" >"$T/taken.yaml"
expect_code 1 "an added column named as a column of the table" mc-transform --rules="$T/taken.yaml" "$T/sb.mcr"
expect_grep "... said at the schema record" "the column rule at .*taken.yaml:2:12: table '.*' has a column '.*' already" "$T/err"
