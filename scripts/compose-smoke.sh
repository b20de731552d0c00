#!/usr/bin/env bash
# `docker compose up --scale invoker=3` for real, then a token, a function, invocations and a teardown.
# Offline machines (CI) have no registry: the app image is built from local output, and when the machine has
# no postgres:15 / redis:7 images, stand-ins are built from Debian packages (debootstrap) under those tags.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[compose-smoke $(date -u +%H:%M:%S)] $*"; }
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
project=ofgsmoke
export OFG_FUNCTION_NETWORK=ofg-smoke-functions GATEWAY_PORT=${SMOKE_GATEWAY_PORT:-28090}
export OFG_ADMIN_USER=admin OFG_ADMIN_PASSWORD=smoke-$RANDOM$RANDOM OFG_ADMIN_AK=SMOKEAK000000000000
export OFG_ADMIN_SK=smokesecret$RANDOM$RANDOM$RANDOM OFG_DEFAULT_PROJECT_ID=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
gw=http://127.0.0.1:$GATEWAY_PORT

offline_services() {
  docker image inspect postgres:15 >/dev/null 2>&1 && docker image inspect redis:7 >/dev/null 2>&1 && return
  local base=openfunctiongraph/offline-services-base:bookworm
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    local root; root=$(mktemp -d)
    log "debootstrap of a Debian root with postgresql-15 and redis-server (once per machine)"
    debootstrap --variant=minbase --include=postgresql-15,redis-server,procps bookworm "$root" http://deb.debian.org/debian >/dev/null
    rm -rf "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" -c . | docker import - "$base" >/dev/null
    rm -rf "$root"
  fi
  log "building postgres:15 and redis:7 stand-ins from $base"
  DOCKER_BUILDKIT=0 docker build -q -f scripts/offline-services/Dockerfile.postgres --build-arg BASE_IMAGE="$base" -t postgres:15 scripts/offline-services >/dev/null
  DOCKER_BUILDKIT=0 docker build -q -f scripts/offline-services/Dockerfile.redis --build-arg BASE_IMAGE="$base" -t redis:7 scripts/offline-services >/dev/null
}

cleanup() {
  log "tearing down"
  "${compose[@]}" -p "$project" down -v --remove-orphans >/dev/null 2>&1 || true
  docker network rm "$OFG_FUNCTION_NETWORK" >/dev/null 2>&1 || true
}
trap cleanup EXIT

offline_services
bash scripts/build-app-image-offline.sh openfunctiongraph/platform:latest
for runtime in nodejs python custom; do
  docker image inspect "openfunctiongraph/runtime-$runtime:latest" >/dev/null 2>&1 || { bash scripts/build-images.sh; break; }
done
log "docker compose up --scale invoker=3"
"${compose[@]}" -p "$project" up -d --no-build --scale invoker=3

for _ in $(seq 1 90); do curl -fs "$gw/health/ready" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "$gw/health/ready" >/dev/null || { "${compose[@]}" -p "$project" logs --tail=40; exit 1; }
healthy=$("${compose[@]}" -p "$project" ps | grep -c 'invoker.*Up (healthy)' || true)
for _ in $(seq 1 60); do [ "$healthy" -ge 3 ] && break; sleep 1; healthy=$("${compose[@]}" -p "$project" ps | grep -c 'invoker.*Up (healthy)' || true); done
log "gateway ready, $healthy healthy invokers"
[ "$healthy" -eq 3 ] || { log "expected 3 healthy invokers"; exit 1; }

token=$(curl -si -X POST "$gw/v3/auth/tokens" -H 'Content-Type: application/json' -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"'"$OFG_ADMIN_PASSWORD"'"}}},"scope":{"project":{"id":"'"$OFG_DEFAULT_PROJECT_ID"'"}}}}' \
  | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')
[ -n "$token" ] || { log "no token"; exit 1; }
code=$(printf 'exports.handler = async (e) => ({ hello: e.name });' | base64 -w0)
api="$gw/v2/$OFG_DEFAULT_PROJECT_ID/fgs/functions"
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
  -d '{"func_name":"hello","package":"default","runtime":"Node.js20.15","timeout":30,"handler":"index.handler","memory_size":128,"code_type":"inline","func_code":{"file":"'"$code"'"}}')
[ "$status" = 200 ] || { log "create function answered $status"; exit 1; }
for i in 1 2 3 4 5 6; do
  out=$(curl -s -X POST "$api/hello/invocations" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' -d '{"name":"compose-'$i'"}')
  [ "$out" = '{"hello":"compose-'$i'"}' ] || { log "invocation $i answered: $out"; "${compose[@]}" -p "$project" logs --tail=40 invoker; exit 1; }
done
pycode=$(printf 'def handler(event, context):\n    return {"hello": event["name"], "runtime": "python"}\n' | base64 -w0)
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$api" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
  -d '{"func_name":"hello-py","package":"default","runtime":"Python3.9","timeout":30,"handler":"index.handler","memory_size":128,"code_type":"inline","func_code":{"file":"'"$pycode"'"}}')
[ "$status" = 200 ] || { log "create Python function answered $status"; exit 1; }
for i in 1 2 3; do
  out=$(curl -s -X POST "$api/hello-py/invocations" -H "X-Auth-Token: $token" -H 'Content-Type: application/json' -d '{"name":"py-'$i'"}')
  [ "$out" = '{"hello": "py-'$i'", "runtime": "python"}' ] || { log "Python invocation $i answered: $out"; "${compose[@]}" -p "$project" logs --tail=40 invoker; exit 1; }
done
log "compose stack: create + 6 Node.js and 3 Python invocations through 3 invokers OK"
