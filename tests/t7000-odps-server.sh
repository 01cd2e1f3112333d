#!/bin/sh
# The strict local MaxCompute server (tests/odps-server), driven by its small
# client: the spec's signing examples (§4.2, §4.2b, Appendix C) signed by the
# client and verified by the server, the vectors A, B and "empty" (Appendix A)
# uploaded as blocks and read back, the session state machine, every reader
# check of §5.5/§9 and every other §9 rule with a request it must refuse,
# compression, atomic commit, SQL instances on sqlite, fault injection.
# The vectors below are copied from the spec (maxcompute-tunnel.md, the
# section named beside each).
. "$(dirname "$0")/lib.sh"

S=$TOP/tests/odps-server
odps_start srv || exit 1
D=$T/srv
C() { python3 "$S/client.py" --endpoint="$ODPS_ENDPOINT" --credentials="$ODPS_CONF" --project=p1 "$@"; }
# refuse DESC CODE CMD...: the server answers with error code CODE (client exit 1)
refuse() {
	_rd=$1 _rc=$2
	shift 2
	expect_code 1 "$_rd" "$@" && expect_grep "$_rd: $_rc" "^HTTP [0-9]+ $_rc\$" "$T/err"
}
sql() { C sql "$1" >"$T/sql.out" 2>"$T/err"; }

# --- signing: the client against the spec's worked examples (§4.2, §4.2b) ---
expect_ok "the client signs the spec's examples" python3 "$S/client.py" sign-examples
expect_grep "example 1 (block PUT) as in §4.2" '^example 1: ODPS LTAI5tExampleAccessId:tiIKFtkycHwZqY4256JcKNuwJBw=$' "$T/out"
expect_grep "example 1 string to sign as in §4.2" '^example 1 string-to-sign hex: 5055540a0a6170706c69636174696f6e2f6f637465742d73747265616d0a5475652c203032204a616e20323032342030333a30343a303520474d540a782d6f6470732d74756e6e656c2d76657273696f6e3a360a782d6f6470732d757365722d6167656e743a6d632d74756e6e656c2d7075742f302e310a2f70726f6a656374732f6d795f70726f6a2f7461626c65732f6d795f7461626c653f626c6f636b69643d3026637572725f70726f6a6563743d6d795f70726f6a26706172746974696f6e3d64733d32303234303130312c68683d30332675706c6f616469643d323032343031303230333034303531613262336330623063306430653066$' "$T/out"
expect_grep "example 2 (create session) as in §4.2" '^example 2: ODPS LTAI5tExampleAccessId:eGpQa14Bl9vk0ht1gKHotVSYZBo=$' "$T/out"
expect_grep "example 3 (discovery) as in §4.2" '^example 3: ODPS LTAI5tExampleAccessId:o1DTlaZNWN7LHjlt228amaUMpqs=$' "$T/out"
expect_grep "example 3 signed v4 as in §4.2b" '^example 3 v4: ODPS LTAI5tExampleAccessId/20240102/cn-hangzhou/odps/aliyun_v4_request:iCrBAl87/GqOQh\+8pz4rJ40Nyuw=$' "$T/out"

# --- the server's verifier against the same captured requests, sent by curl ---
# a second server with the spec's made-up key and a clock window that takes 2024
(umask 077 && printf 'access_id=LTAI5tExampleAccessId\naccess_key=ExampleSecretKey0123456789abcdef\n' >"$T/ex.conf")
mkdir -p "$T/ex"
python3 "$S/server.py" --port=0 --data="$T/ex" --ready-file="$T/ex/port" --credentials="$T/ex.conf" \
	--project=my_proj --max-skew=2000000000 2>"$T/ex/server.err" &
expid=$!
at_exit "odps_stop $expid"
wait_for . "$T/ex/port" 100 || fail "example server" "did not start"
ep=127.0.0.1:$(cat "$T/ex/port")
X() { python3 "$S/client.py" --endpoint="http://$ep/api" --credentials="$T/ex.conf" --project=my_proj "$@"; }
X sql "CREATE TABLE my_table (id BIGINT) PARTITIONED BY (ds STRING, hh STRING)" >/dev/null 2>&1
X sql "ALTER TABLE my_table ADD IF NOT EXISTS PARTITION (ds='20240101', hh='03')" >/dev/null 2>&1
D24='Tue, 02 Jan 2024 03:04:05 GMT'
UA='x-odps-user-agent: mc-tunnel-put/0.1'
code() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
expect_eq "the server verifies example 3 (discovery)" \
	"$(code -H "Date: $D24" -H "$UA" -H 'Authorization: ODPS LTAI5tExampleAccessId:o1DTlaZNWN7LHjlt228amaUMpqs=' \
		"http://$ep/api/projects/my_proj/tunnel?service&curr_project=my_proj") $(cat "$T/body")" "200 $ep"
