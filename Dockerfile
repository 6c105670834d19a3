# drainwatch image: the compiled CLI (dist/cli) and the Next.js production build (.next), run by
# `node` as PID 1 in exec form, so drainwatch itself receives SIGTERM and drains (no shell, no
# init wrapper). Build: docker build -t REGISTRY/drainwatch:TAG .
# test/deploy/image.test.ts assembles the final stage's files from a built checkout exactly as the
# COPY lines below say and runs the ENTRYPOINT on them: keep those lines simple (one path each).

# 1. Production dependencies only, from the lockfile. No install scripts: the Prisma client is
#    generated in the build stage and bundled; the platform binaries come as optional packages.
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 2. Build: Prisma client, CLI bundle, Next.js production build (npm run build).
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && rm -rf .next/cache

# 3. What runs: no sources, no dev dependencies, no npm at run time.
FROM node:20.20.2-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1 HOST=0.0.0.0 PORT=3000
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/next.config.js ./next.config.js
COPY --from=build /app/.next ./.next
COPY --from=build /app/dist/cli ./dist/cli
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/sandbox/scenarios ./sandbox/scenarios
# A numeric non-root user (runAsNonRoot can check it); the files stay root-owned and read-only.
USER 10001:10001
EXPOSE 3000
# V8 heap cap: RSS stays near what drainwatch retains (README "Sizing"); the manifests' memory
# limit is sized for it.
ENTRYPOINT ["node", "--max-old-space-size=192", "/app/dist/cli/main.mjs"]
CMD ["serve"]
