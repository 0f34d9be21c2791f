# syntax=docker/dockerfile:1
# Parley: one image for a single node (SQLite on a volume) or a cluster
# node (PostgreSQL + Redis). See docs/DEPLOYING.md.

# ---- build: install the workspace, build the server bundle and the web app
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@12.21.0
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile
RUN pnpm build

# The server bundle (apps/server/dist/main.js) contains the workspace packages,
# pg, ioredis and prom-client; only the native SQLite driver and the logger
# stay external. Install just those, at the versions the server declares.
WORKDIR /out
RUN node -e "const d = require('/src/apps/server/package.json').dependencies; \
      require('fs').writeFileSync('package.json', JSON.stringify({ name: 'parley-runtime', private: true, type: 'module', \
        dependencies: { 'better-sqlite3': d['better-sqlite3'], pino: d.pino } }, null, 2));" \
 && npm install --omit=dev --no-audit --no-fund \
 && cp -r /src/apps/server/dist ./dist \
 && mkdir -p web && cp -r /src/apps/web/dist ./web/dist

# ---- runtime: node and the built files, nothing else
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8001 \
    DATABASE_URL=/data/chat.db \
    WEB_DIR=/app/web/dist
WORKDIR /app
COPY --from=build --chown=node:node /out ./
RUN mkdir -p /data && chown node:node /data
# The image's unprivileged user (uid 1000).
USER node
VOLUME ["/data"]
EXPOSE 8001
# Liveness through Node itself (the image has no curl). Readiness for a load
# balancer is /readyz: database and bus reachable, not draining.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8001) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: stop accepting, tell clients to reconnect elsewhere, finish writes, exit.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
