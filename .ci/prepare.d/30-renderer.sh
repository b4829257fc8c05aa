#!/usr/bin/env bash
# Builds the desktop renderer once (dist/renderer), which the bridge serves to the Playwright tests.
set -euo pipefail
node node_modules/vite/bin/vite.js build --logLevel warn
