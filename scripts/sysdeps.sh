#!/usr/bin/env bash
# System packages from Debian: ffmpeg/ffprobe (libx264, libass), a CJK font for captions, and
# FluidSynth with the FluidR3 General MIDI soundfont (MIT) that plays the generated music, and
# chromium for the UI's browser tests, and PostgreSQL for the review store's server tests.
# Skips apt entirely when everything is already there; needs root (or sudo) otherwise.
set -euo pipefail
need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc ] || need+=(fonts-noto-cjk)
[ -f /usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf ] || need+=(fonts-symbola)
command -v fc-match >/dev/null 2>&1 || need+=(fontconfig)
# cairosvg draws the illustrations with libcairo; npm installs the illustration packages
ldconfig -p 2>/dev/null | grep -q "libcairo.so.2" || need+=(libcairo2)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v fluidsynth >/dev/null 2>&1 || need+=(fluidsynth)
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need+=(fluid-soundfont-gm)
# the browser tests drive Debian's chromium with playwright (no browser download)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# the review store's tests start a throwaway PostgreSQL server on localhost (tests/postgres_server.py)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
    echo "system packages: present"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "system packages: installing ${need[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
