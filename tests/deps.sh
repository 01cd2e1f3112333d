#!/bin/sh
# tests/deps.sh (make deps): install every Debian package mcsync needs to
# build, test and benchmark. Idempotent: installs only what is missing.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-dev
libmariadb-dev libfyaml-dev libcurl4-openssl-dev libssl-dev libmsgpack-dev libzstd-dev zlib1g-dev zstd
mariadb-server mariadb-client mariadb-backup sqlite3 sysbench mydumper
python3 python3-crc32c jq time"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
