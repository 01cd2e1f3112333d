#!/bin/sh
# mc-transform on a truncated input names the place once: the file, the
# record that is cut (or missing: no trailer) and the offset where the
# input ends, as mc-cat does ("'F': record N: truncated at offset M"). It
# once doubled the record ("record 13: record 14: truncated ...").
. "$(dirname "$0")/lib.sh"
MCGEN=$BIN/tools/mcgen
"$MCGEN" corpus >"$T/c.mcr" || { fail "mcgen corpus" "failed"; exit 1; }
printf 'version: 1\n' >"$T/r.yaml"
n=$(wc -c <"$T/c.mcr")

# no trailer, on standard input
mc-cat --to=jsonl "$T/c.mcr" | sed '$d' | mc-cat --from=jsonl --to=mcr >"$T/nt" 2>/dev/null
recs=$(mc-cat --to=jsonl "$T/c.mcr" | wc -l)
ntb=$(wc -c <"$T/nt")
expect_code 1 "a stream without its trailer on stdin: exit 1" sh -c 'mc-transform --rules="$1" <"$2"' sh "$T/r.yaml" "$T/nt"
expect_eq "... one line naming the missing record and the offset" "$(cat "$T/err")" \
	"mc-transform: '(stdin)': record $recs: truncated at offset $ntb (no trailer)"

# cut inside records, as a file: the same place as mc-cat names
bad=
for i in 1 17 $((n / 3)) $((n / 2)) $((n - 1)); do
	head -c "$i" "$T/c.mcr" >"$T/cut"
	mc-cat --check "$T/cut" 2>"$T/caterr"
	mc-transform --rules="$T/r.yaml" "$T/cut" >/dev/null 2>"$T/err"
	rc=$?
	want=$(sed 's/^mc-cat: /mc-transform: /' "$T/caterr")
	case $want in *"record "*": truncated at offset $i") ;; *) bad="$bad $i(mc-cat:$want)" ;; esac
	[ $rc -eq 1 ] && [ "$(cat "$T/err")" = "$want" ] || bad="$bad $i(rc $rc: $(cat "$T/err"))"
	mc-transform --rules="$T/r.yaml" --check --schema="$T/cut" >/dev/null 2>"$T/err"
	rc=$?
	[ $rc -eq 1 ] && [ "$(cat "$T/err")" = "$want" ] || bad="$bad $i(--check rc $rc: $(cat "$T/err"))"
done
if [ -z "$bad" ]; then ok "a cut stream (and --check --schema of it) names file, record and offset once"
else fail "a cut stream names file, record and offset once" "$bad"; fi

# a bad JSON line is named once too (record, then the decoder's offset)
mc-cat --to=jsonl "$T/c.mcr" | sed '3s/^{/{"x/' >"$T/bad.jsonl"
expect_code 1 "a bad JSON line: exit 1" mc-transform --rules="$T/r.yaml" "$T/bad.jsonl"
expect_grep "... names the record once" "^mc-transform: '$T/bad.jsonl': record 3: offset [0-9]+: [^:]" "$T/err"
