# Shared by tools/up, tools/test and tools/bench. Source it; it sets ROOT and
# offers ensure_packages and build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin
export DEBIAN_FRONTEND=noninteractive

# What building and testing Lifeline needs from Debian.
BASE_PACKAGES=(
  gcc clang libclang-rt-14-dev curl meson ninja-build pkg-config python3 python3-pytest python3-pytest-xdist
  libevent-dev libpq-dev libjansson-dev libhpdf-dev libcmocka-dev libqrencode-dev
  libcurl4-openssl-dev libsodium-dev fonts-wqy-zenhei
  postgresql-15 postgresql-client-15 json-schema-test-suite qpdf poppler-utils python3-aiosmtpd zbar-tools
)

say() { printf '%s\n' "$*" >&2; }

# ensure_packages PKG... — install only what dpkg says is missing.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build DIR [meson options...] — configure once, then compile.
build() {
  local dir=$1; shift
  if [ ! -f "$ROOT/$dir/build.ninja" ]; then
    meson setup "$ROOT/$dir" "$ROOT" "$@" >/dev/null
  fi
  meson compile -C "$ROOT/$dir" >/dev/null || meson compile -C "$ROOT/$dir"
}

# free_port — a TCP port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# port_in_use PORT
port_in_use() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
sys.exit(0)
PY
}
