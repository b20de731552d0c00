#!/usr/bin/env bash
# Builds the function runtime images without pulling anything.
#
#   scripts/build-images.sh            build the offline bases (if missing) and the Node.js, Python and Custom runtimes
#   scripts/build-images.sh --smoke    ... then start the Node.js runtime image hardened and exercise /health /code /init /invoke
#
# Environment:
#   OFG_BASE_NODE_IMAGE       base for the Node.js runtime (default openfunctiongraph/base-node:20, built offline
#                             from the host's node binary); e.g. node:20-bookworm-slim when registries are reachable
#   OFG_RUNTIME_NODEJS_IMAGE  tag of the runtime image (default openfunctiongraph/runtime-nodejs:latest)
#   OFG_BASE_PYTHON_IMAGE     base for the Python runtime (default openfunctiongraph/base-python:3, built with
#                             debootstrap from a Debian mirror); e.g. python:3.11-slim-bookworm
#   OFG_RUNTIME_PYTHON_IMAGE  tag of the Python runtime image (default openfunctiongraph/runtime-python:latest)
#   OFG_RUNTIME_CUSTOM_IMAGE  tag of the Custom/HTTP/container-image agent image, built from the Python base plus the
#                             Node.js base's node (default openfunctiongraph/runtime-custom:latest)
#   OFG_DEBIAN_MIRROR         mirror for debootstrap (default http://deb.debian.org/debian)
#   OFG_REBUILD_BASE=1        rebuild the offline bases even when they exist
#   OFG_SMOKE_PORT            host port for --smoke (default 31999)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OFFLINE_BASE_NODE_IMAGE="openfunctiongraph/base-node:20"
BASE_NODE_IMAGE="${OFG_BASE_NODE_IMAGE:-$OFFLINE_BASE_NODE_IMAGE}"
RUNTIME_NODEJS_IMAGE="${OFG_RUNTIME_NODEJS_IMAGE:-openfunctiongraph/runtime-nodejs:latest}"
OFFLINE_BASE_PYTHON_IMAGE="openfunctiongraph/base-python:3"
BASE_PYTHON_IMAGE="${OFG_BASE_PYTHON_IMAGE:-$OFFLINE_BASE_PYTHON_IMAGE}"
RUNTIME_PYTHON_IMAGE="${OFG_RUNTIME_PYTHON_IMAGE:-openfunctiongraph/runtime-python:latest}"
RUNTIME_CUSTOM_IMAGE="${OFG_RUNTIME_CUSTOM_IMAGE:-openfunctiongraph/runtime-custom:latest}"
DEBIAN_MIRROR="${OFG_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SMOKE_PORT="${OFG_SMOKE_PORT:-31999}"
DOCKER="${DOCKER:-docker}"

SMOKE=0
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    -h | --help)
      sed -n '2,18p' "$0"
      exit 0
      ;;
    *)
      echo "unknown argument: $arg" >&2
      exit 2
      ;;
  esac
done

