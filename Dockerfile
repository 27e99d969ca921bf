# lakegate: the GraphQL gateway, serving the embedded mode by default
# (set LAKEGATE_MODE=aws and the AWS settings to serve from AWS; see docs/AWS.md).
# Node 22 LTS: AWS SDK v3 releases after January 2027 require it.

FROM node:22-bookworm-slim AS build
WORKDIR /app
# Native addons (DuckDB, LevelDB) ship prebuilt binaries; no compiler needed.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json .swcrc ./
COPY src ./src
COPY schema ./schema
COPY resolvers ./resolvers
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    LAKEGATE_DATA_DIR=/data \
    PORT=4000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains in-flight requests (LAKEGATE_SHUTDOWN_GRACE_MS) before exiting.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/cli.js", "serve"]
