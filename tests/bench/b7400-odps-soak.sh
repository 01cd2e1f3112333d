#!/bin/sh
# b7400: the fault soak of the MaxCompute destination: SOAK_RUNS (100) runs
# of the end-to-end oracle of tests/t7041 (tests/t7041-odps-oracle.lib),
# each with its own seed: random fault rules of the local server (5xx, 429,
# dropped connections, slow and lost answers, a repeated commit, session
# expiry), random kill moments of the snapshot, the tail and the merge in
# MaxCompute. Prints the runs, the faults fired, the kills that landed, and
# "nothing lost or doubled", or the first failing seed with its replay
# command (T7041_SEED=N sh tests/t7041-odps-oracle.sh). SOAK_SEED=N: the
# first seed (default: from the clock).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
TOP=$(cd "$HERE/../.." && pwd)
O=${O:-build}
case $O in /*) BIN=$O ;; *) BIN=$TOP/$O ;; esac
PATH=$BIN:$PATH
export PATH TOP BIN
. "$TOP/tests/mariadb.sh"
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET ALIBABA_CLOUD_SECURITY_TOKEN
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
command -v python3 >/dev/null || { echo "b7400: skipped: no python3"; exit 0; }
. "$TOP/tests/t7041-odps-oracle.lib"

RUNS_=${SOAK_RUNS:-100}
seed=${SOAK_SEED:-$(( ($$ * 7919 + $(date +%s)) % 1000000 ))}
oracle_setup >/dev/null
t0=$(date +%s)
n=0 bad=0 fired=0 kills=0 first=
while [ $n -lt "$RUNS_" ]; do
	n=$((n + 1))
	if oracle_run "$seed"; then :; else
		bad=$((bad + 1))
		[ -n "$first" ] || { first=$seed; why=$ORACLE_WHY; rules=$(echo "$ORACLE_RULES" | tr '\n' ';'); }
		echo "b7400: seed $seed FAILED: $ORACLE_WHY" >&2
	fi
	fired=$((fired + ORACLE_FIRED)) kills=$((kills + ORACLE_KILLS))
	seed=$((seed + 1))
done
secs=$(( $(date +%s) - t0 ))
printf 'odps soak: %d runs in %d s, %d faults fired, %d kills landed mid-stage\n' "$n" "$secs" "$fired" "$kills"
if [ $bad -eq 0 ]; then
	echo "odps soak: nothing lost or doubled"
else
	echo "odps soak: $bad of $n runs FAILED; first failing seed $first: $why (faults: $rules)"
	echo "odps soak: replay: T7041_SEED=$first sh tests/t7041-odps-oracle.sh"
	exit 1
fi
