#!/usr/bin/env bash
# Runs before `npm test`: installs the Debian packages the tests need (.ci/apt-packages.txt) and builds the
# slow fixtures once per machine (.ci/prepare.d/*.sh, cached outside the repo). Skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t apt_packages < <(sed -e 's/#.*//' -e '/^\s*$/d' .ci/apt-packages.txt)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "The tests need these Debian packages: ${missing[*]}. Install them (as root: apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
  echo "test: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for prepare in .ci/prepare.d/*.sh; do
  [ -e "$prepare" ] || continue
  echo "test: $prepare"
  bash "$prepare"
done
