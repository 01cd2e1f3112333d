# tests/lib-odps.sh: what the tests of MaxCompute share, over the local
# server (tests/lib.sh odps_start). Source it after tests/lib.sh:
#   . "$(dirname "$0")/lib-odps.sh"
# It offers:
#   faults SPEC / nofaults         set the server's faults (tests/odps-server
#                                  faults.py), clear them
#   kill_in_commit DIR SKIP OK FAIL CMD...
#                                  run CMD (an mc-tunnel-put) in the
#                                  background with the server (data in DIR)
#                                  answering late at a commit after SKIP,
#                                  SIGKILL it there; then "ok - OK" (none
#                                  when OK is ""), or "FAIL - FAIL: the fault
#                                  did not fire"; faults cleared after

faults() { curl -s -X POST --data-binary "$1" "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null; }
nofaults() { curl -s -X DELETE "http://127.0.0.1:$ODPS_PORT/_mcsync/faults" >/dev/null; }

kill_in_commit() {
	_kd=$1 _ks=$2 _kok=$3 _kfail=$4
	shift 4
	: >"$_kd/faults.log"
	faults "commit slow=30 skip=$_ks"
	"$@" >/dev/null 2>"$T/kill.err" &
	_kp=$!
	if wait_for "slow" "$_kd/faults.log" 150; then
		kill -9 $_kp
		wait $_kp 2>/dev/null
		[ -z "$_kok" ] || ok "$_kok"
	else
		kill -9 $_kp 2>/dev/null
		wait $_kp 2>/dev/null
		fail "$_kfail" "the fault did not fire: $(tail -2 "$T/kill.err")"
	fi
	nofaults
}
