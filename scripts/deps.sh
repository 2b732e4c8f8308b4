#!/usr/bin/env bash
# Installs every Debian 12 package onshi needs to build, test and benchmark (clang and
# libclang-rt-14-dev, which ships libFuzzer and the sanitizer runtimes, for the fuzz targets;
# gnuplot-nox for the plot of bench/soak.sh).
# Idempotent: packages already present are skipped, so a second run is a no-op.
# Runs apt-get as root directly, or through sudo when not root.
# nodejs and npm (for the browser tests) are skipped when `node` and `npm` are already on
# PATH, whatever installed them, so a Node.js from elsewhere is not fought over.
set -euo pipefail

PACKAGES=(
  build-essential cmake git pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev
  libssl-dev openssl
  libsqlite3-dev sqlite3
  libpq-dev postgresql postgresql-client nginx libnginx-mod-stream
  libpugixml-dev
  libxmlsec1-dev
  libicu-dev
  libspdlog-dev libfmt-dev
  libcli11-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libxlsxwriter-dev zlib1g-dev libzstd-dev
  libcairo2-dev libpango1.0-dev poppler-utils
  curl ca-certificates bc
  gnuplot-nox
  linux-perf
  clang libclang-rt-14-dev
  chromium fonts-ipafont-gothic nodejs npm
)

missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$p" = nodejs ] || [ "$p" = npm ]; then
    if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then continue; fi
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
