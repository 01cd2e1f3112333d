# pipelines/odps-local.sh: the local MaxCompute of the demo (sourced by
# pipelines/full-and-incremental.sh with MCSYNC_DEST=odps-local).
#
#   odps_local_start DIR PROJECT [OPTION...]
#                                  start tests/odps-server/server.py on a
#                                  private loopback port (127.0.0.1, port 0:
#                                  any free one), data in DIR, with a
#                                  throwaway access key written to
#                                  DIR/odps_config.ini (an odpscmd config
#                                  file, mode 600: the key is in no command
#                                  line); OPTIONs go to the server (--seed=N,
#                                  --faults=FILE); sets ODPS_LOCAL_PID, _PORT,
#                                  _CONF
#   odps_local_stop                stop it by its own pid (SIGTERM, then
#                                  SIGKILL after 5 s)
#   odps_local_sql QUERY           run QUERY as an SQL instance through the
#                                  server's own client (tests/odps-server/
#                                  client.py, which signs independently of
#                                  mcsync); its result (CSV with a header) on
#                                  standard output
# Needs $TOP (the repository) and python3; safe under set -e.

odps_local_start() {
	ODPS_LOCAL_DIR=$1 ODPS_LOCAL_PROJECT=$2
	shift 2
	mkdir -p "$ODPS_LOCAL_DIR"
	ODPS_LOCAL_CONF=$ODPS_LOCAL_DIR/odps_config.ini
	rm -f "$ODPS_LOCAL_DIR/port"
	(umask 077 && printf 'access_id=mcsync-demo\naccess_key=%s\n' \
		"$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$ODPS_LOCAL_CONF") || return 1
	python3 "$TOP/tests/odps-server/server.py" --port=0 --data="$ODPS_LOCAL_DIR" \
		--ready-file="$ODPS_LOCAL_DIR/port" --credentials="$ODPS_LOCAL_CONF" \
		--project="$ODPS_LOCAL_PROJECT" "$@" 2>>"$ODPS_LOCAL_DIR/server.err" &
	ODPS_LOCAL_PID=$!
	_i=0
	while [ ! -s "$ODPS_LOCAL_DIR/port" ]; do
		if ! kill -0 "$ODPS_LOCAL_PID" 2>/dev/null || [ $_i -ge 100 ]; then
			odps_local_stop
			return 1
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	ODPS_LOCAL_PORT=$(cat "$ODPS_LOCAL_DIR/port")
	(umask 077 && printf 'project_name=%s\nend_point=http://127.0.0.1:%s/api\n' \
		"$ODPS_LOCAL_PROJECT" "$ODPS_LOCAL_PORT" >>"$ODPS_LOCAL_CONF")
}

odps_local_stop() {
	[ -n "${ODPS_LOCAL_PID:-}" ] || return 0
	if kill "$ODPS_LOCAL_PID" 2>/dev/null; then
		_i=0
		while kill -0 "$ODPS_LOCAL_PID" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -9 "$ODPS_LOCAL_PID" 2>/dev/null || :
	fi
	wait "$ODPS_LOCAL_PID" 2>/dev/null || :
	ODPS_LOCAL_PID=
}

odps_local_sql() {
	python3 "$TOP/tests/odps-server/client.py" --endpoint="http://127.0.0.1:$ODPS_LOCAL_PORT/api" \
		--credentials="$ODPS_LOCAL_CONF" --project="$ODPS_LOCAL_PROJECT" sql "$1"
}
