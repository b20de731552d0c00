#!/bin/sh
# Offline stand-in for the official redis image: reachable from other containers (protected mode off), data in /data.
set -eu
mkdir -p /data && cd /data
if [ "${1:-redis-server}" = "redis-server" ]; then shift || true; exec redis-server --protected-mode no --dir /data "$@"; fi
exec "$@"
