#!/usr/bin/env bash
# Distributed testing with torchrun (python -m torch.distributed.run):
#   tools/dist_test.sh CONFIG CHECKPOINT GPUS [tools/test.py arguments]
# GPUS = processes on this node. Without CUDA the processes test on CPU with gloo.
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR, PORT. Interpreter: PYTHON (default: .venv).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 CONFIG CHECKPOINT GPUS [tools/test.py arguments]" >&2
  exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
if ! [[ "$GPUS" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: GPUS must be a positive number of processes, got '$GPUS'" \
    "(usage: $0 CONFIG CHECKPOINT GPUS [tools/test.py arguments])" >&2
  exit 2
fi
if [ ! -f "$CONFIG" ]; then
  echo "error: config file not found: $CONFIG" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python; fi
fi

PYTHONPATH="$ROOT/projects${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --master_port="${PORT:-29500}" \
    --nproc_per_node="$GPUS" \
    "$ROOT/tools/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
