#!/bin/sh
# A mask or types rule names a column in any case (MySQL/MariaDB column
# names are not case-sensitive): mask column: email masks the column
# Email, a regular expression /e.*l/ too, types column: phone converts
# Phone.
# (The rule matched nothing, silently: e-mails in the clear and the phone
# left a text, exit 0: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE users (id INT PRIMARY KEY, Email VARCHAR(60), Phone VARCHAR(20));
INSERT INTO users VALUES (1,'alice@corp.com','5551234'),(2,'bob@corp.com','5559876')" ||
	{ fail "setup" "sql"; exit 1; }
mdb_snap_d
cat >"$T/r.yaml" <<'YAML'
names: {template: "${table}"}
mask: [{table: users, column: email, with: hash}]
types: [{table: users, column: phone, to: BIGINT}]
YAML
expect_ok "a snapshot through rules naming the columns in another case" \
	sh -c 'mc-transform --rules="$1/r.yaml" "$1/snap.mcr" >"$1/o.mcr"' - "$T"
if mc-cat "$T/o.mcr" | grep -q 'alice@corp.com'; then
	fail "mask column: email on the column Email: masked" "the e-mail in the clear: $(mc-cat "$T/o.mcr" | grep alice)"
else
	ok "mask column: email on the column Email: masked"
fi
expect_eq "types column: phone on the column Phone: BIGINT" \
	"$(mc-cat "$T/o.mcr" | jq -r 'select(.kind == "schema") | .columns[2].mc_type')" BIGINT
# a regular expression of a column matches in any case too
printf 'names: {template: "${table}"}\nmask: [{table: users, column: "/e.*l/", with: hash}]\n' >"$T/re.yaml"
mc-transform --rules="$T/re.yaml" "$T/snap.mcr" >"$T/o2.mcr" || fail "mask /e.*l/" "exit $?"
if mc-cat "$T/o2.mcr" | grep -q 'alice@corp.com'; then
	fail "mask column: /e.*l/ on the column Email: masked" "in the clear"
else
	ok "mask column: /e.*l/ on the column Email: masked"
fi
