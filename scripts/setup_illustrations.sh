#!/usr/bin/env bash
# Install the offline illustration library from npm into the shared models folder: Noto Emoji
# (Apache-2.0) and Fluent Emoji Flat (MIT) as Iconify JSON, and emojibase-data (MIT) for their English
# and Chinese keywords. Versions are pinned; `reelcraft doctor` then builds the picture index. Idempotent.
set -euo pipefail
MODELS="${REELCRAFT_MODELS_HOME:-${REELCRAFT_HOME:-$HOME/.reelcraft}/models}"
DIR="$MODELS/illustrations"
PACKAGES=("@iconify-json/noto@1.2.9" "@iconify-json/fluent-emoji-flat@1.2.6" "emojibase-data@17.0.0")
command -v npm >/dev/null 2>&1 || { echo "npm is missing: run bash scripts/sysdeps.sh"; exit 1; }
mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || echo '{"name": "reelcraft-illustrations", "private": true}' > "$DIR/package.json"
missing=()
for spec in "${PACKAGES[@]}"; do
    name="${spec%@*}"
    version="${spec##*@}"
    grep -qs "\"version\": \"$version\"" "$DIR/node_modules/$name/package.json" || missing+=("$spec")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "illustrations: present in $DIR"
    exit 0
fi
echo "illustrations: installing ${missing[*]} into $DIR"
npm install --prefix "$DIR" --no-audit --no-fund --save-exact --loglevel=error "${missing[@]}"
