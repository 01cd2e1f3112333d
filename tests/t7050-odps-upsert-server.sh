#!/bin/sh
# The local MaxCompute's PK Delta Tables and upsert sessions (tests/odps-server/upserts.py;
# the protocol maxcompute-upsert.md §2, §4, §5, §7, §9): the DDL of §7 makes a PK
# table (and its mistakes are refused); a session is created with the six keys the
# Java SDK needs; the bodies of the protocol's Appendix A.3 (default hasher) and A.5
# (composite key, legacy hasher) are taken when routed right and refused when sent
# to another bucket, with the wrong count, a second footer (pyodps' retry), a
# Content-Type, chunked, or without the worker's routed-server header (308); nothing
# is visible before the commit, the commit applies the last operation per key, a
# repeated commit answers committed, a PUT after it is refused; the table reads
# back through SQL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

odps_srv
# the tunnel headers of every upsert request (§2.1)
up() { # METHOD PATH ARGS...
	_m=$1 _p=$2
	shift 2
	$CLI raw "$_m" "$_p" H:x-odps-tunnel-version=6 H:odps-tunnel-date-transform=v1 \
		H:odps-tunnel-sdk-support-schema-evolution=true "$@"
}
W=127.0.0.1:$ODPS_PORT
R=/projects/p1/tables

# Bodies copied from maxcompute-upsert.md Appendix A.3 (bucket 3: upsert (1,'alice',1.5),
# delete 1; bucket 2: upsert (2,'bob',-2.25)) and A.5 (5 records, bucket 3 of 4, legacy).
hex2bin() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1" >"$2"; }
hex2bin 08021205616c69636519000000000000f83f30aa01420080c0ff7ffaa8f6ec090802308801420080c0ff7fdfb89cfa09f0ffff7f04f8ffff7fc8d5d9e602 "$T/b3"
hex2bin 08041203626f621900000000000002c030aa01420080c0ff7fbd84da8d0cf0ffff7f02f8ffff7f9ddea40f "$T/b2"
hex2bin 0a02763112026b311a026b3230aa01420080c0ff7fd18b89df0e0a02763212026b311a026b3230aa01420080c0ff7fcfdc89b30f0a02763312026b331a026b3430aa01420080c0ff7fa9f4a3fd020a02763412026b351a026b3630aa01420080c0ff7fef91faad060a02763412026b351a026b36308801420080c0ff7fcc899aef04f0ffff7f0af8ffff7fdb9182ec0d "$T/a5"
# §4.6: pyodps' broken retry: the bucket 2 body with a second footer, record_count=0
hex2bin 08041203626f621900000000000002c030aa01420080c0ff7fbd84da8d0cf0ffff7f02f8ffff7f9ddea40ff0ffff7f00f8ffff7f9ddea40f "$T/b2dup"

# --- DDL (§7) ---
expect_code 0 "§7 DDL: CREATE TABLE with PRIMARY KEY, transactional, write.bucket.num" \
	$CLI sql "CREATE TABLE IF NOT EXISTS t1 (id BIGINT NOT NULL, name STRING, v DOUBLE, PRIMARY KEY (id)) TBLPROPERTIES ('transactional'='true', 'write.bucket.num'='4')"
expect_code 0 "§7 DDL: partitioned PK table with LIFECYCLE" \
	$CLI sql "CREATE TABLE t2 (id BIGINT NOT NULL, name STRING, v DOUBLE, PRIMARY KEY (id)) PARTITIONED BY (ds STRING) TBLPROPERTIES ('acid.data.retain.hours'='24', 'transactional'='true', 'write.bucket.num'='16') LIFECYCLE 30"
expect_code 1 "§7 DDL: a PRIMARY KEY without transactional is refused" \
	$CLI sql "CREATE TABLE bad1 (id BIGINT NOT NULL, PRIMARY KEY (id))"
expect_grep "... with the reason" "transactional" "$T/out"
expect_code 1 "§7 DDL: a nullable key column is refused" \
	$CLI sql "CREATE TABLE bad2 (id BIGINT, PRIMARY KEY (id)) TBLPROPERTIES ('transactional'='true')"
expect_code 1 "§7 DDL: a key column that is not a column is refused" \
	$CLI sql "CREATE TABLE bad3 (id BIGINT NOT NULL, PRIMARY KEY (nope)) TBLPROPERTIES ('transactional'='true')"
expect_code 1 "§7 DDL: write.bucket.num 0 is refused" \
	$CLI sql "CREATE TABLE bad4 (id BIGINT NOT NULL, PRIMARY KEY (id)) TBLPROPERTIES ('transactional'='true', 'write.bucket.num'='0')"
expect_code 0 "a plain table beside them" $CLI sql "CREATE TABLE plain (id BIGINT)"
expect_code 1 "§9 create: no upsert session on a table that is not a PK Delta Table" \
	up POST $R/plain/upserts slotnum=1
