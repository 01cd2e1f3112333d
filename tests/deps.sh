#!/bin/sh
# tests/deps.sh (make deps): install every Debian package mcsync needs to
# build, test, benchmark and package (make deb: dpkg-dev, debhelper, and
# lintian, which tests/t1009-deb.sh runs; no fakeroot: the package build
# needs no root, Rules-Requires-Root: no). Idempotent: installs only what is missing.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-dev
libmariadb-dev libfyaml-dev libcurl4-openssl-dev libssl-dev libmsgpack-dev libzstd-dev zlib1g-dev zstd
mariadb-server mariadb-client mariadb-backup sqlite3 sysbench mydumper
python3 jq time systemd lowdown gnuplot-nox valgrind strace
dpkg-dev debhelper lintian"
# optional: a C CRC32C for the local MaxCompute server (tests/odps-server/recstream.py
# falls back to Python); not every Debian release has it for its Python
OPT_PKGS="python3-crc32c"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
optional=
for p in $OPT_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		optional="$optional $p"
done
if [ -z "$missing$optional" ]; then
	echo "deps: all packages present"
	exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
for p in $optional; do
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$p" ||
		echo "deps: optional $p not installed"
done
