#!/bin/bash
# pipelines/tail-service.sh: the binlog tail into a warehouse as a long-running
# service (systemd's mcsync-tail.service runs it; so can any supervisor):
#
#   mc-binlog-tail $MCSYNC_TAIL_ARGS --checkpoint-in=CKPT |
#       mc-tunnel-put --dest=$MCSYNC_DEST --checkpoint-out=CKPT $MCSYNC_PUT_ARGS
#
# and exits with one status for the pair, the status of the stage that
# failed first (below), for the supervisor's restart rule:
#   1 bad data, 2 bad configuration: restarting cannot help, a person must
#     look (systemd: RestartPreventExitStatus=1 2);
#   3 the server or the destination out of reach, or a stage killed: a
#     restart resumes exactly once from the checkpoint;
#   0 a stop asked for (SIGTERM: the tail writes its trailer, the sink
#     commits and ends).
# Environment (e.g. /etc/mcsync/mcsync.env):
#   MCSYNC_DEST        the warehouse directory (required)
#   MCSYNC_CKPT        the checkpoint file (default $MCSYNC_DEST.ckpt)
#   MCSYNC_TAIL_ARGS   mc-binlog-tail's connection options, e.g.
#                      "--defaults-file=/etc/mcsync/my.cnf --server-id=4242"
#   MCSYNC_PUT_ARGS    more mc-tunnel-put options (optional)
#   MCSYNC_BIN         where the programs are (default: on PATH)
set -u
[ -n "${MCSYNC_DEST:-}" ] || { echo "tail-service: set MCSYNC_DEST to the warehouse directory" >&2; exit 2; }
[ -n "${MCSYNC_TAIL_ARGS:-}" ] || { echo "tail-service: set MCSYNC_TAIL_ARGS to mc-binlog-tail connection options" >&2; exit 2; }
CKPT=${MCSYNC_CKPT:-$MCSYNC_DEST.ckpt}
[ -n "${MCSYNC_BIN:-}" ] && PATH=$MCSYNC_BIN:$PATH

# The two stages joined by a FIFO, each a job of its own so that each
# one's status is known.
dir=$(mktemp -d "${TMPDIR:-/tmp}/mcsync-tail.XXXXXX") || exit 3
mkfifo "$dir/pipe" || exit 3
ckin=
[ -e "$CKPT" ] && ckin=--checkpoint-in=$CKPT
# shellcheck disable=SC2086 # the ARGS are word lists on purpose
mc-tunnel-put --dest="$MCSYNC_DEST" --checkpoint-out="$CKPT" ${MCSYNC_PUT_ARGS:-} <"$dir/pipe" &
put_pid=$!
# shellcheck disable=SC2086
mc-binlog-tail $MCSYNC_TAIL_ARGS $ckin >"$dir/pipe" &
tail_pid=$!
# SIGTERM/SIGINT (a stop): to the tail, which ends its stream with a
# trailer; the sink commits what it has and ends with it.
trap 'kill -TERM $tail_pid 2>/dev/null' TERM INT
reap() { # PID: its status, waiting through interrupted waits
	# a wait cut short by the trap returns 128+signal, not the stage's
	# status, even when the stage ends right after it: wait again once
	# it is gone (bash keeps the status of a reaped job)
	while kill -0 "$1" 2>/dev/null; do
		wait "$1"
	done
	wait "$1"
}
reap $tail_pid
t=$?
reap $put_pid
p=$?
rm -rf "$dir"

# The stage that failed first is the cause: a tail that stops without its
# trailer makes the sink exit 1 ("input ended without a trailer"), a sink
# that stops makes the tail die of SIGPIPE. So: the tail's status unless
# it ended well or of SIGPIPE, else the sink's; a death by a signal is 3,
# a program that cannot be run (126, 127) is 2.
status() { case $1 in 0 | 1 | 2 | 3) echo "$1" ;; 126 | 127) echo 2 ;; *) echo 3 ;; esac; }
case $t in
0 | 141) s=$(status $p) ;;
*) s=$(status $t) ;;
esac
[ $s -eq 0 ] || echo "tail-service: mc-binlog-tail exit $t, mc-tunnel-put exit $p: exit $s" >&2
exit $s