expect_grep "... saying so" "not a PK Delta Table" "$T/err"

# --- a session (§2.2, §2.3) ---
expect_code 1 "§9 create: slotnum is required" up POST $R/t1/upserts
expect_code 1 "§9 create: lifecycle outside 1..24 is refused" up POST $R/t1/upserts slotnum=1 lifecycle=25
expect_code 0 "§2.2 create: POST .../upserts?slotnum=2" up POST $R/t1/upserts slotnum=2 lifecycle=2
cp "$T/out" "$T/s1.json"
SID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/s1.json")
expect_eq "§2.3: the six keys, hasher default, buckets 0..3 in 2 slots, the worker" \
	"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(sorted(k for k in ("id","schema","hash_key","hasher","slots","status") if k in j), j["hasher"], j["hash_key"], sorted(b for s in j["slots"] for b in s["buckets"]), len(j["slots"]), j["slots"][0]["worker_addr"], j["status"])' "$T/s1.json")" \
	"['hash_key', 'hasher', 'id', 'schema', 'slots', 'status'] default ['id'] [0, 1, 2, 3] 2 $W normal"
slot_of() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print([s["slot_id"] for s in j["slots"] if int(sys.argv[2]) in s["buckets"]][0])' "$1" "$2"; }
S3=$(slot_of "$T/s1.json" 3)
S0=$(slot_of "$T/s1.json" 0)
put() { # BUCKET SLOT FILE COUNT [more args]
	_b=$1 _s=$2 _f=$3 _c=$4
	shift 4
	up PUT $R/t1/upserts upsertid=$SID bucketid=$_b slotid=$_s record_count=$_c body=$_f "$@"
}

# --- PUT checks (§4, §9) ---
expect_code 1 "§9 PUT: without the routed-server header: 308" put 3 "$S3" "$T/b3" 2
expect_grep "... 308 with the worker" "HTTP 308" "$T/err"
expect_code 1 "§9 PUT: records of bucket 3 sent as bucket 1: refused (recomputed routing)" \
	put 1 "$S3" "$T/b3" 2 "H:odps-tunnel-routed-server=$W"
expect_grep "... naming the bucket the key belongs to" "belongs to bucket 3 \\(default hasher\\), sent in bucket 1" "$T/err"
expect_code 1 "§9 PUT: slotid that does not own the bucket: refused" \
	put 3 "$S0" "$T/b3" 2 "H:odps-tunnel-routed-server=$W"
expect_code 1 "§9 PUT: record_count other than the footer's: refused" \
	put 3 "$S3" "$T/b3" 1 "H:odps-tunnel-routed-server=$W"
expect_code 1 "§9 PUT: a Content-Type (not SDK-like): refused" \
	put 3 "$S3" "$T/b3" 2 "H:odps-tunnel-routed-server=$W" "H:Content-Type=application/octet-stream"
expect_code 1 "§9 PUT: chunked (not SDK-like): refused" \
	put 3 "$S3" "$T/b3" 2 "H:odps-tunnel-routed-server=$W" "H:Transfer-Encoding=chunked"
S2=$(slot_of "$T/s1.json" 2)
expect_code 1 "§4.6: pyodps' retry body (a second footer, record_count=0): refused" \
	up PUT $R/t1/upserts upsertid=$SID bucketid=2 slotid=$S2 record_count=0 body="$T/b2dup" "H:odps-tunnel-routed-server=$W"
expect_code 0 "A.3 bucket 3 body: taken" put 3 "$S3" "$T/b3" 2 "H:odps-tunnel-routed-server=$W"
expect_code 0 "A.3 bucket 2 body: taken" \
	up PUT $R/t1/upserts upsertid=$SID bucketid=2 slotid=$S2 record_count=1 body="$T/b2" "H:odps-tunnel-routed-server=$W"
$CLI sql "SELECT * FROM t1 ORDER BY id" >"$T/got" 2>"$T/err"
expect_eq "§5: nothing visible before the commit" "$(sed 1d "$T/got")" ""

# --- commit (§2.5, §5) ---
expect_code 1 "§9 commit: not routed to the slot of bucket 0: refused" \
	up POST $R/t1/upserts upsertid=$SID
expect_code 0 "§2.5 commit" up POST $R/t1/upserts upsertid=$SID "H:odps-tunnel-routed-server=$W"
expect_grep "... answers the full session JSON, committed" '"status": "committed".*"hasher"|"hasher".*"status": "committed"' "$T/out"
$CLI sql "SELECT * FROM t1 ORDER BY id" >"$T/got" 2>"$T/err"
expect_eq "§5: the table after the commit: id 1 upserted then deleted, id 2 there" \
	"$(sed 1d "$T/got" | tr '\n' ' ')" "2,bob,-2.25 "
expect_code 0 "§2.5: a repeated commit answers committed" \
	up POST $R/t1/upserts upsertid=$SID "H:odps-tunnel-routed-server=$W"
