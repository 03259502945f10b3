#!/usr/bin/env bash
# Installs the Debian packages the test suite uses, when missing:
#   bubblewrap + socat  the Agent SDK's OS sandbox (run, demo, sandbox probe)
#   chromium            real-browser tests (HTML report, Playwright)
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v socat >/dev/null 2>&1 || need+=(socat)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi
echo "system-deps: installing ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