expect_eq "the server verifies example 3 signed v4" \
	"$(code -H "Date: $D24" -H "$UA" -H 'Authorization: ODPS LTAI5tExampleAccessId/20240102/cn-hangzhou/odps/aliyun_v4_request:iCrBAl87/GqOQh+8pz4rJ40Nyuw=' \
		"http://$ep/api/projects/my_proj/tunnel?service&curr_project=my_proj")" 200
expect_eq "the server verifies example 2 (create session)" \
	"$(code -X POST -H "Date: $D24" -H "$UA" -H 'x-odps-tunnel-version: 6' -H 'Content-Length: 0' \
		-H 'Authorization: ODPS LTAI5tExampleAccessId:eGpQa14Bl9vk0ht1gKHotVSYZBo=' \
		"http://$ep/projects/my_proj/tables/my_table?uploads&partition=ds%3D20240101%2Chh%3D03&curr_project=my_proj")" 201
printf 'x' >"$T/x"
expect_eq "the server verifies example 1 (block PUT; then: no such session)" \
	"$(code -X PUT -H "Date: $D24" -H "$UA" -H 'x-odps-tunnel-version: 6' -H 'Transfer-Encoding: chunked' \
		-H 'Content-Type: application/octet-stream' -H 'Content-Encoding: deflate' --data-binary @"$T/x" \
		-H 'Authorization: ODPS LTAI5tExampleAccessId:tiIKFtkycHwZqY4256JcKNuwJBw=' \
		"http://$ep/projects/my_proj/tables/my_table?uploadid=202401020304051a2b3c0b0c0d0e0f&blockid=0&partition=ds%3D20240101%2Chh%3D03&curr_project=my_proj") $(grep -o '"Code": "[A-Za-z]*"' "$T/body")" '400 "Code": "InvalidArgument"'
expect_eq "example 3 with one character of the signature changed is refused" \
	"$(code -H "Date: $D24" -H "$UA" -H 'Authorization: ODPS LTAI5tExampleAccessId:o1DTlaZNWN7LHjlt228amaUMpqt=' \
		"http://$ep/api/projects/my_proj/tunnel?service&curr_project=my_proj")" 401
expect_eq "example 3 with its x-odps-user-agent changed is refused" \
	"$(code -H "Date: $D24" -H "x-odps-user-agent: mc-tunnel-put/0.2" -H 'Authorization: ODPS LTAI5tExampleAccessId:o1DTlaZNWN7LHjlt228amaUMpqs=' \
		"http://$ep/api/projects/my_proj/tunnel?service&curr_project=my_proj")" 401
expect_eq "example 3 on the tunnel path (no /api) signs the same resource but is no service request" \
	"$(code -H "Date: $D24" -H "$UA" -H 'Authorization: ODPS LTAI5tExampleAccessId:o1DTlaZNWN7LHjlt228amaUMpqs=' \
		"http://$ep/projects/my_proj/tunnel?service&curr_project=my_proj")" 404
expect_eq "the spec's example 3 dated now is refused by a server with the default window" \
	"$(code -H "Date: $D24" -H "$UA" -H 'Authorization: ODPS mcsync-test:o1DTlaZNWN7LHjlt228amaUMpqs=' \
		"$ODPS_ENDPOINT/projects/p1/tunnel?service&curr_project=p1")" 403
expect_grep "the skew answer is RequestTimeTooSkewed" '<Code>RequestTimeTooSkewed</Code>' "$T/body"
odps_stop $expid

# --- discovery (§2.2) ---
expect_ok "discovery" C discover
expect_eq "discovery names the loopback tunnel endpoint" "$(cat "$T/out")" "127.0.0.1:$ODPS_PORT"
refuse "discovery of an unknown project" NoSuchProject C --project=nope discover
T1=--tunnel=127.0.0.1:$ODPS_PORT
MAIN=http://127.0.0.1:$ODPS_PORT

