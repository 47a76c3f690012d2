# One image runs the app (default) or a worker (`docker run … upstash-guard npm run worker`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 UPSTASH_GUARD_CACHE_DIR=/var/lib/upstash-guard/cache
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY schema ./schema
# The clone cache and, without Redis, the queue journal: mount a volume here so a restart keeps both.
RUN mkdir -p /var/lib/upstash-guard/cache && chown -R node:node /var/lib/upstash-guard
VOLUME /var/lib/upstash-guard/cache
USER node
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["npm", "start"]
