#!/usr/bin/env bash
# Builds openfunctiongraph/platform from what this machine compiles and installs, with no image pulls and no
# network inside `docker build`: a staging folder gets dist/ (npm run build) and production node_modules
# (npm ci --omit=dev), then Dockerfile.prebuilt packages it on the offline Node base.
# Usage: scripts/build-app-image-offline.sh [tag]   (BASE_IMAGE overrides openfunctiongraph/base-node:20)
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-openfunctiongraph/platform:latest}
base=${BASE_IMAGE:-openfunctiongraph/base-node:20}
log() { echo "[build-app-image] $*"; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

docker image inspect "$base" >/dev/null 2>&1 || bash scripts/build-images.sh
log "compiling into the staging folder"
npx tsc -p tsconfig.build.json --outDir "$stage/dist"
cp -r package.json package-lock.json tsconfig.base.json tools Dockerfile.prebuilt "$stage/"
log "installing production dependencies"
(cd "$stage" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
log "building $tag on $base"
DOCKER_BUILDKIT=0 docker build -q -f "$stage/Dockerfile.prebuilt" --build-arg BASE_IMAGE="$base" -t "$tag" "$stage" >/dev/null
log "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
