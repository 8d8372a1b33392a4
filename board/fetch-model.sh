#!/usr/bin/env bash
# Puts the MobileNet v1 0.25 uint8 model where teachpad looks for it by
# default, checked by sha256. The file comes from the first of:
#   --from FILE, $TEACHPAD_MODEL, ../shared/models beside the repository,
#   the public download (MediaPipe's copy of the hosted TFLite model).
# A file already in place with the right sha256 is kept. Safe to run twice.
#
# Usage: board/fetch-model.sh [--out FILE] [--from FILE]
#   --out FILE   where the model goes (default
#                /var/lib/teachpad/mobilenet_v1_0.25_224_quant.tflite)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
model_name="mobilenet_v1_0.25_224_quant.tflite"
model_url="https://storage.googleapis.com/mediapipe-assets/$model_name"
model_sha256="e480eb15572f86d3d5f1be6e83e35b3c7d509ab2bcec353707d1f614e14edca2"
output="/var/lib/teachpad/$model_name"
source_file=""

say() { echo "fetch-model: $*"; }
fail() {
  echo "fetch-model: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --out) output="${2:?--out needs a file}"; shift 2 ;;
    --from) source_file="${2:?--from needs a file}"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$output" ] && [ "$(sha256_of "$output")" = "$model_sha256" ]; then
  say "$output is already there (sha256 checked)"
  exit 0
fi

# The first local copy that exists; else download.
if [ -z "$source_file" ]; then
  for candidate in "${TEACHPAD_MODEL:-}" \
    "$here/../../shared/models/$model_name"; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then
      source_file="$candidate"
      break
    fi
  done
fi
[ -z "$source_file" ] || [ -f "$source_file" ] \
  || fail "model $source_file: no such file"

mkdir -p "$(dirname "$output")"
partial="$output.partial"
trap 'rm -f "$partial"' EXIT
if [ -n "$source_file" ]; then
  say "copying $source_file"
  cp "$source_file" "$partial"
else
  say "downloading $model_url"
  if command -v curl > /dev/null; then
    curl --fail --location --silent --show-error --retry 3 \
      --output "$partial" "$model_url" \
      || fail "download of $model_url failed (is the network up?)"
  elif command -v wget > /dev/null; then
    wget --quiet --tries=3 --output-document="$partial" "$model_url" \
      || fail "download of $model_url failed (is the network up?)"
  else
    fail "neither curl nor wget is installed (apt-get install curl)"
  fi
fi

actual="$(sha256_of "$partial")"
[ "$actual" = "$model_sha256" ] \
  || fail "the model has sha256 $actual, expected $model_sha256;" \
    "not installed (a different or damaged file)"
mv -f "$partial" "$output"
chmod 0644 "$output"
say "$output ready ($(stat -c %s "$output") bytes, sha256 checked)"
