#!/bin/sh
# The Logview URL of each SQL instance (common/odps/sql.c, docs/maxcompute.md
# "Logview"): with -v, mc-merge prints after each instance it submits the
# URL as the SDKs form it, HOST/logview/?h=ENDPOINT&p=PROJECT&i=ID&token=T,
# the host asked once (GET /api/logview/host), the token a bearer token the
# service signed for that instance (POST .../authorization?sign_bearer_token,
# signed like every request). The SDKs' default host when the answer is
# empty or fails; a failed token request is said, and the merge goes on.
# Without -v nothing is asked. The local server checks the token request
# member by member.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3 sqlite3

odps_start srv || exit 1
OD="--dest=odps://p1 --odps-config=$ODPS_CONF"
CTL=http://127.0.0.1:$ODPS_PORT/_mcsync
LOG=$T/srv/requests.log
"$BIN/tools/mcgen" sysbench 50 >"$T/snap.mcr" && "$BIN/tools/mcgen" changes 50 20 >"$T/ch.mcr" || { fail "setup" "mcgen"; exit 1; }
mc-tunnel-put $OD --state="$T/st" "$T/snap.mcr" 2>"$T/err" &&
	mc-tunnel-put $OD --state="$T/st" "$T/ch.mcr" 2>>"$T/err" ||
	{ fail "setup" "mc-tunnel-put: $(cat "$T/err")"; exit 1; }
MERGE="mc-merge $OD --state=$T/st --table=sbtest__sbtest1 --at=1:4:0"

# ---- with -v: one URL per instance ----
: >"$LOG"
expect_ok "mc-merge -v into the local server" $MERGE --into=at1 -v
cp "$T/err" "$T/v.err"
n_sub=$(grep -Ec '^mc-merge: SQL instance [0-9a-z]+: submitted$' "$T/v.err")
n_url=$(grep -Ec '^mc-merge: SQL instance [0-9a-z]+: Logview ' "$T/v.err")
expect_eq "every instance it submitted ($n_sub, at least 3) has a Logview line" \
	"$n_url $([ "$n_sub" -ge 3 ] && echo yes)" "$n_sub yes"
E="http://127.0.0.1:$ODPS_PORT"
bad=$(sed -n 's/^mc-merge: SQL instance \([0-9a-z]*\): Logview \(.*\)$/\1 \2/p' "$T/v.err" |
	while read -r id url; do
		case $url in
		"$E/logview/?h=$E/api&p=p1&i=$id&token="*) ;;
		*) echo "$id $url" ;;
		esac
	done)
expect_eq "each is HOST/logview/?h=ENDPOINT&p=PROJECT&i=ITS ID&token=..." "$bad" ""
curl -s "$CTL/tokens" >"$T/tokens.json"
sed -n 's/^mc-merge: SQL instance \([0-9a-z]*\): Logview .*&token=\(.*\)$/\1 \2/p' "$T/v.err" >"$T/pairs"
python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
for line in open(sys.argv[2]):
    iid, tok = line.split()
    got = t.get(tok)
    if not got or got["instance"] != iid or got["project"] != "p1" or got["hours"] != 720:
        print("token %s of %s: the server signed %r" % (tok, iid, got))
' "$T/tokens.json" "$T/pairs" >"$T/bad"
expect_eq "each token is the one the server signed for that instance, 720 hours" "$(cat "$T/bad")" ""
expect_eq "the host asked once, a token per instance, each signed (the server checks)" \
	"$(grep -c 'GET /api/logview/host?curr_project=p1 200' "$LOG") $(grep -c \
		'POST /api/projects/p1/authorization?sign_bearer_token&curr_project=p1 200' "$LOG")" "1 $n_sub"
expect_eq "nothing refused" "$(awk '$4 !~ /^2/' "$LOG")" ""

# ---- without -v: nothing asked ----
: >"$LOG"
expect_ok "mc-merge without -v" $MERGE --into=at2
expect_eq "no Logview host or token request" "$(grep -Ec 'logview|authorization' "$LOG")" 0

# ---- a failed token request is said; the merge goes on ----
curl -s -X POST --data-binary 'token 500 times=1' "$CTL/faults" >/dev/null
expect_ok "a 500 on one token request: the merge still succeeds" $MERGE --into=at3 -v
expect_grep "and that instance says why it has no URL" \
	'^mc-merge: SQL instance [0-9a-z]+: no Logview URL \(the token request: HTTP 500' "$T/err"
expect_eq "the others have theirs" "$(grep -c ': Logview http' "$T/err")" \
	"$(($(grep -c ': submitted$' "$T/err") - 1))"
expect_eq "at3 holds the rows (50)" "$(sqlite3 "$T/srv/p1.db" 'SELECT count(*) FROM at3')" 50

