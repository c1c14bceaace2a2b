# syntax=docker/dockerfile:1
# Energy Ingestion Engine: build with the full toolchain, run with production dependencies only.
#   docker build -t energy-ingestion-engine .
#   docker run -e DATABASE_URL=postgres://… -e API_KEYS=… -p 3000:3000 energy-ingestion-engine
# The image always needs DATABASE_URL (the embedded PostgreSQL is for development machines, and its
# binaries are left out, see below) and, with NODE_ENV=production, API_KEYS.

# The Active LTS line, exact version; the same major as the `node` devDependency that npm scripts and CI run on.
ARG NODE_IMAGE=node:26.10.0-bookworm-slim

# ---- build: compile TypeScript to dist/, bundle the operator page into dist/dashboard ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# swagger-ui-dist's install script would report the install to a third party: opt out.
ENV SCARF_ANALYTICS=false DO_NOT_TRACK=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY dashboard ./dashboard
COPY migrations ./migrations
RUN npm run build

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production SCARF_ANALYTICS=false DO_NOT_TRACK=1
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. --omit=optional leaves out the embedded PostgreSQL binaries (~60 MB
# for the platform, optional dependencies of embedded-postgres) and pg-cloudflare: in a container the
# database is always DATABASE_URL, and embedded-postgres is only imported when it is unset.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The code stays owned by root: the service only reads it.
USER node
EXPOSE 3000
# Liveness: the process answers HTTP. Readiness (database up, migrated) is GET /health; the service
# stays up and retries while the database is away, so a restart would not help then.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node as PID 1 is fine: main.ts handles SIGTERM/SIGINT itself (drains writes, closes the pool).
CMD ["node", "dist/src/main.js"]
