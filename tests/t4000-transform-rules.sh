#!/bin/sh
# mc-transform's rules file: YAML (and JSON) through libfyaml; every error
# names the file, line and column and exits 2; --check prints the table
# mapping of a sample's schema records (selection, destination names).
. "$(dirname "$0")/lib.sh"

expect_conventions mc-transform '^mc-transform .mcsync. ' "" mc-transform --rules=x
expect_code 2 "no --rules is a usage error" mc-transform
expect_grep "... saying so" "rules=FILE is needed" "$T/err"

"$BIN/tools/mcgen" corpus >"$T/c.mcr"
rules() { printf '%s\n' "$@" >"$T/r.yaml"; }
# bad FILE LINE COL REGEX: the error names FILE:LINE:COL and says REGEX
bad() {
	expect_code 2 "$1: exit 2" mc-transform --rules="$T/r.yaml" --check
	expect_grep "$1: names file, line and column" "^mc-transform: $T/r.yaml:$2:$3: $4" "$T/err"
	expect_eq "$1: nothing on stdout" "$(cat "$T/out")" ""
}
rules 'select:' '  include:' '   - db: [' 
bad "a YAML syntax error" 4 1 "flow sequence without a closing bracket"
rules 'version: 1' 'version: 1'
bad "a duplicate key" 2 1 "duplicate key"
rules 'select:' '  include: [ {db: x, tabel: y} ]'
bad "an unknown key of an entry" 2 22 "select.include: unknown key"
rules 'version: 1' 'selekt: {}'
bad "an unknown top-level key" 2 1 "unknown key \\(want version, select, names\\)"
rules 'version: 2'
bad "an unknown version" 1 10 "version: '2'"
rules 'select:' '  exclude:' '    - table: "/order_(/"'
bad "a bad regular expression" 3 15 "table: bad regular expression"
rules 'select:' '  include:' '    - {}'
bad "an empty entry" 2 3 "select.include: an entry names a db or a table"
rules 'names:' '  template: "${schema}_${table}"'
bad "an unknown variable" 2 14 "names.template: '\\\$\\{schema\\}"
rules 'names:' '  case: title'
bad "an unknown case" 2 9 "names.case: 'title'"
rules 'names:' '  replace: [ {from: dev_} ]'
bad "a replace without to" 2 15 "names.replace: an entry is"
rules '[1, 2]'
bad "not a mapping" 1 2 "the rules file is a mapping"
expect_code 2 "a missing rules file: exit 2" mc-transform --rules="$T/none.yaml" --check
expect_grep "... naming it" "rules file '$T/none.yaml': No such file" "$T/err"

# --check: the mapping, default name ${db}_${table}
rules 'version: 1'
expect_ok "--check without a sample" mc-transform --rules="$T/r.yaml" --check
expect_ok "--check with a sample" mc-transform --rules="$T/r.yaml" --check --schema="$T/c.mcr"
expect_eq "the default name is \${db}_\${table}" "$(cat "$T/out")" "shop.every_type -> shop_every_type"
# JSON is YAML 1.2
printf '{"names": {"template": "${db}__${table}", "case": "upper"}}\n' >"$T/r.json"
expect_ok "a JSON rules file" mc-transform --rules="$T/r.json" --check --schema="$T/c.mcr"
expect_eq "the old db__table name, upper case" "$(cat "$T/out")" "shop.every_type -> SHOP__EVERY_TYPE"
rules 'names:' '  template: "${table}"' '  prefix: "dev_"' '  suffix: "_x"' \
	'  replace: [ {from: dev_, to: prd_}, {from: _type, to: ""} ]'
expect_ok "prefix, suffix, replace" mc-transform --rules="$T/r.yaml" --check --schema="$T/c.mcr"
expect_eq "... applied in order" "$(cat "$T/out")" "shop.every_type -> prd_every_x"
rules 'select:' '  exclude: [ {db: /sh.p/} ]'
expect_ok "an excluded db" mc-transform --rules="$T/r.yaml" --check --schema="$T/c.mcr"
expect_eq "... shown as not selected" "$(cat "$T/out")" "shop.every_type (not selected)"
rules 'names:' '  template: "${db}-${table}"'
expect_code 1 "a name outside [A-Za-z0-9_]: exit 1" mc-transform --rules="$T/r.yaml" --check --schema="$T/c.mcr"
expect_grep "... naming the table and the name" "table 'shop.every_type': its destination name 'shop-every_type' holds '-'" "$T/err"
expect_code 2 "--check reads no stream argument" mc-transform --rules="$T/r.yaml" --check "$T/c.mcr"
expect_code 2 "--schema without --check: the schemas before the input, a file that cannot be read" \
	mc-transform --rules="$T/r.yaml" --schema="$T/nonexistent.mcr" "$T/c.mcr"