# ---- the Logview host: the SDKs' default when the answer fails ----
curl -s -X POST --data-binary 'logview 503 times=1' "$CTL/faults" >/dev/null
expect_ok "a 503 on the Logview host request" $MERGE --into=at4 -v
expect_eq "the SDKs' default host, http://logview.aliyun.com, for every instance" \
	"$(grep -c ": Logview http://logview.aliyun.com/logview/?h=$E/api&p=p1&i=" "$T/err")" \
	"$(grep -c ': submitted$' "$T/err")"
curl -s -X DELETE "$CTL/faults" >/dev/null

# ---- ... or is empty ----
odps_start srv2 --logview-host= || exit 1
OD2="--dest=odps://p1 --odps-config=$ODPS_CONF --endpoint=$ODPS_ENDPOINT"
mc-tunnel-put $OD2 --state="$T/st2" "$T/snap.mcr" 2>"$T/err" &&
	mc-tunnel-put $OD2 --state="$T/st2" "$T/ch.mcr" 2>>"$T/err" ||
	{ fail "setup" "mc-tunnel-put: $(cat "$T/err")"; exit 1; }
expect_ok "a server whose Logview host answer is empty" \
	mc-merge $OD2 --state="$T/st2" --table=sbtest__sbtest1 --at=1:4:0 --into=at1 -v
expect_eq "the SDKs' default host there too, for every instance" \
	"$(grep -c ": Logview http://logview.aliyun.com/logview/?h=$ODPS_ENDPOINT&p=p1&i=" "$T/err")" \
	"$(grep -c ': submitted$' "$T/err")"

# ---- the server's checks of the token request ----
S=$TOP/tests/odps-server
C() { python3 "$S/client.py" --endpoint="$ODPS_ENDPOINT" --credentials="$ODPS_CONF" --project=p1 "$@"; }
IID2=$(sqlite3 "$T/srv2/p1.db" 'SELECT id FROM _odps_instances LIMIT 1')
pol() { # HOURS ACTION RESOURCE
	printf '{"expires_in_hours": %s, "policy": {"Statement": [{"Action": ["%s"], "Effect": "Allow", "Resource": "%s"}], "Version": "1"}}' "$1" "$2" "$3"
}
RES=acs:odps:*:projects/p1/instances/$IID2
JS=H:Content-Type=application/json
pol 720 odps:Read "$RES" >"$T/good.json"
expect_ok "the SDKs' request is signed a token" C raw POST api:/projects/p1/authorization sign_bearer_token= "$JS" body="$T/good.json"
expect_grep "in <Authorization><Result>" '^<Authorization><Result>local[0-9a-f]{32}</Result></Authorization>$' "$T/out"
expect_code 1 "a wrong signature: refused" C raw POST api:/projects/p1/authorization sign_bearer_token= "$JS" body="$T/good.json" sign=bad
expect_grep "401" 'HTTP 401 ODPS-0410042:Invalid signature value' "$T/err"
expect_code 1 "Content-Type text/plain: refused" C raw POST api:/projects/p1/authorization sign_bearer_token= H:Content-Type=text/plain body="$T/good.json"
expect_grep "400" 'HTTP 400 InvalidArgument' "$T/err"
expect_code 1 "GET: refused" C raw GET api:/projects/p1/authorization sign_bearer_token=
expect_grep "405" 'HTTP 405' "$T/err"
pol 720 odps:Read acs:odps:*:projects/p1/instances/nosuch >"$T/b.json"
expect_code 1 "an instance that does not exist: refused" C raw POST api:/projects/p1/authorization sign_bearer_token= "$JS" body="$T/b.json"
expect_grep "404 NoSuchObject" 'HTTP 404 NoSuchObject' "$T/err"
pol 720 odps:Write "$RES" >"$T/b.json"
expect_code 1 "an action other than odps:Read: refused" C raw POST api:/projects/p1/authorization sign_bearer_token= "$JS" body="$T/b.json"
pol 720 odps:Read "acs:odps:*:projects/p2/instances/$IID2" >"$T/b.json"
expect_code 1 "another project's instance: refused" C raw POST api:/projects/p1/authorization sign_bearer_token= "$JS" body="$T/b.json"
pol 0 odps:Read "$RES" >"$T/b.json"
expect_code 1 "expires_in_hours 0: refused" C raw POST api:/projects/p1/authorization sign_bearer_token= "$JS" body="$T/b.json"
pol '"720"' odps:Read "$RES" >"$T/b.json"
expect_code 1 "expires_in_hours as a string: refused" C raw POST api:/projects/p1/authorization sign_bearer_token= "$JS" body="$T/b.json"
printf '{"policy": {}}' >"$T/b.json"
expect_code 1 "no expires_in_hours: refused" C raw POST api:/projects/p1/authorization sign_bearer_token= "$JS" body="$T/b.json"
expect_ok "GET /api/logview/host" C raw GET api:/logview/host
expect_code 1 "POST /api/logview/host: refused" C raw POST api:/logview/host
