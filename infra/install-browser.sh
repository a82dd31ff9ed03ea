#!/usr/bin/env bash
# Debian's Chromium and its driver for the browser tests (tests/web), plus poppler-utils
# (pdftoppm renders the badge PDFs). Idempotent: installs only what is missing. Needs root
# (CI runs as root); never downloads a browser build of its own.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
