# syntax=docker/dockerfile:1
# Hark production image: `docker build -t hark .` then
#   docker run -v "$PWD:/config:ro" -e REDIS_URL=redis://redis:6379 -p 8080:8080 hark
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm ci --ignore-scripts && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HARK_CONFIG=/config PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# Example config; mount your own config repository over /config.
COPY hark.yaml /config/hark.yaml
COPY schedules /config/schedules
COPY escalation-policies /config/escalation-policies
COPY runbooks /config/runbooks
USER node
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/hark"]
CMD ["serve"]
