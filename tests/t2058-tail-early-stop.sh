#!/bin/sh
# A live mc-binlog-tail sent SIGTERM (or SIGINT) before it is reading
# events (while it reads its checkpoint, connects, or is asked the
# server's binlog_format) stops as it does later: its stream ends with a
# trailer, exit 0. It once died of the signal (143, no trailer) in its
# first ~0.1 s, and pipelines/tail-service.sh then exited 3. The windows
# are made wide here: the checkpoint is a FIFO (its open() blocks until it
# is written), the server a Unix socket that accepts and answers nothing.
. "$(dirname "$0")/lib.sh"
need python3 mkfifo
P=$TOP/pipelines

# --- while reading the checkpoint ---
for sig in TERM INT; do
	rm -f "$T/ck"; mkfifo "$T/ck"
	mc-binlog-tail --socket="$T/none.sock" --checkpoint-in="$T/ck" --start=mysql-bin.000001:4 \
		>"$T/a.mcr" 2>"$T/a.err" &
	pid=$!
	sleep 0.3
	kill -"$sig" $pid
	sleep 0.1
	printf 'mcsync-checkpoint 1\n' | timeout -k 5 5 sh -c 'cat >"$1"' sh "$T/ck"
	wait $pid
	expect_eq "SIG$sig while reading the checkpoint: exit 0" "$?" 0
	expect_eq "... nothing on stderr" "$(cat "$T/a.err")" ""
	expect_ok "... the stream has its trailer" mc-cat --check "$T/a.mcr"
	expect_eq "... a header and trailer only (no connection made)" "$(mc-cat --to=jsonl "$T/a.mcr" | wc -l)" 2
done

# --- while connecting: a server that accepts and says nothing ---
cat >"$T/srv.py" <<'PY'
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("accepted\n")
    while not os.path.exists(sys.argv[3]):
        time.sleep(0.05)
    c.close()
PY
python3 "$T/srv.py" "$T/srv.sock" "$T/acc" "$T/go" &
srv=$!
at_exit "kill $srv 2>/dev/null"
n=0; while [ ! -S "$T/srv.sock" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
mc-binlog-tail --socket="$T/srv.sock" --start=mysql-bin.000001:4 >"$T/b.mcr" 2>"$T/b.err" &
pid=$!
wait_for accepted "$T/acc" 100 || fail "the fake server" "no connection"
kill -TERM $pid
sleep 0.2
touch "$T/go"
wait $pid
expect_eq "SIGTERM while connecting: exit 0" "$?" 0
expect_eq "... nothing on stderr" "$(cat "$T/b.err")" ""
expect_ok "... the stream has its trailer" mc-cat --check "$T/b.mcr"

# --- the service: stopped while the tail reads its checkpoint: exit 0 ---
rm -f "$T/ck" "$T/go"; mkfifo "$T/ck"
MCSYNC_DEST="$T/w" MCSYNC_CKPT="$T/ck" MCSYNC_TAIL_ARGS="--socket=$T/none.sock --start=mysql-bin.000001:4" \
	"$P/tail-service.sh" >"$T/s.out" 2>"$T/s.err" &
svc=$!
sleep 0.5
kill -TERM $svc
sleep 0.1
printf 'mcsync-checkpoint 1\n' | timeout -k 5 5 sh -c 'cat >"$1"' sh "$T/ck"
wait $svc
expect_eq "tail-service.sh stopped at its start: exit 0" "$?" 0
expect_eq "... nothing on stderr" "$(cat "$T/s.err")" ""
