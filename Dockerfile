# syntax=docker/dockerfile:1
# One image for the production processes: `npm run worker`, `npm run api` and the UI gate (gate/main.ts).

FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck && npx tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js

FROM node:24.22.3-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY activities ./activities
COPY api ./api
COPY config ./config
COPY db ./db
COPY gate ./gate
COPY worker ./worker
COPY workflows ./workflows
COPY tsconfig.json ./
USER node
EXPOSE 3000 9464
# node itself as PID 1: npm would stand between the container runtime's SIGTERM and the process.
CMD ["node", "--import", "tsx", "api/main.ts"]
