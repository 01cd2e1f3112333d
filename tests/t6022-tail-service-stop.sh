#!/bin/sh
# pipelines/tail-service.sh stopped by SIGTERM (systemctl stop): the script's
# trap passes the signal to the tail, whose trailer ends the stream; the
# service's status is then the stages' (0 for a clean stop), also when the
# tail ends right after the trap cut the script's `wait` short (that wait
# returns 143, which the script once took for the tail's status: exit 3,
# "a stage killed", for a stop asked for). The window is made wide here by
# a slow `kill -0` (BASH_ENV), so the case is met every time.
. "$(dirname "$0")/lib.sh"
need python3
P=$TOP/pipelines
MCGEN=$BIN/tools/mcgen
"$MCGEN" changes 200 50 >"$T/ch.mcr"

# a tail that writes a whole stream, then waits for SIGTERM and ends at
# once with the status asked for (the real tail: trailer, exit 0)
mkdir -p "$T/fake"
cat >"$T/fake/mc-binlog-tail" <<'EOF'
#!/usr/bin/env python3
import os, signal, sys, time
sys.stdout.buffer.write(open(os.environ["FAKE_STREAM"], "rb").read())
sys.stdout.flush()
with open(os.environ["FAKE_READY"], "w") as f:
    f.write(str(os.getpid()))
signal.signal(signal.SIGTERM, lambda *a: os._exit(int(os.environ["FAKE_RC"])))
while True:
    time.sleep(1)
EOF
chmod +x "$T/fake/mc-binlog-tail"
ln -s "$BIN/mc-tunnel-put" "$T/fake/mc-tunnel-put"
printf 'kill() { if [ "$1" = -0 ]; then sleep 1; fi; builtin kill "$@"; }\n' >"$T/slowkill.sh"

stop_svc() { # RC WAREHOUSE: the fake tail's status on SIGTERM; sets $rc
	rm -f "$T/ready"
	env MCSYNC_BIN="$T/fake" MCSYNC_DEST="$2" MCSYNC_TAIL_ARGS=--fake \
		FAKE_STREAM="$T/ch.mcr" FAKE_READY="$T/ready" FAKE_RC="$1" BASH_ENV="$T/slowkill.sh" \
		"$P/tail-service.sh" >"$T/out" 2>"$T/err" &
	svc=$!
	n=0
	while [ ! -f "$T/ready" ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
	sleep 0.5 # the script is in its wait, its trap set
	kill -TERM $svc # the script alone, as systemd's KillMode=mixed does
	if wait_exit $svc 300; then
		wait $svc
		rc=$?
	else
		rc=stuck
		kill -KILL $svc "$(cat "$T/ready")" # the sink ends at the end of its input
	fi
}

stop_svc 0 "$T/w"
expect_eq "SIGTERM, the tail ends at once with 0: the service exits 0 ($(head -c 300 "$T/err"))" "$rc" 0
expect_ok "the sink committed the stream" test -s "$T/w.ckpt"
expect_ok "nothing said on standard error" test ! -s "$T/err"
stop_svc 1 "$T/w1"
expect_eq "SIGTERM, the tail ends at once with 1: the service exits 1" "$rc" 1
expect_grep "naming the tail's status, not the interrupted wait's" \
	'^tail-service: mc-binlog-tail exit 1, mc-tunnel-put exit 0: exit 1' "$T/err"
