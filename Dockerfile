# syntax=docker/dockerfile:1
# kube-converge container image: `kube-converge serve` (webhook, scheduler extender, metrics).
# Build: docker build -t kube-converge:0.1.0 .   (not built in this repository's CI: it has no Docker engine)
#
# Node.js 24 LTS ("Krypton") on Debian 13 slim, pinned to a release; raise NODE_IMAGE to move.
ARG NODE_IMAGE=node:24.20.0-trixie-slim

# --- build: the TypeScript compiler and every dev dependency stay in this stage
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and the compiled program only
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
# A numeric, non-root user (the chart's runAsUser): the kubelet can check runAsNonRoot against it.
# Files stay root-owned and read-only to it; the chart mounts a writable /tmp only.
USER 65532:65532
EXPOSE 8443 8099 9090
ENTRYPOINT ["node", "/app/dist/cli/bin.js"]
CMD ["serve"]
