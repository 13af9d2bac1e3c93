# syntax=docker/dockerfile:1
# Strata: the `strata` CLI as a container, for the Fargate executor (README, "On AWS").
# Build: docker build -t strata . (linux/amd64 or linux/arm64, matching the task definition's runtimePlatform)

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and the sources are not copied yet.
# npm install, not npm ci: the lock lists only the DuckDB binary of the machine it was made on.
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY framework ./framework
COPY assets ./assets
COPY resources ./resources
COPY schedules ./schedules
# The `strata ui` client, bundled into dist/ui-client by the build.
COPY ui ./ui
# bench/ stays out: it is for development machines, and imports the test support code.
RUN npm run build

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    STRATA_LOG_LEVEL=info
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only (DuckDB's prebuilt binary comes with @duckdb/node-api).
RUN npm install --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# DuckDB and the S3 cache write under /tmp; the app itself is read-only for the runtime user.
RUN useradd --system --uid 10001 --home-dir /home/strata --create-home strata \
    && chmod 0555 /app/bin/strata.js
USER strata
ENV HOME=/home/strata TMPDIR=/tmp
ENTRYPOINT ["node", "/app/bin/strata.js"]
CMD ["--help"]
