# One image runs the app (default) or a worker (`docker run … upstash-guard node dist/queue/worker-main.js`).
# Node 24 is the current LTS (Node 20 reached end of life in April 2026; dependencies need >= 22).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build.mjs ./scripts/build.mjs
# `npm ci` runs the `prepare` script, which builds dist/ (so the sources are copied first).
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:24-bookworm-slim
# git for the clones; tini as PID 1 reaps the git processes and forwards signals to node.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 UPSTASH_GUARD_CACHE_DIR=/var/lib/upstash-guard/cache \
  UPSTASH_GUARD_DATA_DIR=/var/lib/upstash-guard/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY schema ./schema
# The clone cache and, without Redis, the queue journal and the incidents: mount volumes here so a
# restart keeps them (with REDIS_URL the incidents live in Redis).
RUN mkdir -p /var/lib/upstash-guard/cache /var/lib/upstash-guard/data \
  && chown -R node:node /var/lib/upstash-guard
VOLUME /var/lib/upstash-guard/cache /var/lib/upstash-guard/data
USER node
EXPOSE 3000
# The worker has no HTTP server: docker-compose.yml turns this check off for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# node itself, not npm: SIGTERM reaches the process that runs the graceful shutdown.
CMD ["node", "dist/app/main.js"]