expect_grep "... committed" '"status": "committed"' "$T/out"
expect_code 1 "§9: a PUT after the commit is refused" put 3 "$S3" "$T/b3" 2 "H:odps-tunnel-routed-server=$W"
expect_code 1 "§2.4: GET of an unknown session: 404 UpsertSessionNotFound" \
	up GET $R/t1/upserts upsertid=nosuch
expect_grep "... UpsertSessionNotFound" "UpsertSessionNotFound" "$T/err"

# --- abort (§2.6) ---
up POST $R/t1/upserts slotnum=1 >"$T/s2.json" 2>/dev/null
SID2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/s2.json")
up PUT $R/t1/upserts upsertid=$SID2 bucketid=3 slotid=1 record_count=2 body="$T/b3" "H:odps-tunnel-routed-server=$W" >/dev/null 2>&1
expect_code 0 "§2.6 abort" up DELETE $R/t1/upserts upsertid=$SID2 "H:odps-tunnel-routed-server=$W"
up POST $R/t1/upserts upsertid=$SID2 H:odps-tunnel-routed-server=$W >"$T/c2" 2>&1
expect_grep "§9: a commit of an aborted session does not commit" '"status": "aborted"' "$T/c2"
$CLI sql "SELECT COUNT(*) FROM t1" >"$T/got" 2>"$T/err"
expect_eq "... and its rows are not in the table" "$(sed 1d "$T/got")" "1"

# --- A.5: composite key, legacy hasher ---
expect_code 0 "§7 DDL: composite key, the local server's legacy hasher" \
	$CLI sql "CREATE TABLE t5 (value STRING, key1 STRING NOT NULL, key2 STRING NOT NULL, PRIMARY KEY (key1, key2)) TBLPROPERTIES ('transactional'='true', 'write.bucket.num'='4', 'odps.local.hasher'='legacy')"
up POST $R/t5/upserts slotnum=1 >"$T/s5.json" 2>/dev/null
SID5=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/s5.json")
expect_grep "A.5 session: hasher legacy, hash_key key1, key2" '"hash_key": \["key1", "key2"\], "hasher": "legacy"' "$T/s5.json"
expect_code 1 "A.5 body sent as bucket 2: refused (legacy routing recomputed)" \
	up PUT $R/t5/upserts upsertid=$SID5 bucketid=2 slotid=1 record_count=5 body="$T/a5" "H:odps-tunnel-routed-server=$W"
expect_code 0 "A.5 body as bucket 3: taken" \
	up PUT $R/t5/upserts upsertid=$SID5 bucketid=3 slotid=1 record_count=5 body="$T/a5" "H:odps-tunnel-routed-server=$W"
expect_code 0 "A.5 commit" up POST $R/t5/upserts upsertid=$SID5 "H:odps-tunnel-routed-server=$W"
$CLI sql "SELECT value, key1, key2 FROM t5 ORDER BY key1" >"$T/got" 2>"$T/err"
expect_eq "§5: last operation per key wins: (k1,k2)=v2, (k3,k4)=v3, (k5,k6) deleted" \
	"$(sed 1d "$T/got" | tr '\n' ' ')" "v2,k1,k2 v3,k3,k4 "

# --- partitions: required, must exist ---
expect_code 1 "§9 create: a partitioned table needs the partition" up POST $R/t2/upserts slotnum=1
expect_code 1 "§9 create: a partition that does not exist is refused" \
	up POST $R/t2/upserts slotnum=1 partition=ds=20240101
expect_grep "... NoSuchPartition" "NoSuchPartition" "$T/err"

# --- faults: committing, forget ---
up POST $R/t1/upserts slotnum=1 >"$T/s6.json" 2>/dev/null
SID6=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/s6.json")
curl -s -X POST --data-binary 'ucommit committing=1' "http://$W/_mcsync/faults" >/dev/null
expect_code 0 "fault committing=1: the first commit answers committing" \
	up POST $R/t1/upserts upsertid=$SID6 "H:odps-tunnel-routed-server=$W"
expect_grep "... committing" '"status": "committing"' "$T/out"
expect_code 0 "... the next one committed" up POST $R/t1/upserts upsertid=$SID6 "H:odps-tunnel-routed-server=$W"
expect_grep "... committed" '"status": "committed"' "$T/out"
curl -s -X POST --data-binary 'ucommit forget' "http://$W/_mcsync/faults" >/dev/null
expect_code 1 "fault forget: a committed session answers 404 UpsertSessionNotFound" \
	up POST $R/t1/upserts upsertid=$SID6 "H:odps-tunnel-routed-server=$W"
expect_grep "... UpsertSessionNotFound" "UpsertSessionNotFound" "$T/err"

# --- observability ---
curl -s "http://$W/_mcsync/upserts" >"$T/dbg"
expect_grep "/_mcsync/upserts: the log of rejected requests with their reason" "belongs to bucket 3" "$T/dbg"
