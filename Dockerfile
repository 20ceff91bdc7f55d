# One image for every simclust container: the migrate one-shot and the four apps (docker-compose.yml).
# The command picks what runs: bash docker/entrypoints/<migrate|gateway|indexer|clustering-worker|notifications>.sh

FROM node:20-bookworm-slim AS builder
WORKDIR /app
ENV NX_DAEMON=false NX_NO_CLOUD=true CHECKPOINT_DISABLE=1
# Workspaces need every libs/*/package.json before `npm ci`, and postinstall generates the Prisma client
# from prisma/schema.prisma, so the whole (docker-ignored) tree comes in at once.
COPY . .
RUN npm ci --no-audit --no-fund
RUN npx nx run-many -t build
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=builder /app/package.json /app/package-lock.json /app/nx.json ./
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/libs ./libs
COPY --from=builder /app/apps ./apps
COPY --from=builder /app/prisma ./prisma
COPY --from=builder /app/tools/migrate ./tools/migrate
COPY --from=builder /app/docker/entrypoints ./docker/entrypoints
# Named volumes start with the image's ownership of their mount point, so the apps can write thumbnails.
RUN mkdir -p /data/images /data/thumbnails && chown -R node:node /data
USER node
EXPOSE 8080 8081 8082 8083
CMD ["bash", "docker/entrypoints/gateway.sh"]
