#!/usr/bin/env bash
# Installs imseStudio's whole toolchain into the project (everything lands in git-ignored folders):
#
#   Debian packages   prusa-slicer                      (apt; the only system-wide step)
#   .venv/            Python 3.11 venv with the package, ape, web3, slither, pytest, ...
#   node_modules/     solcjs + OpenZeppelin contracts + anvil + htmx (npm ci, from package-lock.json)
#   web/static/vendor htmx 2.0.x + its SSE extension, three.js (3D preview), copied from node_modules (no CDN)
#   .tools/solcx/     solc-v<X.Y.Z> -> tools/solc-shim.js (what ape-solidity / py-solc-x look for)
#   .tools/anvil/     anvil -> node_modules/@foundry-rs/... (ape-foundry finds it on PATH; the venv puts it there)
#   .tools/bin/       geth v1.13.15 and kubo's ipfs, built through the Go module proxy
#
# Idempotent and fast on a second run: each step checks a stamp or a version first and skips when current.
# Usage: tools/install.sh [--quiet]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# --- pinned versions (also pinned in ape-config.yaml and package.json; tests/test_toolchain.py checks they agree)
GETH_VERSION="1.13.15"   # the last geth that seals clique blocks
KUBO_VERSION="0.42.0"    # newest kubo whose module builds from the proxy (0.43 replaces go-libp2p by a fork)
SOLC_VERSION="0.8.28"
ANVIL_VERSION="1.7.1"   # npm @foundry-rs/anvil-linux-amd64 (package.json pins it)
APT_PACKAGES=(prusa-slicer chromium)  # chromium: the browser the web tests drive (Playwright cannot download one here)

TOOLS="$ROOT/.tools"
VENV="$ROOT/.venv"
QUIET="${1:-}"
START=$(date +%s)

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
info() { [[ "$QUIET" == "--quiet" ]] || printf '    %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }
sha() { sha256sum "$@" | sha256sum | cut -c1-16; }
# reports PATTERN (an extended regex) matches a line of COMMAND's output; no pipe into `grep -q`, whose early exit
# would kill the command with SIGPIPE and fail the pipeline under `set -o pipefail`.
reports() {
  local pattern="$1" out; shift
  out="$("$@" 2>/dev/null)" || return 1
  grep -Eq -- "$pattern" <<<"$out"
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@";
  elif command -v sudo >/dev/null; then sudo "$@";
  else die "need root (or sudo) to run: $*"; fi
}

# ----------------------------------------------------------------------------------------------- apt
install_apt() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    reports "install ok installed" dpkg-query -W -f='${Status}' "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then info "Debian packages present: ${APT_PACKAGES[*]}"; return; fi
  step "Installing Debian packages: ${missing[*]} (a few minutes the first time)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ----------------------------------------------------------------------------------------------- python
find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [[ -n "$candidate" ]] || continue
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
  die "Python 3.11 not found (set PYTHON=/path/to/python3.11)"
}

install_python() {
  local stamp="$VENV/.imse-stamp" want
  want="$(sha pyproject.toml)"
  if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    info "Python venv current (.venv)"
  else
    step "Installing Python packages into .venv (about a minute the first time)"
    [[ -x "$VENV/bin/python" ]] || "$(find_python)" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >"$VENV/pip.log" 2>&1 || { cat "$VENV/pip.log"; die "pip failed"; }
    "$VENV/bin/python" -m pip install -q -e ".[dev]" >"$VENV/pip.log" 2>&1 || { cat "$VENV/pip.log"; die "pip failed"; }
    echo "$want" >"$stamp"
  fi
  # Every Python of the venv (ape, pytest, scripts) finds the project-local compiler and ape data folder without
  # an activated shell: a .pth line runs at interpreter start-up. Explicit environment variables still win.
  local site
  site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  cat >"$site/imse_toolchain.pth" <<EOF
import os; os.environ.setdefault("SOLCX_BINARY_PATH", "$TOOLS/solcx"); os.environ.setdefault("APE_DATA_FOLDER", "$ROOT/.ape-data"); os.environ.setdefault("IMSE_TOOLS_BIN", "$TOOLS/bin"); os.environ["PATH"] = os.environ.get("PATH", "") if "$TOOLS/anvil" in os.environ.get("PATH", "").split(os.pathsep) else "$TOOLS/anvil" + os.pathsep + os.environ.get("PATH", "")
EOF
}