log() { printf '[build-images] %s\n' "$*"; }
die() {
  printf '[build-images] ERROR: %s\n' "$*" >&2
  exit 1
}
image_exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
image_size_mb() { "$DOCKER" image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f MB", $1 / 1000000 }'; }
now_ms() { date +%s%3N; }

TMP_DIRS=()
cleanup() {
  local dir
  for dir in "${TMP_DIRS[@]+"${TMP_DIRS[@]}"}"; do rm -rf "$dir"; done
  if [ -n "${SMOKE_CONTAINER:-}" ]; then "$DOCKER" rm -f "$SMOKE_CONTAINER" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# A shell-less root: the host's node binary, the libraries ldd lists, the loader, passwd/group and /tmp.
build_offline_base_node() {
  local node_bin root lib started
  node_bin="$(command -v node)" || die "no node binary on the host to build $OFFLINE_BASE_NODE_IMAGE from"
  node_bin="$(readlink -f "$node_bin")"
  started="$(now_ms)"
  log "building $OFFLINE_BASE_NODE_IMAGE from $node_bin ($("$node_bin" --version))"
  root="$(mktemp -d)"
  TMP_DIRS+=("$root")

  install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
  # ldd prints `name => /path (addr)` for libraries and `/path (addr)` for the loader; linux-vdso has no path.
  while read -r lib; do
    [ -e "$lib" ] || die "ldd listed $lib but it does not exist"
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
    log "  + $lib"
  done < <(ldd "$node_bin" | grep -o '/[^ ]*' | sort -u)

  mkdir -p "$root/etc" "$root/tmp"
  chmod 1777 "$root/tmp"
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
function:x:1000:1000:function:/tmp:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
function:x:1000:
nogroup:x:65534:
EOF
  cat >"$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF

  tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
    "$DOCKER" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/usr/local/bin/node"]' \
      - "$OFFLINE_BASE_NODE_IMAGE" >/dev/null
  log "built $OFFLINE_BASE_NODE_IMAGE in $(($(now_ms) - started)) ms ($(image_size_mb "$OFFLINE_BASE_NODE_IMAGE"))"
}



# A minimal Debian bookworm root with python3 (debootstrap needs root and network access to the mirror).
build_offline_base_python() {
  local root started
  if ! command -v debootstrap >/dev/null; then
    command -v apt-get >/dev/null || die "debootstrap is missing and apt-get is not available to install it"
    log "installing debootstrap"
    apt-get install -y -q debootstrap >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q debootstrap >/dev/null; } ||
      die "could not install debootstrap"
  fi
  [ "$(id -u)" = "0" ] || die "building $OFFLINE_BASE_PYTHON_IMAGE with debootstrap needs root"
  started="$(now_ms)"
  log "building $OFFLINE_BASE_PYTHON_IMAGE with debootstrap (bookworm, minbase + python3) from $DEBIAN_MIRROR"
  root="$(mktemp -d)"
  TMP_DIRS+=("$root")
  # Progress only: the per-package lines (name and version) are dropped.
  debootstrap --variant=minbase --include=python3 bookworm "$root" "$DEBIAN_MIRROR" 2>&1 |
    grep --line-buffered -vE '^I: (Retrieving|Validating|Extracting|Unpacking|Configuring) [^ ]+(\.\.\.| [0-9])' |
    sed 's/^/[build-images]   /' || true
  [ -x "$root/usr/bin/python3" ] || die "debootstrap did not produce $root/usr/bin/python3"

  # The official python images keep python3 in /usr/local/bin; users' /opt/function/runtime symlink points there.
  mkdir -p "$root/usr/local/bin"
  ln -sf /usr/bin/python3 "$root/usr/local/bin/python3"
  if ! grep -q '^function:' "$root/etc/passwd"; then
    echo 'function:x:1000:1000:function:/tmp:/usr/sbin/nologin' >>"$root/etc/passwd"
    echo 'function:x:1000:' >>"$root/etc/group"
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
    "$root"/var/log/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*

  tar --numeric-owner -C "$root" -c . |
    "$DOCKER" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/usr/bin/python3"]' \
      - "$OFFLINE_BASE_PYTHON_IMAGE" >/dev/null
  log "built $OFFLINE_BASE_PYTHON_IMAGE in $(($(now_ms) - started)) ms ($(image_size_mb "$OFFLINE_BASE_PYTHON_IMAGE"))"
}



# Runs the image with the invoker's hardening flags and drives the wire protocol once.
smoke_test_nodejs() {
  local code_dir tar_file base reply
  command -v curl >/dev/null || die "curl is needed for --smoke"
  base="http://127.0.0.1:$SMOKE_PORT"
  log "smoke test: starting $RUNTIME_NODEJS_IMAGE on 127.0.0.1:$SMOKE_PORT"
  SMOKE_CONTAINER="$("$DOCKER" run -d --rm --read-only --cap-drop ALL --security-opt no-new-privileges \
    --user 1000:1000 --pids-limit 64 --memory 256m --tmpfs /tmp \
    --tmpfs /opt/function/code:uid=1000,gid=1000,mode=0755 \
    -p "127.0.0.1:$SMOKE_PORT:31000" "$RUNTIME_NODEJS_IMAGE")"

  for _ in $(seq 1 50); do
    if reply="$(curl -fsS "$base/health" 2>/dev/null)"; then break; fi
    sleep 0.1
  done
  [ "${reply:-}" = '{"ready":true}' ] || die "health check failed: ${reply:-no answer}; logs: $("$DOCKER" logs "$SMOKE_CONTAINER" 2>&1)"
  log "  GET /health -> $reply"

  code_dir="$(mktemp -d)"
  TMP_DIRS+=("$code_dir")
  mkdir -p "$code_dir/pkg/src"
  cat >"$code_dir/pkg/src/index.js" <<'EOF'
exports.initializer = (context, callback) => { console.log('initializer ran'); callback(null, ''); };
exports.handler = async (event, context) => {
  context.getLogger().info('hello from', context.getFunctionName());
  return { echo: event, node: process.version, uid: process.getuid(), fn: context.getFunctionName() };
};
EOF
  tar_file="$code_dir/code.tar"
  tar -cf "$tar_file" -C "$code_dir/pkg" .
  reply="$(curl -fsS -X PUT --data-binary "@$tar_file" "$base/code")"
  log "  PUT /code -> $reply"
  case "$reply" in *'"files":1'*) ;; *) die "unexpected /code reply" ;; esac

  reply="$(curl -fsS -X POST -H 'content-type: application/json' "$base/init" \
    -d '{"handler":"src/index.handler","initializer":"src/index.initializer","initializerTimeoutMs":3000,"env":{"RUNTIME_FUNC_NAME":"smoke","RUNTIME_MEMORY":"128","RUNTIME_TIMEOUT":"3"}}')"
  log "  POST /init -> $reply"
  case "$reply" in *'"ok":true'*) ;; *) die "unexpected /init reply" ;; esac

  reply="$(curl -fsS -X POST -H 'content-type: application/json' "$base/invoke" \
    -d '{"requestId":"smoke-1","event":"{\"hello\":\"world\"}","timeoutMs":3000}')"
  log "  POST /invoke -> $reply"
  case "$reply" in *'"status":"success"'*'uid\":1000'*) ;; *) die "unexpected /invoke reply" ;; esac

  "$DOCKER" rm -f "$SMOKE_CONTAINER" >/dev/null
  SMOKE_CONTAINER=""
  log "smoke test passed"
}

