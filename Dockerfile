# One image for every role: web, worker, the migration Job, and inside match/build Jobs the
# referee (src/executor/kubernetes/referee_main.ts), its bridge and fetch-context.
# NOT BUILT OR RUN HERE: the development machine has no Docker engine. Build it with
#   docker build -t ghcr.io/<you>/rl-arena:<version> .
# Set WITH_LOCAL_SANDBOX=1 to add bubblewrap and Python for EXECUTOR=local inside the image.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY env/package.json env/package.json
RUN npm ci --no-audit --no-fund
COPY . .
# The server bundle (rl-arena-env's dist/ first; the replay player is embedded in dist/main.js,
# so HTML replays need no build at run time), then the runtime copied into agent images (Python
# launcher, Node SDK bundle), made before the prune while the build tools are all present.
RUN npm run build \
 && node --import tsx --input-type=module -e 'const m = await import("./src/executor/kubernetes/build_context.ts"); await m.prepareAgentRuntime();' \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf tests bench .data test-artifacts

FROM node:22-bookworm-slim
ARG WITH_LOCAL_SANDBOX=0
RUN if [ "$WITH_LOCAL_SANDBOX" = "1" ]; then \
      apt-get update && apt-get install -y --no-install-recommends bubblewrap python3 && rm -rf /var/lib/apt/lists/*; \
    fi
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the process: the pods also mount the root filesystem read-only.
COPY --from=build --chown=0:0 /app /app
# A non-root user by number, so runAsNonRoot can verify it. Match pods override it with 65532.
USER 10001:10001
EXPOSE 3000
# Roles: ROLE=web|worker|all with this command; `node --import tsx src/migrate_main.ts` for
# migrations; the executor's Jobs set their own commands (referee, mkfifo, fetch-context).
CMD ["node", "--enable-source-maps", "dist/main.js"]
