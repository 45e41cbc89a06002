# syntax=docker/dockerfile:1
# Hark production image.
#   docker build -t hark .
#   docker run -v "$PWD:/config:ro" -e REDIS_URL=redis://redis:6379 -e HARK_PUBLIC_URL=https://hark.example.com -p 8080:8080 hark
# REDIS_URL is required here: the image has no redis-server for Hark to start itself.
# docker-compose.yml runs it with Redis; README.md "Running in production" has the details.

# --- build: dev dependencies, TypeScript → dist/ (esbuild)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here (it runs below instead), and
# no dependency needs an install script (esbuild's binary comes as an optional package).
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# --- deps: production dependencies only
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

# --- the image: node, production node_modules, dist/, bin/, package.json; runs as `node`
FROM node:20-bookworm-slim
ENV NODE_ENV=production HARK_CONFIG=/config PORT=8080 HOST=0.0.0.0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# No config is baked in (the example's tokens must not end up in production): mount your config
# repository at /config. Without one, `hark serve` exits with "hark.yaml not found in /config".
USER node
EXPOSE 8080
# No curl in the slim image: node asks /healthz (a `serve --worker` process serves it too).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: Hark stops taking requests, lets running escalation jobs finish, then closes Redis.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/bin/hark"]
CMD ["serve"]
