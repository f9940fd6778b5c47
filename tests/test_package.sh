#!/bin/sh
# test_package.sh - builds the Debian package with cpack -G DEB from the build
# directory and checks its contents and control data with dpkg-deb: binaries,
# schemas, unit, sysusers, tmpfiles, manual pages, the config as a conffile,
# and dependencies on the runtime libraries.
# Usage: test_package.sh BUILD_DIR
set -u
B="$1"
T=$(mktemp -d /tmp/iwmod-pkg-XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
check() {
  name="$1"; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}
if ! command -v cpack >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "skipped: cpack or dpkg-deb missing"; echo "0 passed, 0 failed"; exit 0
fi
(cd "$B" && cpack -G DEB -B "$T" >"$T/cpack.log" 2>&1)
check "cpack -G DEB succeeds" test $? -eq 0
deb=$(ls "$T"/iwmod_*.deb 2>/dev/null | head -n 1)
check "a .deb was made" test -n "$deb"
[ -n "$deb" ] || { cat "$T/cpack.log"; echo "$pass passed, $fail failed"; exit 1; }
dpkg-deb -c "$deb" | awk '{print $NF}' >"$T/files"
for f in ./usr/sbin/iwmod ./usr/bin/iwmoctl ./usr/libexec/iwmod/iwmoctl-admin ./usr/share/iwmod/schemas/iwmo/3.2/WMO305.xsd \
  ./usr/share/iwmod/schemas/ijw/3.2/JW305.xsd ./usr/lib/systemd/system/iwmod.service \
  ./usr/lib/sysusers.d/iwmod.conf ./usr/lib/tmpfiles.d/iwmod.conf ./usr/share/man/man8/iwmod.8 \
  ./usr/share/man/man8/iwmoctl.8 ./usr/share/man/man5/iwmod.yaml.5 ./etc/iwmod/iwmod.yaml \
  ./usr/share/doc/iwmod/operations.md; do
  check "package holds $f" grep -qx -- "$f" "$T/files"
done
dpkg-deb -f "$deb" Depends >"$T/depends"
for lib in libpq5 libxml2 libzmq5 libsystemd0 libmicrohttpd12 libyaml-0-2 libjansson4; do
  check "depends on $lib" grep -q "$lib" "$T/depends"
done
dpkg-deb -e "$deb" "$T/control"
check "config is a conffile" grep -qx /etc/iwmod/iwmod.yaml "$T/control/conffiles"
check "postinst creates user and directories" grep -q systemd-sysusers "$T/control/postinst"
# iwmoctl runs the database commands from the installed place: unpack and ask it for one.
mkdir -p "$T/root" && dpkg-deb -x "$deb" "$T/root"
"$T/root/usr/bin/iwmoctl" migrate --help >"$T/admin.out" 2>&1
check "the installed iwmoctl runs the installed iwmoctl-admin" grep -q "usage: iwmoctl migrate" "$T/admin.out"
echo "$pass passed, $fail failed"
test "$fail" -eq 0