# --- SQL instances (§8): the tables ---
expect_ok "CREATE TABLE ... PARTITIONED BY ... LIFECYCLE" C sql "CREATE TABLE IF NOT EXISTS t1 (id BIGINT COMMENT 'k', name STRING, ts DATETIME) PARTITIONED BY (ds STRING) LIFECYCLE 7;"
expect_ok "CREATE TABLE IF NOT EXISTS of an existing table" C sql "CREATE TABLE IF NOT EXISTS t1 (id BIGINT) PARTITIONED BY (ds STRING) LIFECYCLE 7;"
expect_code 1 "CREATE TABLE of an existing table fails" C sql "CREATE TABLE t1 (id BIGINT);"
expect_grep "with the task's error text" 'task failed: ODPS-[0-9]+:.*already exists' "$T/err"
expect_ok "the table of vector B" C sql "CREATE TABLE tb (c_tinyint tinyint, c_smallint smallint, c_int int, c_bigint bigint, c_float float, c_double double, c_boolean boolean, c_string string, c_binary binary, c_decimal decimal(10,2), c_date date, c_datetime datetime, c_timestamp timestamp, c_char char(4), c_varchar varchar(10), c_array array<bigint>, c_map map<string,bigint>, c_struct struct<a:bigint,b:string>)"
expect_ok "the table of vector empty" C sql "CREATE TABLE te (id BIGINT)"
expect_ok "the table of the reader checks" C sql "CREATE TABLE tc ($(python3 "$S/client.py" bad-stream tc-schema 2>/dev/null || echo 'id BIGINT, b BOOLEAN, a ARRAY<BIGINT>, s VARCHAR(3), d DECIMAL(5,2), n BIGINT NOT NULL'))"
expect_code 1 "an unknown type fails" C sql "CREATE TABLE tx (a BIGNUMBER)"
expect_grep "as a parse error with line and column" 'ODPS-0130161:\[1,[0-9]+\] Parse exception' "$T/err"

# --- vector A (Appendix A.1): raw, deflate, zstd blocks; atomic commit ---
VA=08021205616c69636518dcec8682996380c0ff7f8ccca5ac0e0803180180c0ff7f94a0fe8406f0ffff7f04f8ffff7fb2d6bcfa0f
echo "$VA" >"$T/a.hex"
P=partition=ds=20240101
refuse "a session on a missing partition" NoSuchPartition C $T1 create t1 $P
refuse "a session on a partitioned table without partition" InvalidArgument C $T1 create t1
refuse "a session naming only part of the partition keys is refused" InvalidArgument C $T1 create t1 partition=hh=03
refuse "a quoted partition value" InvalidArgument C $T1 create t1 "partition=ds='20240101'" create_partition=true
refuse "a session on a missing table" NoSuchTable C $T1 create nosuch
expect_ok "a session with create_partition=true" C $T1 create t1 $P create_partition=true
sid=$(cat "$T/out")
expect_ok "block 0: vector A raw" C $T1 put t1 "$sid" 0 "$T/a.hex" hex=1 $P
expect_ok "block 1: vector A deflated" C $T1 put t1 "$sid" 1 "$T/a.hex" hex=1 enc=deflate $P
expect_ok "block 2: vector A zstd" C $T1 put t1 "$sid" 2 "$T/a.hex" hex=1 enc=zstd $P
expect_ok "status" C $T1 status t1 "$sid" $P getblockid=true
expect_grep "UploadedBlockList lists blocks 0, 1, 2 of 2 records" '"UploadedBlockList": \[\{"BlockID": 0, "RecordCount": 2.*"BlockID": 1, "RecordCount": 2.*"BlockID": 2, "RecordCount": 2' "$T/out"
expect_grep "the session is normal" '"Status": "normal"' "$T/out"
expect_grep "the schema lists the data columns" '"columns": \[\{"name": "id", "type": "BIGINT".*"partitionKeys": \[\{"name": "ds"' "$T/out"
sql "SELECT COUNT(*) FROM t1"
expect_eq "nothing is visible before the commit" "$(cat "$T/sql.out")" "$(printf '_c0\n0')"
expect_ok "commit" C $T1 commit t1 "$sid" $P
expect_grep "the committed session is closed" '"Status": "closed"' "$T/out"
sql "SELECT id, name, ts, ds FROM t1 ORDER BY id, name"
printf 'id,name,ts,ds\n-2,\\N,1969-12-31 23:59:59.999,20240101\n-2,\\N,1969-12-31 23:59:59.999,20240101\n-2,\\N,1969-12-31 23:59:59.999,20240101\n1,alice,2024-01-02 03:04:05.678,20240101\n1,alice,2024-01-02 03:04:05.678,20240101\n1,alice,2024-01-02 03:04:05.678,20240101\n' >"$T/want"
expect_same "the three blocks' rows read back, all at once" "$T/sql.out" "$T/want"
refuse "a second commit" StatusConflict C $T1 commit t1 "$sid" $P
refuse "a PUT after the commit" StatusConflict C $T1 put t1 "$sid" 3 "$T/a.hex" hex=1 $P

