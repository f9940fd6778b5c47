#!/bin/sh
# Installs the Debian 12 packages iwmod needs to build, test and run.
# Safe to run again: apt-get skips what is already there.
set -eu
# libclang-rt-14-dev holds libFuzzer (fuzz/); clang only recommends it.
# openssl (the CLI) makes the keys and certificates of tests/test_dsig.sh. time: the
# peak memory of iwmod in tests/test_daemon.sh (/usr/bin/time -f %M).
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev \
  libxml2-dev libxml2-utils libxmlsec1-dev libxmlsec1-openssl libssl-dev openssl zlib1g-dev \
  libzmq3-dev libpq-dev postgresql postgresql-contrib \
  libyaml-dev libjansson-dev libsystemd-dev libmicrohttpd-dev libcmocka-dev curl libzip-dev zip time"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
