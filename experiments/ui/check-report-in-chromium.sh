#!/usr/bin/env bash
# Renders an hwnas report in headless Chromium and writes a screenshot to look at (not a CI test).
# usage: experiments/ui/check-report-in-chromium.sh <report.html> <screenshot.png> [width,height]
# needs: apt-get install -y chromium
set -euo pipefail
html=$(realpath "$1")
png=$(realpath -m "$2")
size=${3:-1400,2400}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --screenshot="$png" --window-size="$size" "file://$html" 2>/dev/null
echo "wrote $png"
