#!/usr/bin/env bash
# Regenerates the app and tray icons (PNG) from their SVG sources. Needs rsvg-convert (Debian: librsvg2-bin).
# The PNGs are committed; run this only after editing an SVG.
set -euo pipefail
cd "$(dirname "$0")"
for s in 16 32 48 64 128 256 512 1024; do rsvg-convert -w "$s" -h "$s" icons/icon.svg -o "icons/icon-$s.png"; done
cp icons/icon-1024.png icons/icon.png
for svg in tray/tray-*.svg; do
  name=${svg%.svg}
  rsvg-convert -w 22 -h 22 "$svg" -o "$name.png"
  rsvg-convert -w 44 -h 44 "$svg" -o "$name@2x.png"
done