# --- vector B (Appendix A.3) and empty (A.2) ---
echo 08ff0110d80418dfc5082082808080808080202d0000c03f3100000000000002c03801420668c3a96c6c6f4a0200ff520531322e3330588cb50260dcec868299636acaf49bd90caab4de75720261627a0378797a82010300020100018a010200016e00016b0201000e9201000a0180c0ff7fb7e1ef1880c0ff7f0008001000180020002d00000000310000000000000000380042004a0052052d302e3031580160006a020072007a008201008a010000920101000080c0ff7f8ebebc920df0ffff7f06f8ffff7f96e6c69808 >"$T/b.hex"
sb=$(C $T1 create tb 2>"$T/err")
expect_ok "block 0: vector B" C $T1 put tb "$sb" 0 "$T/b.hex" hex=1 enc=deflate
expect_ok "commit of vector B" C $T1 commit tb "$sb"
sql "SELECT c_tinyint, c_smallint, c_int, c_bigint, c_float, c_double, c_boolean, c_string, c_binary, c_decimal, c_date, c_datetime, c_timestamp, c_char, c_varchar, c_array, c_map, c_struct FROM tb ORDER BY rowid"
cat >"$T/want" <<'W'
c_tinyint,c_smallint,c_int,c_bigint,c_float,c_double,c_boolean,c_string,c_binary,c_decimal,c_date,c_datetime,c_timestamp,c_char,c_varchar,c_array,c_map,c_struct
-128,300,-70000,9007199254740993,1.5,-2.25,1,héllo,00ff,12.30,2024-02-29,2024-01-02 03:04:05.678,2024-01-02 03:04:05.123456789,ab,xyz,"[1, null, -1]","[[""n"", null], [""k"", 7]]","{""a"": 5, ""b"": null}"
\N,\N,\N,\N,\N,\N,\N,\N,\N,\N,\N,\N,\N,\N,\N,\N,\N,\N
0,0,0,0,0.0,0.0,0,,,-0.01,1969-12-31,1970-01-01 00:00:00.000,1970-01-01 00:00:01.000000000,,,[],[],"{""a"": null, ""b"": """"}"
W
expect_same "vector B's three records read back, every type" "$T/sql.out" "$T/want"
se=$(C $T1 create te 2>"$T/err")
echo f0ffff7f00f8ffff7f00 >"$T/e.hex"
expect_ok "block 0: vector empty" C $T1 put te "$se" 0 "$T/e.hex" hex=1
expect_ok "commit of vector empty" C $T1 commit te "$se"
sql "SELECT COUNT(*) AS n FROM te"
expect_eq "it adds no row" "$(cat "$T/sql.out")" "$(printf 'n\n0')"

# --- every one-byte change of the vectors is refused (Appendix B; §5.5 with the checks of §9) ---
sx=$(C $T1 create te 2>/dev/null)
expect_ok "one-byte changes of vector empty" C $T1 flips te "$sx" "$T/e.hex"
expect_grep "none is accepted" '^0 of [0-9]+ accepted' "$T/out"
sx=$(C $T1 create t1 $P 2>/dev/null)
expect_ok "one-byte changes of vector A" C $T1 flips t1 "$sx" "$T/a.hex" $P
expect_grep "none is accepted" '^0 of [0-9]+ accepted' "$T/out"
sx=$(C $T1 create tb 2>/dev/null)
expect_ok "one-byte changes of vector B" C $T1 flips tb "$sx" "$T/b.hex"
expect_grep "none is accepted (not even 179:81, the over-long null flag)" '^0 of [0-9]+ accepted' "$T/out"
expect_ok "the refused blocks left no block" C $T1 status tb "$sx"
expect_grep "UploadedBlockList is empty" '"UploadedBlockList": \[\]' "$T/out"

# --- the reader checks one by one (§5.5, §9) ---
sc=$(C $T1 create tc 2>/dev/null)
python3 "$S/client.py" bad-stream good >"$T/bad.hex"
expect_ok "a good block of table tc" C $T1 put tc "$sc" 0 "$T/bad.hex" hex=1
for case in nonminimal-varint:MalformedDataStream:non-minimal wire-type:MalformedDataStream:'wire type 2, expected 0' \
	field-0:MalformedDataStream:'field number 0' unknown-field:MalformedDataStream:'field number 7' \
	field-order:MalformedDataStream:'after field 2' record-crc:CorruptedDataStream:'record checksum' \
	count:MalformedDataStream:'footer counts 2' stream-crc:CorruptedDataStream:'stream checksum' \
	no-footer:MalformedDataStream:'without its footer' no-end-marker:MalformedDataStream:'without its end marker' \
	after-footer:MalformedDataStream:'after the footer' boolean-2:MalformedDataStream:'BOOLEAN value 2' \
	null-flag-2:MalformedDataStream:'null flag 2' varchar-length:MalformedDataStream:'more than VARCHAR' \
	not-utf8:MalformedDataStream:'not UTF-8' decimal-scale:MalformedDataStream:'does not fit DECIMAL' \
	decimal-exponent:MalformedDataStream:'not a plain decimal' not-null:MalformedDataStream:'NOT NULL' \
	truncated:MalformedDataStream:'stream ends inside'; do
	name=${case%%:*} rest=${case#*:}
	python3 "$S/client.py" bad-stream "$name" >"$T/bad.hex"
	refuse "a block with $name" "${rest%%:*}" C $T1 put tc "$sc" 1 "$T/bad.hex" hex=1
	expect_grep "$name: the message names the record, the offset and the fault" "record [0-9]+, byte offset [0-9]+: .*${rest#*:}" "$T/err"
done
expect_ok "after the refusals" C $T1 status tc "$sc"
expect_grep "only the good block is held" '"UploadedBlockList": \[\{"BlockID": 0, "RecordCount": 1,[^]]*\]' "$T/out"

# --- block ids, re-PUT, compression, framing (§3.3, §4.3, §6.4) ---
s2=$(C $T1 create t1 $P 2>/dev/null)
refuse "block id 20000" InvalidBlockID C $T1 put t1 "$s2" 20000 "$T/a.hex" hex=1 $P
refuse "block id -1" InvalidBlockID C $T1 put t1 "$s2" -1 "$T/a.hex" hex=1 $P
refuse "block id 01" InvalidBlockID C $T1 put t1 "$s2" 01 "$T/a.hex" hex=1 $P
expect_ok "block id 19999" C $T1 put t1 "$s2" 19999 "$T/e.hex" hex=1 $P
expect_ok "a re-PUT of block 19999" C $T1 put t1 "$s2" 19999 "$T/a.hex" hex=1 $P
C $T1 status t1 "$s2" $P >"$T/st" 2>/dev/null
expect_grep "replaces it" '"BlockID": 19999, "RecordCount": 2, [^}]*"Version": 2' "$T/st"
xxd -r -p "$T/a.hex" >"$T/a.bin"
python3 -c 'import sys, zlib; c = zlib.compressobj(1, zlib.DEFLATED, -15); sys.stdout.buffer.write(c.compress(open(sys.argv[1], "rb").read()) + c.flush())' "$T/a.bin" >"$T/a.rawdeflate"
python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress(open(sys.argv[1], "rb").read())[:-3])' "$T/a.bin" >"$T/a.cut"
python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress(open(sys.argv[1], "rb").read()) + b"x")' "$T/a.bin" >"$T/a.tail"
tb="/projects/p1/tables/t1"
HB="H:x-odps-tunnel-version=6 H:Content-Type=application/octet-stream H:Transfer-Encoding=chunked"
refuse "deflate without the zlib header (raw deflate)" InvalidArgument C $T1 raw PUT $tb uploadid="$s2" blockid=5 $P $HB H:Content-Encoding=deflate body="$T/a.rawdeflate"
refuse "a cut zlib stream" InvalidArgument C $T1 raw PUT $tb uploadid="$s2" blockid=5 $P $HB H:Content-Encoding=deflate body="$T/a.cut"
refuse "bytes after the zlib stream" InvalidArgument C $T1 raw PUT $tb uploadid="$s2" blockid=5 $P $HB H:Content-Encoding=deflate body="$T/a.tail"
refuse "an uncompressed body labelled zstd" InvalidArgument C $T1 raw PUT $tb uploadid="$s2" blockid=5 $P $HB H:Content-Encoding=zstd body="$T/a.bin"
refuse "an encoding the server does not take" InvalidArgument C $T1 raw PUT $tb uploadid="$s2" blockid=5 $P $HB H:Content-Encoding=gzip body="$T/a.bin"
refuse "a block with Content-Length, not chunked" InvalidArgument C $T1 raw PUT $tb uploadid="$s2" blockid=5 $P H:x-odps-tunnel-version=6 H:Content-Type=application/octet-stream body="$T/a.bin"
refuse "a block without Content-Type" InvalidArgument C $T1 raw PUT $tb uploadid="$s2" blockid=5 $P H:x-odps-tunnel-version=6 H:Transfer-Encoding=chunked body="$T/a.bin"
refuse "a wrong Content-MD5" InvalidArgument C $T1 raw PUT $tb uploadid="$s2" blockid=5 $P $HB H:Content-MD5=00000000000000000000000000000000 body="$T/a.bin"
expect_ok "a right Content-MD5" C $T1 raw PUT $tb uploadid="$s2" blockid=5 $P $HB H:Content-MD5="$(md5sum <"$T/a.bin" | cut -c1-32)" body="$T/a.bin"
refuse "a tunnel request without x-odps-tunnel-version" InvalidArgument C $T1 raw GET $tb uploadid="$s2" $P
refuse "a tunnel request without curr_project" InvalidArgument C $T1 raw GET $tb uploadid="$s2" $P curr_project= H:x-odps-tunnel-version=6
refuse "an unknown parameter (uploadId)" InvalidArgument C $T1 raw GET $tb uploadId="$s2" uploadid="$s2" $P H:x-odps-tunnel-version=6
refuse "a parameter twice" InvalidArgument C $T1 raw GET "$tb" uploadid="$s2" uploadid="$s2" $P H:x-odps-tunnel-version=6
refuse "a commit with a body (the commit body is empty)" InvalidArgument C $T1 raw POST $tb uploadid="$s2" $P H:x-odps-tunnel-version=6 body="$T/a.bin"
refuse "a session's requests name its partition" InvalidArgument C $T1 status t1 "$s2" partition=ds=20240102
refuse "an unknown upload id" InvalidArgument C $T1 status t1 20240101000000ffffffffffffffffff $P
refuse "a tunnel request on the service endpoint" InvalidArgument C raw POST api:$tb uploads= $P H:x-odps-tunnel-version=6
refuse "a schema that does not exist" NoSuchObject C $T1 raw GET /projects/p1/schemas/s9/tables/t1 uploadid="$s2" $P H:x-odps-tunnel-version=6

# --- signing and Date refusals on the live server (§4.1, §4.2) ---
refuse "a wrong signature" Unauthorized C $T1 raw GET $tb uploadid="$s2" $P H:x-odps-tunnel-version=6 sign=bad
expect_grep "the message gives the server's string to sign" 'SignatureNotMatch.*GET.*x-odps-tunnel-version:6.*/projects/p1/tables/t1\?curr_project=p1&partition=ds=20240101&uploadid=' "$T/err"
refuse "no signature" Unauthorized C $T1 raw GET $tb uploadid="$s2" $P H:x-odps-tunnel-version=6 sign=none
refuse "an unknown AccessKeyId" Unauthorized sh -c "sed 's/^access_id=.*/access_id=someone-else/' '$ODPS_CONF' >'$T/other.conf' && python3 '$S/client.py' --endpoint=$ODPS_ENDPOINT --credentials='$T/other.conf' --project=p1 $T1 status t1 '$s2' $P"
expect_ok "a v4 signature" C $T1 raw GET $tb uploadid="$s2" $P H:x-odps-tunnel-version=6 sign=v4
refuse "a Date 20 minutes old" RequestTimeTooSkewed C $T1 raw GET $tb uploadid="$s2" $P H:x-odps-tunnel-version=6 date="$(date -u -d '-20 min' '+%a, %d %b %Y %H:%M:%S GMT')"
expect_grep "the skew message names the window" 'max_interval_date:900' "$T/err"
refuse "a Date not in RFC 1123 form" InvalidArgument C $T1 raw GET $tb uploadid="$s2" $P H:x-odps-tunnel-version=6 date="$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
refuse "a service request with a wrong signature is an XML error" ODPS-0410042:Invalid\ signature\ value C raw GET api:/projects/p1/tunnel service= sign=bad
refuse "an STS token the credentials do not have" Unauthorized C $T1 raw GET $tb uploadid="$s2" $P H:x-odps-tunnel-version=6 H:authorization-sts-token=tok

# --- overwrite sessions, expiry (§3.1, §6.4) ---
so=$(C $T1 create t1 $P overwrite=true 2>/dev/null)
C $T1 put t1 "$so" 0 "$T/a.hex" hex=1 $P 2>/dev/null
expect_ok "an overwrite session's commit" C $T1 commit t1 "$so" $P
sql "SELECT COUNT(*) AS n FROM t1 WHERE ds = '20240101'"
expect_eq "replaces the partition's rows" "$(cat "$T/sql.out")" "$(printf 'n\n2')"
refuse "overwrite=yes" InvalidArgument C $T1 create t1 $P overwrite=yes
s3=$(C $T1 create t1 $P 2>/dev/null)
C $T1 put t1 "$s3" 0 "$T/a.hex" hex=1 $P 2>/dev/null
expect_ok "a fault rule: expire the next status" curl -sf -X POST --data-binary 'status expire' "http://127.0.0.1:$ODPS_PORT/_mcsync/faults"
expect_ok "the status of an expired session" C $T1 status t1 "$s3" $P
expect_grep "says expired" '"Status": "expired"' "$T/out"
refuse "a PUT on the expired session" StatusConflict C $T1 put t1 "$s3" 1 "$T/a.hex" hex=1 $P
refuse "a commit of the expired session" StatusConflict C $T1 commit t1 "$s3" $P
sql "SELECT COUNT(*) AS n FROM t1 WHERE ds = '20240101'"
expect_eq "its block never becomes visible" "$(cat "$T/sql.out")" "$(printf 'n\n2')"
odps_start ttl --session-ttl=1 || exit 1
Q() { python3 "$S/client.py" --endpoint="$ODPS_ENDPOINT" --credentials="$ODPS_CONF" --project=p1 "$@"; }
Q sql "CREATE TABLE te (id BIGINT)" >/dev/null 2>&1
sq=$(Q create te 2>/dev/null)
sleep 1.5
refuse "a PUT after the session's lifetime (--session-ttl)" StatusConflict Q put te "$sq" 0 "$T/e.hex" hex=1
odps_stop "$ODPS_PID"
ODPS_PORT=${MAIN#http://127.0.0.1:}
ODPS_ENDPOINT=$MAIN/api

# --- fault injection ---
F() { curl -sf -X POST --data-binary "$1" "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null; }
sf=$(C $T1 create t1 partition=ds=20240102 create_partition=true 2>/dev/null)
P2=partition=ds=20240102
F 'put 500'
refuse "an injected 500 on a PUT" InternalServerError C $T1 put t1 "$sf" 0 "$T/a.hex" hex=1 $P2
expect_ok "is one-shot: the retry passes" C $T1 put t1 "$sf" 0 "$T/a.hex" hex=1 $P2
F 'status 429 times=2'
refuse "an injected 429" FlowExceeded C $T1 status t1 "$sf" $P2
refuse "times=2: twice" FlowExceeded C $T1 status t1 "$sf" $P2
expect_ok "then no more" C $T1 status t1 "$sf" $P2
F 'put drop'
expect_code 3 "a connection dropped in the middle of a PUT" C $T1 put t1 "$sf" 1 "$T/a.hex" hex=1 $P2
C $T1 status t1 "$sf" $P2 >"$T/st" 2>/dev/null
expect_grep "stores no block" '"UploadedBlockList": \[\{"BlockID": 0,[^]]*\]' "$T/st"
F 'put lost'
expect_code 3 "a PUT whose answer is lost" C $T1 put t1 "$sf" 1 "$T/a.hex" hex=1 $P2
C $T1 status t1 "$sf" $P2 >"$T/st" 2>/dev/null
expect_grep "stores the block" '"BlockID": 1, "RecordCount": 2' "$T/st"
F 'status slow=1'
t0=$(date +%s%N)
C $T1 status t1 "$sf" $P2 >/dev/null 2>&1
t1=$(date +%s%N)
expect_ok "a slow answer takes its second" test $(( (t1 - t0) / 1000000 )) -ge 1000
F 'commit lost'
expect_code 3 "a commit whose answer is lost" C $T1 commit t1 "$sf" $P2
expect_ok "its status" C $T1 status t1 "$sf" $P2
expect_grep "is closed: the commit was applied" '"Status": "closed"' "$T/out"
sql "SELECT COUNT(*) AS n FROM t1 WHERE ds = '20240102'"
expect_eq "its rows are there once" "$(cat "$T/sql.out")" "$(printf 'n\n4')"
sd=$(C $T1 create t1 $P2 2>/dev/null)
C $T1 put t1 "$sd" 0 "$T/a.hex" hex=1 $P2 2>/dev/null
F 'commit dup'
refuse "a duplicated commit answers StatusConflict" StatusConflict C $T1 commit t1 "$sd" $P2
sql "SELECT COUNT(*) AS n FROM t1 WHERE ds = '20240102'"
expect_eq "and its rows are there once" "$(cat "$T/sql.out")" "$(printf 'n\n6')"
F 'discover 503 p=1 times=1'
refuse "a rule with a probability" ServiceUnavailable C discover
F 'any 502 p=0.5 times=1000'
n=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	C $T1 status t1 "$sd" $P2 >/dev/null 2>&1 || n=$((n + 1))
done
expect_ok "p=0.5 fails some requests but not all ($n of 20)" test "$n" -gt 0 -a "$n" -lt 20
curl -sf -X DELETE "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null
expect_ok "DELETE clears the rules" C $T1 status t1 "$sd" $P2
echo 'put 500 skip=1' >"$T/faults"
odps_start ff --faults="$T/faults" --seed=1 || exit 1
Q sql "CREATE TABLE te (id BIGINT)" >/dev/null 2>&1
sq=$(Q create te 2>/dev/null)
expect_ok "--faults=FILE, skip=1: the first PUT passes" Q put te "$sq" 0 "$T/e.hex" hex=1
refuse "the second gets the 500" InternalServerError Q put te "$sq" 1 "$T/e.hex" hex=1
expect_grep "the firing is logged" ' 500 put PUT ' "$T/ff/faults.log"
odps_stop "$ODPS_PID"
expect_eq "a bad fault rule is refused" "$(echo 'put teapot' | curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @- "$MAIN/_mcsync/faults")" 400

# --- SQL: the forms mcsync sends (§8.1-8.3) ---
ODPS_PORT=${MAIN#http://127.0.0.1:}
ODPS_ENDPOINT=$MAIN/api
expect_ok "ALTER TABLE ADD IF NOT EXISTS PARTITION" C sql "ALTER TABLE t1 ADD IF NOT EXISTS PARTITION (ds='20240103');"
expect_ok "twice" C sql "ALTER TABLE t1 ADD IF NOT EXISTS PARTITION (ds='20240103');"
expect_code 1 "without IF NOT EXISTS an existing partition fails" C sql "ALTER TABLE t1 ADD PARTITION (ds='20240103')"
s5=$(C $T1 create t1 partition=ds=20240103 2>/dev/null)
expect_ok "a session on the partition the SQL made" test -n "$s5"
expect_ok "INSERT OVERWRITE ... PARTITION ... SELECT with ROW_NUMBER() OVER" C sql "INSERT OVERWRITE TABLE \`t1\` PARTITION (ds = '20240104')
SELECT id, name, ts FROM (
  SELECT u.*, ROW_NUMBER() OVER (PARTITION BY \`id\` ORDER BY ts DESC, name DESC) AS _rn
  FROM (SELECT id, name, ts FROM t1 WHERE ds = '20240102' UNION ALL SELECT id, \"x\", ts FROM t1 WHERE ds = '20240101') u
) w WHERE _rn = 1;"
sql "SELECT id, name, ts, ds FROM t1 WHERE ds = '20240104' ORDER BY id"
expect_eq "holds one row per key (\"x\" is a string literal)" "$(cat "$T/sql.out")" "$(printf 'id,name,ts,ds\n-2,x,1969-12-31 23:59:59.999,20240104\n1,x,2024-01-02 03:04:05.678,20240104')"
expect_ok "a rerun of the INSERT OVERWRITE" C sql "INSERT OVERWRITE TABLE t1 PARTITION (ds='20240104') SELECT id, name, ts FROM t1 WHERE ds = '20240101' AND id = 1;"
sql "SELECT COUNT(*) AS n FROM t1 WHERE ds = '20240104'"
expect_eq "replaces the partition" "$(cat "$T/sql.out")" "$(printf 'n\n1')"
expect_ok "SELECT MAX(...)" C sql "SELECT MAX(id) AS m, MAX(ts) AS t FROM t1"
expect_eq "gives the highest" "$(cat "$T/out")" "$(printf 'm,t\n1,2024-01-02 03:04:05.678')"
expect_code 1 "an INSERT with the wrong column count fails" C sql "INSERT OVERWRITE TABLE t1 PARTITION (ds='1') SELECT id FROM t1"
expect_grep "with a semantic error text" 'ODPS-0130071:Semantic analysis exception - .*gives 1 columns, the table takes 3' "$T/err"
expect_code 1 "a query of a missing table fails" C sql "SELECT * FROM nosuch"
expect_grep "naming it" 'task failed: ODPS-[0-9]+:.*nosuch' "$T/err"
expect_code 1 "two statements in one task fail" C sql "SELECT 1; SELECT 2;"
expect_ok "SET lines before the statement are taken" C sql "set odps.sql.allow.fullscan=true;
SELECT COUNT(*) AS n FROM te;"
refuse "an instance that is not XML" InvalidArgument C raw POST api:/projects/p1/instances H:Content-Type=application/xml body="$T/a.bin"
refuse "an instance of an unknown id" NoSuchObject C raw GET api:/projects/p1/instances/20240101000000abc

# --- secrets: never in a log or an answer ---
secret=$(sed -n 's/^access_key=//p' "$ODPS_CONF")
expect_ok "the secret is in no file the server wrote" sh -c "! grep -rqF -- '$secret' '$D' '$T/ttl' '$T/ff' /tmp/o7 2>/dev/null"
expect_ok "nor on a command line" sh -c "! ps -eo args | grep -F -- '$secret' | grep -v grep"
expect_ok "the server wrote nothing on stderr (no bug traceback)" test ! -s "$D/server.err"