# ----------------------------------------------------------------------------------------------- node
install_node() {
  command -v npm >/dev/null || die "npm not found (install Node.js 18+)"
  local stamp="node_modules/.imse-stamp" want
  want="$(sha package.json package-lock.json)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    info "npm packages current (node_modules)"
  else
    step "Installing npm packages (solc $SOLC_VERSION, OpenZeppelin, anvil $ANVIL_VERSION)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
  mkdir -p "$TOOLS/solcx"
  chmod +x tools/solc-shim.js
  ln -sfn "$ROOT/tools/solc-shim.js" "$TOOLS/solcx/solc-v$SOLC_VERSION"
  reports "$SOLC_VERSION\+commit" "$TOOLS/solcx/solc-v$SOLC_VERSION" --version ||
    die "solc shim does not report $SOLC_VERSION"
  info "solc shim: $("$TOOLS/solcx/solc-v$SOLC_VERSION" --version | tail -1)"
  # anvil (the second test EVM, for `ape test --gas` / `--coverage` through ape-foundry, which looks it up on PATH):
  # the npm package's binary, linked into a folder of its own that the venv's .pth line puts first on PATH.
  mkdir -p "$TOOLS/anvil"
  ln -sfn "$ROOT/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" "$TOOLS/anvil/anvil"
  reports "^anvil Version: $ANVIL_VERSION" "$TOOLS/anvil/anvil" --version || die "anvil does not report $ANVIL_VERSION"
  info "anvil $ANVIL_VERSION"
  vendor_web
}

# The web pages' browser libraries, served by the app itself (no CDN): copied from node_modules into the git-ignored
# web/static/vendor/<package>@<version>/ with their licences.
vendor_web() {
  local vendor="web/static/vendor" pkg file version
  for entry in htmx.org:dist/htmx.min.js htmx-ext-sse:dist/sse.min.js; do
    pkg="${entry%%:*}" file="${entry#*:}"
    version="$(node -p "require('./node_modules/$pkg/package.json').version")"
    mkdir -p "$vendor/$pkg@$version"
    cp "node_modules/$pkg/$file" "node_modules/$pkg/LICENSE" "$vendor/$pkg@$version/"
  done
  # three.js for the 3D preview (loaded only when a preview is opened): the module build and two add-ons, whose
  # bare `from 'three'` import is pointed at the vendored module (the pages use no import map: CSP allows no inline
  # script).
  version="$(node -p "require('./node_modules/three/package.json').version")"
  mkdir -p "$vendor/three@$version/addons"
  cp node_modules/three/build/three.module.js node_modules/three/build/three.core.js node_modules/three/LICENSE \
    "$vendor/three@$version/"
  for addon in loaders/STLLoader.js controls/OrbitControls.js; do
    sed "s#from 'three';#from '../three.module.js';#" "node_modules/three/examples/jsm/$addon" \
      >"$vendor/three@$version/addons/$(basename "$addon")"
  done
  # the dev wallet's secp256k1 and keccak-256 (ES modules with relative imports only): the files it needs
  version="$(node -p "require('./node_modules/@noble/secp256k1/package.json').version")"
  mkdir -p "$vendor/noble-secp256k1@$version"
  cp node_modules/@noble/secp256k1/index.js node_modules/@noble/secp256k1/LICENSE "$vendor/noble-secp256k1@$version/"
  version="$(node -p "require('./node_modules/@noble/hashes/package.json').version")"
  mkdir -p "$vendor/noble-hashes@$version"
  cp node_modules/@noble/hashes/{sha3.js,_u64.js,utils.js,LICENSE} "$vendor/noble-hashes@$version/"
  info "web vendor files: $(cd "$vendor" && echo *)"
}

