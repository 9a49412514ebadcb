#!/usr/bin/env bash
# Builds mediasoup's C++ worker from the npm package's own sources against Debian's system
# libraries, with no download: each meson wrap is replaced by a tiny subproject (./subprojects)
# that wraps the system library. The binary is cached outside the checkout, keyed by the
# mediasoup version and a hash of this folder, so a fresh clone on the same machine reuses it.
#
# Usage: build-worker.sh [PROJECT_ROOT]   -> prints the worker binary's path as its last line.
# Needs the Debian build deps (scripts/setup.sh installs them).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${1:-$HERE/../..}" && pwd)"
PKG="$ROOT/node_modules/mediasoup"
[ -f "$PKG/package.json" ] || { echo "build-worker: $PKG is missing; run npm ci first" >&2; exit 1; }

VERSION="$(node -p "require('$PKG/package.json').version")"
PATCH_HASH="$(cd "$HERE" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
CACHE="${MOODIFY_CACHE_DIR:-$HOME/.cache/moodify}"
BIN="$CACHE/mediasoup-worker-$VERSION-$PATCH_HASH"
mkdir -p "$CACHE"

exec 9>"$CACHE/worker-build.lock"
flock 9   # two setups at once (npm start + npm test) must not build twice into one folder

if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

BUILD="$CACHE/build/mediasoup-$VERSION-$PATCH_HASH"
rm -rf "$BUILD" && mkdir -p "$(dirname "$BUILD")"
# Build in a copy, so node_modules stays exactly as npm installed it.
cp -a "$PKG/worker" "$BUILD"
S="$BUILD/subprojects"
mkdir -p "$S/.downloading-wraps"
find "$S" -maxdepth 1 -name '*.wrap' -exec mv {} "$S/.downloading-wraps/" \;
cp -a "$HERE/subprojects/." "$S/"

# Debian bookworm's meson is 1.0.1; mediasoup asks for >= 1.1.0 but builds fine with it.
sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" "$BUILD/meson.build"

# Debian's OpenSSL has kernel TLS enabled. mediasoup's memory-BIO callback returns 1 for every
# BIO_ctrl() that is not exactly BIO_CB_RETURN, so OpenSSL thinks the BIO does kTLS and crashes on
# the first DTLS packet. The flag is a bit mask: test it with '&'.
DTLS="$BUILD/src/RTC/DtlsTransport.cpp"
sed -i 's/(operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;/(operationType \& BIO_CB_RETURN) ? static_cast<long>(ret) : 1;/' "$DTLS"
grep -q '(operationType & BIO_CB_RETURN) ? static_cast<long>(ret) : 1;' "$DTLS" \
  || { echo "build-worker: the DtlsTransport BIO patch no longer applies to mediasoup $VERSION" >&2; exit 1; }

cd "$BUILD"
# liburing off: bookworm's 2.3 lacks io_uring_major_version, which mediasoup needs.
meson setup --buildtype release -Db_ndebug=true -Dms_disable_liburing=true \
  --wrap-mode=nodownload out/Release >"$BUILD/meson-setup.log" 2>&1 \
  || { tail -30 "$BUILD/meson-setup.log" >&2; exit 1; }
# The flatbuffers headers first: meson does not order libwebrtc's objects after the flatc step.
meson compile -C out/Release flatbuffers-generator >"$BUILD/compile.log" 2>&1 \
  || { tail -30 "$BUILD/compile.log" >&2; exit 1; }
ninja -C out/Release -j"$(nproc)" mediasoup-worker >>"$BUILD/compile.log" 2>&1 \
  || { tail -40 "$BUILD/compile.log" >&2; exit 1; }

install -m 0755 out/Release/mediasoup-worker "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
cd "$CACHE" && rm -rf "$BUILD"
echo "$BIN"
