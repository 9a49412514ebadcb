#!/usr/bin/env bash
# Sets up whatever is missing for `npm start` (and, with --test, for `npm test`), from the npm
# registry and Debian's packages only. Idempotent: when nothing is missing it takes seconds.
# One progress line per step; a failing step names itself and exits non-zero.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FOR_TESTS=0
[ "${1:-}" = "--test" ] && FOR_TESTS=1

STEP_START=0
step() { STEP_NAME="$1"; STEP_START=$(date +%s%N); printf '[setup] %-34s ' "$1"; }
ok() { printf 'ok (%s%d ms)\n' "${1:+$1, }" $(( ($(date +%s%N) - STEP_START) / 1000000 )); }
fail() {
  printf 'FAILED\n[setup] %s failed: %s\n' "$STEP_NAME" "$1" >&2
  exit "${2:-1}"
}

# ---------------------------------------------------------------- node
step "node.js >= 20.10"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=10)?0:1)' \
  || fail "Node.js $(node --version 2>/dev/null || echo missing) found; install Node.js 20 LTS"
ok "$(node --version)"

# ---------------------------------------------------------------- debian packages
APT_PACKAGES=(ffmpeg build-essential pkg-config meson ninja-build libuv1-dev libssl-dev libsrtp2-dev
  libusrsctp-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler)
# A runtime image (Dockerfile) carries a built worker and no compilers: only ffmpeg is needed.
[ "${MOODIFY_RUNTIME_ONLY:-0}" = 1 ] && APT_PACKAGES=(ffmpeg)
[ "$FOR_TESTS" = 1 ] && APT_PACKAGES+=(chromium)
# The default music library (CC BY-SA 3.0, see README "Bundled music"), imported by the server
# when its library is empty; MOODIFY_NO_BUNDLED_MUSIC=1 leaves it out.
[ "${MOODIFY_NO_BUNDLED_MUSIC:-0}" = 1 ] || APT_PACKAGES+=(singularity-music hyperrogue-music)
step "debian packages"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && { command -v sudo >/dev/null && SUDO="sudo" || fail "missing ${missing[*]}; run as root or install them with apt-get"; }
  printf 'installing %s ... ' "${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/tmp/moodify-apt.log 2>&1 || fail "apt-get update failed (see /tmp/moodify-apt.log)"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/moodify-apt.log 2>&1 \
    || fail "apt-get install ${missing[*]} failed (see /tmp/moodify-apt.log)"
  ok "installed ${#missing[@]}"
else
  ok "all ${#APT_PACKAGES[@]} present"
fi

# ---------------------------------------------------------------- npm packages
# npm ci without install scripts: mediasoup's would download a prebuilt worker (or pip-install
# meson), ffmpeg-static's downloads a binary, onnxruntime-node's fetches CUDA libraries. Each is
# handled below without leaving the npm registry and Debian.
step "npm packages"
LOCK_HASH="$(sha256sum package-lock.json | cut -c1-16)"
STAMP="node_modules/.moodify-installed-$LOCK_HASH"
if [ -f "$STAMP" ]; then
  ok "up to date"
else
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/tmp/moodify-npm.log 2>&1 \
    || fail "npm ci failed (see /tmp/moodify-npm.log)"
  touch "$STAMP"
  ok "installed"
fi

step "ffmpeg binary"
# ffmpeg-static's own binary when its download works (a machine with internet); Debian's
# ffmpeg otherwise. media/ffmpeg-path.ts resolves FFMPEG_BIN > ffmpeg-static > /usr/bin/ffmpeg.
FFMPEG_STAMP="node_modules/.moodify-ffmpeg-static-tried"
if [ -n "${FFMPEG_BIN:-}" ]; then
  [ -x "$FFMPEG_BIN" ] || fail "FFMPEG_BIN=$FFMPEG_BIN is not an executable"
  ok "FFMPEG_BIN=$FFMPEG_BIN"
elif [ -x node_modules/ffmpeg-static/ffmpeg ]; then
  ok "ffmpeg-static"
elif [ -f "$FFMPEG_STAMP" ]; then
  ok "/usr/bin/ffmpeg (ffmpeg-static download unavailable)"
else
  (cd node_modules/ffmpeg-static && timeout 60 node install.js >/dev/null 2>&1) || true
  touch "$FFMPEG_STAMP"
  if [ -x node_modules/ffmpeg-static/ffmpeg ]; then ok "ffmpeg-static downloaded"
  else command -v ffmpeg >/dev/null || fail "no ffmpeg: neither ffmpeg-static's download nor Debian's ffmpeg"
       ok "/usr/bin/ffmpeg (ffmpeg-static download unavailable)"; fi
fi

step "onnxruntime execution providers"
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  # CUDA present: let onnxruntime-node fetch its CUDA provider if it can; CPU still works if not.
  (cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 timeout 300 node script/install >/dev/null 2>&1) \
    && ok "cuda + cpu" || ok "cpu (CUDA provider download unavailable)"
else
  ok "cpu (no CUDA device)"
fi

# ---------------------------------------------------------------- mediasoup worker
step "mediasoup worker"
WORKER_LINK="node_modules/mediasoup/worker/out/Release/mediasoup-worker"
if [ -n "${MEDIASOUP_WORKER_BIN:-}" ]; then
  [ -x "$MEDIASOUP_WORKER_BIN" ] || fail "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN is not an executable"
  ok "MEDIASOUP_WORKER_BIN"
else
  BUILD_LOG=/tmp/moodify-worker-build.log
  bin="$(bash media/worker-build/build-worker.sh "$ROOT" 2>"$BUILD_LOG" | tail -1)" \
    || fail "building the worker failed (see $BUILD_LOG)"
  [ -x "$bin" ] || fail "the worker build produced no binary (see $BUILD_LOG)"
  # mediasoup looks for worker/out/Release/mediasoup-worker by itself.
  mkdir -p "$(dirname "$WORKER_LINK")" && ln -sfn "$bin" "$WORKER_LINK"
  ok "$(basename "$bin")"
fi

# ---------------------------------------------------------------- client bundle
step "client bundle"
CLIENT_HASH="$( (find client/src vocabulary -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum package-lock.json scripts/build-client.mjs) | sha256sum | cut -c1-16)"
if [ -f "client/dist/.build-$CLIENT_HASH" ]; then
  ok "up to date"
else
  node scripts/build-client.mjs >/tmp/moodify-client-build.log 2>&1 || fail "esbuild failed (see /tmp/moodify-client-build.log)"
  touch "client/dist/.build-$CLIENT_HASH"
  ok "built"
fi
# Migrations are applied by the server itself at start (the same code path for both databases).

# ---------------------------------------------------------------- python linter (tests only)
# `npm run lint` (part of `npm test`) checks the offline model-building scripts under models/
# with ruff, from pip's configured index (the machine's wheel store).
if [ "$FOR_TESTS" = 1 ]; then
  step "ruff (python linter)"
  RUFF_VERSION=0.16.9
  if python3 -m ruff --version 2>/dev/null | grep -q "$RUFF_VERSION"; then
    ok "ruff $RUFF_VERSION"
  else
    python3 -m pip install -q "ruff==$RUFF_VERSION" >/tmp/moodify-pip.log 2>&1 || fail "pip install ruff==$RUFF_VERSION failed (see /tmp/moodify-pip.log)"
    ok "installed ruff $RUFF_VERSION"
  fi
fi