# ----------------------------------------------------------------------------------------------- go
# geth is built from the v1.13.15 module source with one constant changed: the floor of `--miner.recommit` (how often
# the block being sealed is rebuilt with newly arrived transactions) goes from 1 s to 100 ms. With the stock 1 s, a
# transaction that arrives in the last second before a clique block is sealed waits a whole extra period, which puts
# publish latency at P = 5 s to p50 3.5 s / p95 5.75 s; at 100 ms it is p50 ~2.6 s / p95 ~4.9 s. Nothing else changes
# (see docs/toolchain.md); the build stamp records the patch so a stock binary is never mistaken for ours.
GETH_BUILD="$GETH_VERSION+recommit100ms"

install_geth() {
  local stamp="$TOOLS/bin/geth.build"
  if reports "^Version: $GETH_VERSION-stable" "$TOOLS/bin/geth" version && [[ -f "$stamp" && "$(cat "$stamp")" == "$GETH_BUILD" ]]; then
    info "geth $GETH_BUILD present"; return
  fi
  command -v go >/dev/null || die "go not found (needed to build geth)"
  step "Building geth v$GETH_VERSION (recommit floor 100 ms) with the Go module proxy (about 3-5 minutes)"
  local module src="$TOOLS/src/go-ethereum-$GETH_VERSION"
  module="$(go mod download -json "github.com/ethereum/go-ethereum@v$GETH_VERSION" |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
  rm -rf "$src" && mkdir -p "$TOOLS/src" && cp -r "$module" "$src" && chmod -R u+w "$src"
  local worker="$src/miner/worker.go"
  grep -q "minRecommitInterval = 1 \* time.Second" "$worker" || die "geth source changed: recommit floor not found"
  sed -i 's/minRecommitInterval = 1 \* time.Second/minRecommitInterval = 100 * time.Millisecond/' "$worker"
  # -checklinkname=0: geth 1.13 depends on fjl/memsize, which links runtime internals that Go >= 1.23 hides.
  (cd "$src" && go build -trimpath -ldflags=-checklinkname=0 -o "$TOOLS/bin/geth" ./cmd/geth)
  reports "^Version: $GETH_VERSION-stable" "$TOOLS/bin/geth" version || die "built geth is not $GETH_VERSION"
  echo "$GETH_BUILD" >"$stamp"
  rm -rf "$src"
}

install_kubo() {
  if reports "^ipfs version $KUBO_VERSION\$" "$TOOLS/bin/ipfs" version; then
    info "kubo $KUBO_VERSION present"; return
  fi
  command -v go >/dev/null || die "go not found (needed to build kubo)"
  step "Building kubo v$KUBO_VERSION with the Go module proxy (about 5-8 minutes)"
  # kubo's go.mod has exclude directives, which `go install pkg@version` refuses: build inside the module instead.
  local dir
  dir="$(go mod download -json "github.com/ipfs/kubo@v$KUBO_VERSION" |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')"
  (cd "$dir" && go build -trimpath -o "$TOOLS/bin/ipfs" ./cmd/ipfs)
  reports "^ipfs version $KUBO_VERSION\$" "$TOOLS/bin/ipfs" version || die "built ipfs is not $KUBO_VERSION"
}

# ----------------------------------------------------------------------------------------------- main
mkdir -p "$TOOLS/bin"
install_apt
install_python
install_node
install_geth
install_kubo
info "geth: $(cat "$TOOLS/bin/geth.build"), ipfs: $("$TOOLS/bin/ipfs" version | cut -d' ' -f3)," \
  "prusa-slicer: $(dpkg-query -W -f='${Version}' prusa-slicer)"
step "Toolchain ready in $(($(date +%s) - START)) s"
