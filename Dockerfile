# syntax=docker/dockerfile:1
#
# The xp-import worker image (also runs the sandbox under the compose profile `sandbox`).
#
# node:20-bookworm-slim (Debian 12, glibc): the Temporal worker loads @temporalio/core-bridge's
# native library, which the npm package ships prebuilt for linux x64 and arm64 *gnu* only, so an
# Alpine (musl) base would not load it. Node 20 matches package.json's engines (>=20.3.0); it left
# upstream support in April 2026, so `--build-arg NODE_IMAGE=node:22-bookworm-slim` is the way on.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, TypeScript compiled, workflow bundle prebuilt -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so a source change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# tsc (tsconfig.build.json) into dist/, then dist/workflow-bundle.js: workers load that bundle
# instead of running webpack at start, so every replica runs byte-identical workflow code.
RUN npm run build

# ---- deps: production dependencies only -------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime: what the worker runs, owned by root, run as the unprivileged `node` user ---------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# /data is mounted read-only (the files to import); /reports is where reports and rejects files
# are written. A named volume mounted on /reports starts with this folder's owner, so the node
# user (uid 1000) can write there without running as root.
RUN mkdir -p /data /reports && chown node:node /reports
ENV XP_IMPORT_DATA_DIR=/data \
    XP_IMPORT_REPORT_DIR=/reports \
    XP_IMPORT_HEALTH_FILE=/tmp/xp-import.health
USER node
# Healthy while the worker keeps rewriting its health file (every 10 s); 30 s = three missed beats.
# Requires only dist/workers/healthFile.js, not the whole CLI, so each probe stays cheap.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "-e", "process.exit(require('./dist/workers/healthFile.js').checkHealthFile(process.env.XP_IMPORT_HEALTH_FILE, 30000) ? 0 : 1)"]
# The flag keeps the main thread's young generation small (workers/nodeFlags.ts).
CMD ["node", "--max-semi-space-size=4", "dist/bin/xp-import.js", "worker"]
