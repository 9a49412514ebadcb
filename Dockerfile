# syntax=docker/dockerfile:1
# Moodify: build the mediasoup worker from the npm package's sources against Debian's libraries
# (the same script `npm start` uses), bundle the client, then run as a non-root user.

FROM node:20-bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config meson ninja-build \
      libuv1-dev libssl-dev libsrtp2-dev libusrsctp-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler \
      ffmpeg python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# The worker binary lands in /opt/moodify (outside the app tree); MEDIASOUP_WORKER_BIN points at it.
RUN MOODIFY_CACHE_DIR=/opt/moodify bash media/worker-build/build-worker.sh /app \
 && cp "$(ls /opt/moodify/mediasoup-worker-*)" /opt/moodify/mediasoup-worker \
 && rm -rf /opt/moodify/build /opt/moodify/mediasoup-worker-* /opt/moodify/worker-build.lock
# setup.sh with the worker given: installs nothing more, builds the client bundle, stamps the install.
RUN MEDIASOUP_WORKER_BIN=/opt/moodify/mediasoup-worker FFMPEG_BIN=/usr/bin/ffmpeg bash scripts/setup.sh

FROM node:20-bookworm-slim AS runtime
ENV DEBIAN_FRONTEND=noninteractive
# Runtime libraries of the worker (no compilers), and ffmpeg for decoding and HLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libuv1 libssl3 libsrtp2-1 libusrsctp2 \
      libabsl20220623 libnss3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --home-dir /home/moodify --uid 10001 moodify
WORKDIR /app
COPY --from=build --chown=moodify:moodify /app /app
COPY --from=build /opt/moodify/mediasoup-worker /usr/local/bin/mediasoup-worker
ENV NODE_ENV=production \
    MOODIFY_RUNTIME_ONLY=1 \
    MEDIASOUP_WORKER_BIN=/usr/local/bin/mediasoup-worker \
    FFMPEG_BIN=/usr/bin/ffmpeg \
    DATA_DIR=/data \
    PORT=8080 \
    RTC_MIN_PORT=40000 \
    RTC_MAX_PORT=40999
RUN mkdir -p /data && chown moodify:moodify /data
VOLUME ["/data"]
USER moodify
EXPOSE 8080/tcp 40000-40999/udp 40000-40999/tcp
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npm", "start"]
