#!/usr/bin/env bash
# Debian packages the end-to-end tests need (code-server's build and Playwright's browser).
# Sourced by .ci/run or run directly: bash test/e2e/apt-packages.sh
set -euo pipefail
e2e_apt_packages=(
  chromium          # the browser Playwright drives (npx playwright install cannot download one here)
  ripgrep           # code-server's search; its npm package downloads rg from a host we cannot reach
  libkrb5-dev       # code-server's kerberos addon
  libx11-dev libxkbfile-dev libsecret-1-dev pkg-config   # native-keymap, keytar, ... in lib/vscode
)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  missing=()
  for p in "${e2e_apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
