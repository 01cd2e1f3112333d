#!/bin/sh
# The end-to-end oracle (as tests/t6201 for the local warehouse) with
# MaxCompute as the destination: a snapshot racing a writer, the tail, the
# merge in MaxCompute, each stage SIGKILLed at a random moment and rerun,
# the local server's faults switched on at random (5xx, 429, dropped
# connections, slow and lost answers, a repeated commit, session expiry);
# every table equals the source row by row and nothing is doubled
# (tests/t7041-odps-oracle.lib has the run). A few runs here; 100 in
# make bench (tests/bench/b7400-odps-soak.sh). Each run's seed is printed:
# T7041_SEED=N replays it (its faults, kill moments and the server's draws).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
command -v python3 >/dev/null || { ok "skipped: no python3"; exit 0; }
. "$(dirname "$0")/t7041-odps-oracle.lib"

oracle_setup
if [ -n "${T7041_SEED:-}" ]; then
	seeds=$T7041_SEED
else
	base=$(( ($$ * 7919 + $(date +%s)) % 1000000 ))
	seeds=
	k=0
	while [ $k -lt "${T7041_RUNS:-3}" ]; do seeds="$seeds $((base + k * 7))"; k=$((k + 1)); done
fi
fired=0 kills=0
for s in $seeds; do
	echo "# seed $s (replay: T7041_SEED=$s sh tests/t7041-odps-oracle.sh)"
	if oracle_run "$s"; then
		ok "seed $s: every table equals the source row by row, nothing doubled ($ORACLE_FIRED faults fired, $ORACLE_KILLS kills landed:$ORACLE_KILLED, $ORACLE_LOGROWS log rows)"
	else
		fail "seed $s: every table equals the source row by row, nothing doubled" "$ORACLE_WHY (faults: $(echo "$ORACLE_RULES" | tr '\n' ';'))"
	fi
	echo "# seed $s: rules: $(echo "$ORACLE_RULES" | tr '\n' ';')"
	fired=$((fired + ORACLE_FIRED)) kills=$((kills + ORACLE_KILLS))
done
[ $fired -gt 0 ] && ok "faults fired ($fired)" || fail "faults fired" "none"
[ $kills -gt 0 ] && ok "kills landed on running stages ($kills)" || fail "kills landed on running stages" "none"