command -v "$DOCKER" >/dev/null || die "docker CLI not found"
"$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "docker engine not reachable"

total_started="$(now_ms)"
# ensure_base BASE OFFLINE_BASE BUILDER: use a given base image as is, or build the offline one once (cached).
ensure_base() {
  local base=$1 offline=$2 builder=$3
  if [ "$base" != "$offline" ]; then
    if image_exists "$base"; then
      log "using base $base (present locally)"
    else
      log "using base $base (not present locally: docker build will pull it)"
    fi
    return
  fi
  if [ "${OFG_REBUILD_BASE:-0}" != "1" ] && image_exists "$offline"; then
    log "base $offline already present, skipping (OFG_REBUILD_BASE=1 rebuilds it)"
    return
  fi
  "$builder"
}

# build_runtime IMAGE FOLDER BASE [ARG=VALUE...]: a runtime image from runtimes/FOLDER/Dockerfile with the legacy builder
# (works offline); the context is runtimes/ (runtimes/.dockerignore) so images can copy runtimes/shared; further
# ARG=VALUE pairs become --build-arg.
build_runtime() {
  local image=$1 folder=$2 base=$3 started arg
  shift 3
  local extra=()
  for arg in "$@"; do extra+=(--build-arg "$arg"); done
  started="$(now_ms)"
  log "building $image from runtimes/$folder on $base"
  DOCKER_BUILDKIT=0 "$DOCKER" build \
    --build-arg BASE_IMAGE="$base" \
    "${extra[@]+"${extra[@]}"}" \
    -t "$image" \
    -f "$REPO_ROOT/runtimes/$folder/Dockerfile" \
    "$REPO_ROOT/runtimes" 2>&1 | sed 's/^/[build-images]   /'
  log "built $image in $(($(now_ms) - started)) ms ($(image_size_mb "$image"))"
}

ensure_base "$BASE_NODE_IMAGE" "$OFFLINE_BASE_NODE_IMAGE" build_offline_base_node
build_runtime "$RUNTIME_NODEJS_IMAGE" nodejs "$BASE_NODE_IMAGE"
ensure_base "$BASE_PYTHON_IMAGE" "$OFFLINE_BASE_PYTHON_IMAGE" build_offline_base_python
build_runtime "$RUNTIME_PYTHON_IMAGE" python "$BASE_PYTHON_IMAGE"
# Bootstraps are mostly shell scripts: the Custom image needs the Python base's shell and coreutils, plus node.
build_runtime "$RUNTIME_CUSTOM_IMAGE" custom "$BASE_PYTHON_IMAGE" NODE_IMAGE="$BASE_NODE_IMAGE"
if [ "$SMOKE" = "1" ]; then smoke_test_nodejs; fi
log "done in $(($(now_ms) - total_started)) ms"
