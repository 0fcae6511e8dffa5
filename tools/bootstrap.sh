#!/usr/bin/env bash
# Creates (or reuses) the project's virtual environment at .venv with the full
# OpenMMLab stack. Idempotent: a finished environment is marked by a stamp
# holding the hash of requirements.txt, so a second call costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
STAMP="$VENV/.bootstrap-$(cat requirements.txt tools/bootstrap.sh | sha256sum | cut -c1-16)"
[ -f "$STAMP" ] && exit 0

echo "[bootstrap] setting up $VENV (a first run builds mmcv from source: about 15 minutes)"
# PYTHON picks the interpreter (the stack is tested on 3.11; torch 2.14 wheels need 3.10+)
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3 || true)}
if [ ! -x "$VENV/bin/python" ]; then
  if [ -z "$PYTHON" ] || ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "[bootstrap] needs Python >= 3.10 (python3.11 preferred); set PYTHON=/path/to/python" >&2
    exit 1
  fi
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP="$PY -m pip --disable-pip-version-check"
$PIP install torch==2.14.1 torchvision==0.29.1 "setuptools<80" wheel "numpy<2" \
    opencv-python==4.10.0.84

# mmcv 2.1.0 ships no wheel for this torch, and its setup.py asks for C++17
# while torch 2.14 headers need C++20: build a patched sdist once and keep the
# wheel in a cache outside the repo so later environments reuse it.
if ! "$PY" -c "import mmcv.ops" 2>/dev/null; then
  WHEELS="${UNROLLED_LRP_WHEEL_CACHE:-$HOME/.cache/unrolled-lrp/wheels}"
  mkdir -p "$WHEELS"
  if ! ls "$WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    SRC=$(mktemp -d)
    $PIP download --no-deps --no-binary :all: mmcv==2.1.0 -d "$SRC"
    tar xzf "$SRC"/mmcv-2.1.0.tar.gz -C "$SRC"
    sed -i 's/-std=c++1[47]/-std=c++20/g' "$SRC"/mmcv-2.1.0/setup.py
    MMCV_WITH_OPS=1 FORCE_CUDA="${FORCE_CUDA:-0}" MAX_JOBS="$(nproc)" \
      $PIP wheel --no-build-isolation --no-deps "$SRC"/mmcv-2.1.0 -w "$WHEELS"
    rm -rf "$SRC"
  fi
  $PIP install "$WHEELS"/mmcv-2.1.0-*.whl
fi
$PIP install -r requirements.txt
$PIP install --no-build-isolation --no-deps -e .
"$PY" -c "import mmcv.ops, mmseg, mmpretrain, unrolled_lrp"
touch "$STAMP"
echo "[bootstrap] done"
