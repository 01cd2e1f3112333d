#!/bin/sh
# mc-cat: conversions, checks, errors, the program conventions.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" corpus >"$T/c.mcr" || { fail "mcgen corpus" "failed"; exit 1; }

# --- conventions ---
expect_conventions mc-cat '^mc-cat \(mcsync\) [0-9]' "" mc-cat
expect_code 2 "an unknown output format exits 2" mc-cat --to=xml "$T/c.mcr"
expect_code 2 "--to=csv without --table exits 2" mc-cat --to=csv "$T/c.mcr"
expect_code 1 "a missing file exits 1" mc-cat "$T/nope.mcr"
expect_grep "a missing file is named" "'$T/nope.mcr': No such file" "$T/err"

# --- round trips ---
expect_ok "mcr -> mcr" mc-cat --to=mcr "$T/c.mcr"
expect_same "mcr -> mcr is byte-identical" "$T/out" "$T/c.mcr"
mc-cat --to=jsonl "$T/c.mcr" >"$T/c.jsonl" 2>"$T/err"
expect_eq "mcr -> jsonl exits 0" "$?" 0
expect_golden "the JSON-lines form of the corpus" "$T/c.jsonl" corpus.jsonl
expect_ok "jsonl -> mcr" mc-cat --to=mcr "$T/c.jsonl"
expect_same "mcr -> jsonl -> mcr is byte-identical" "$T/out" "$T/c.mcr"
expect_ok "--from=jsonl reads JSON lines" mc-cat --from=jsonl --to=mcr "$T/c.jsonl"
expect_same "--from=jsonl gives the same bytes" "$T/out" "$T/c.mcr"
expect_code 1 "--from=mcr refuses JSON lines" mc-cat --from=mcr "$T/c.jsonl"
zstd -q -c "$T/c.mcr" >"$T/c.mcr.zst"
cp "$T/c.mcr.zst" "$T/compressed-without-suffix"
expect_ok "zstd input is detected by magic number" mc-cat --to=mcr "$T/compressed-without-suffix"
expect_same "zstd input decodes to the same stream" "$T/out" "$T/c.mcr"
mc-cat --to=mcr --zstd "$T/c.mcr" >"$T/z.zst"
zstd -q -d -c "$T/z.zst" >"$T/z.mcr"
expect_same "--zstd writes a zstd frame of the same stream" "$T/z.mcr" "$T/c.mcr"
zstd -q -c "$T/c.jsonl" >"$T/c.jsonl.zst"
expect_ok "compressed JSON lines are read" mc-cat --to=mcr "$T/c.jsonl.zst"
expect_same "compressed JSON lines give the same stream" "$T/out" "$T/c.mcr"
cat "$T/c.mcr" "$T/c.mcr" >"$T/two.mcr"
expect_ok "concatenated streams are read" mc-cat --to=mcr "$T/two.mcr"
expect_same "concatenated streams pass through" "$T/out" "$T/two.mcr"
mc-cat --to=mcr "$T/c.mcr" - <"$T/c.mcr" >"$T/out" 2>"$T/err"
expect_eq "several files are read in turn" "$?" 0
expect_same "FILE and - concatenate" "$T/out" "$T/two.mcr"
mc-cat --to=mcr <"$T/c.mcr" >"$T/stdin.mcr" 2>"$T/err"
expect_same "standard input by default" "$T/stdin.mcr" "$T/c.mcr"

# --- summary and csv ---
expect_ok "--to=summary" mc-cat --to=summary "$T/two.mcr"
expect_golden "summary of two corpus streams" "$T/out" corpus-summary.txt
# every record but the trailer
mc-cat --to=jsonl "$T/c.mcr" | sed '$d' | mc-cat --from=jsonl --to=mcr >"$T/notrailer" 2>/dev/null
expect_code 1 "a summary of a cut stream exits 1" mc-cat --to=summary "$T/notrailer"
expect_grep "... and says why in the summary" "^check: FAILED: '$T/notrailer': record 14: truncated at offset" "$T/out"
expect_ok "--to=csv" mc-cat --to=csv --table=shop.every_type "$T/c.mcr"
expect_golden "CSV of the corpus table" "$T/out" corpus.csv
expect_ok "--to=csv --with-op" mc-cat --to=csv --with-op --table=shop.every_type "$T/c.mcr"
expect_grep "--with-op adds _op and _pos" '^_op,_pos,id,i,' "$T/out"
expect_grep "--with-op names the op and position" '^delete,18446744073709551615:18446744073709551615:18446744073709551615,' "$T/out"

# --- check and truncation ---
expect_ok "--check accepts a whole stream" mc-cat --check "$T/c.mcr"
expect_eq "--check prints nothing" "$(cat "$T/out")" ""
n=$(wc -c <"$T/c.mcr")
# every 13th offset through the program (its exit code and message; three
# processes an offset made this the slowest test): tests/unit/t_cat cuts
# the same corpus at every offset through the engine mc-cat runs
step=13
i=0 bad=
while [ $i -lt "$n" ]; do
	head -c $i "$T/c.mcr" >"$T/cut"
	mc-cat --check "$T/cut" 2>"$T/cuterr"
	rc=$?
	if [ $i -eq 0 ]; then
		grep -q "empty input" "$T/cuterr" || bad="$bad $i"
	elif [ $rc -ne 1 ] || ! grep -q "truncated at offset $i\b" "$T/cuterr"; then
		bad="$bad $i"
	fi
	i=$((i + step))
