# One image for the gateway, invoker, trigger service and migration step; compose picks the command.
# BASE_IMAGE is a build argument so offline machines can pass a locally imported Node base.
ARG BASE_IMAGE=node:20-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.base.json tsconfig.build.json ./
COPY tools ./tools
COPY libs ./libs
COPY apps ./apps
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json /app/tsconfig.base.json ./
COPY --from=build /app/tools ./tools
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 1000:1000
ENTRYPOINT ["node", "-r", "./tools/register-paths.js"]
CMD ["dist/apps/gateway/src/main.js"]