done
if [ -z "$bad" ]; then ok "a stream cut at every ${step}th of $n offsets is reported truncated there"
else fail "a stream cut at each offset is reported truncated there" "offsets$bad"; fi
n=$(wc -l <"$T/c.jsonl")
head -n 5 "$T/c.jsonl" >"$T/cut.jsonl"
expect_code 1 "JSON lines without a trailer are truncated" mc-cat --check "$T/cut.jsonl"
expect_grep "... at the offset where they end" "record 6: truncated at offset $(wc -c <"$T/cut.jsonl") \(no trailer\)" "$T/err"
head -c 100 "$T/c.jsonl" >"$T/cut.jsonl"
expect_code 1 "a JSON line cut in the middle is truncated" mc-cat --check "$T/cut.jsonl"
expect_grep "... at its end" "record 2: truncated at offset 100" "$T/err"
head -c 600 "$T/c.mcr.zst" >"$T/cut.zst"
expect_code 1 "a cut zstd frame is an error" mc-cat --check "$T/cut.zst"
expect_grep "... saying so" "zstd stream truncated" "$T/err"
: >"$T/empty"
expect_code 1 "empty input is an error" mc-cat --check "$T/empty"

# --- bad input ---
printf '\335\377\377\377\377' >"$T/bomb"
expect_code 1 "a 5-byte header claiming 4 GiB is refused" mc-cat --check "$T/bomb"
expect_grep "... naming record and offset" "'$T/bomb': record 1: offset 0: field 'record': array of 4294967295 elements, over the limit" "$T/err"
# a file that is no record stream at all: said so, with what it is
printf 'mcsync-checkpoint 1\nseq 1\n' >"$T/ledger"
expect_code 1 "a ledger or checkpoint file is refused" mc-cat "$T/ledger"
expect_grep "... saying what it is" "'$T/ledger': record 1: offset 0: a checkpoint or ledger file of mcsync \(text\), not a record stream" "$T/err"
printf 'id,name\n1,x\n' >"$T/some.csv"
expect_code 1 "a text file is refused" mc-cat "$T/some.csv"
expect_grep "... quoting its beginning" "record 1: offset 0: not a record stream of mcsync \(it begins with the text 'id,name'\)" "$T/err"
printf '\001\002\003' >"$T/bin"
expect_code 1 "a binary file is refused" mc-cat "$T/bin"
expect_grep "... naming its first byte" "record 1: offset 0: not a record stream of mcsync \(its first byte is 0x01" "$T/err"
printf '\223\243mcr\001\200\231\002\001' >"$T/rowbomb"
printf '\241d\241t\001\223\001\002\000\000\300\335\177\377\377\377' >>"$T/rowbomb"
/usr/bin/time -f %M -o "$T/rss" mc-cat --check "$T/rowbomb" 2>"$T/err"
expect_grep "a row claiming 2^31 values is refused" "over the limit of 4096" "$T/err"
rss=$(tail -1 "$T/rss")
[ "$rss" -lt 20000 ] && ok "... without allocating it (peak RSS ${rss} KB)" || fail "... without allocating it" "peak RSS $rss KB"
printf '\223\243mcr\002\200' >"$T/v2"
expect_code 1 "an unknown format version is refused" mc-cat --check "$T/v2"
expect_grep "... by name" "unsupported format version 2" "$T/err"
# a trailer whose count is wrong: patch its count byte, after the array
# header and the kind (count 12 -> 11)
cp "$T/c.mcr" "$T/badtrailer"
printf '\013' | dd of="$T/badtrailer" bs=1 seek=$(($(wc -c <"$T/notrailer") + 2)) conv=notrunc 2>/dev/null
expect_code 1 "a wrong trailer count is refused" mc-cat --check "$T/badtrailer"
expect_grep "... with both counts" "record 14: offset [0-9]+: trailer counts 11 records, the stream has 12" "$T/err"
cat "$T/notrailer" "$T/c.mcr" >"$T/nested"
expect_code 1 "a header inside an open stream is refused" mc-cat --check "$T/nested"
expect_grep "... as such" "header inside a stream" "$T/err"
sed '3s/"op":"snapshot"/"op":"snapshoot"/' "$T/c.jsonl" >"$T/badop.jsonl"
expect_code 1 "a bad JSON line is refused" mc-cat --check "$T/badop.jsonl"
expect_grep "... naming its record number" "record 3: " "$T/err"
mc-cat --to=mcr "$T/badop.jsonl" >"$T/partial.mcr" 2>/dev/null
expect_code 1 "output before bad input has no trailer: downstream sees it truncated" mc-cat --check "$T/partial.mcr"

# --- output errors, SIGPIPE ---
"$MCGEN" sysbench 20000 >"$T/sb.mcr"
expect_sigpipe "jsonl into a closed pipe dies quietly" mc-cat "$T/sb.mcr"
expect_sigpipe "mcr into a closed pipe dies quietly" mc-cat --to=mcr "$T/sb.mcr"
if [ -w /dev/full ]; then
	mc-cat "$T/sb.mcr" >/dev/full 2>"$T/err"
	rc=$?
	expect_eq "a full disk is an error (exit 1)" "$rc" 1
	expect_grep "... with a message" "No space left on device" "$T/err"
fi
