#!/usr/bin/env bash
# The README's main job, on a CPU: set up .venv, write the synthetic VOC and its label split,
# train the unrolled-LRP CPU config for its short schedule, test the last checkpoint and print
# mIoU and multi-label F1 (also in work_dirs/unrolled_lrp_r18_synthetic/test/test_results.json).
# Extra arguments go to tools/train.py, e.g. --cfg-options train_cfg.max_iters=100
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh
# The model is small: one thread per process is as fast, and cannot oversubscribe the cores
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
PY=.venv/bin/python
DATA=data/synthetic_voc
CONFIG=configs/synthetic/unrolled_lrp_r18_synthetic.py
WORK_DIR=work_dirs/unrolled_lrp_r18_synthetic

if [ ! -f "$DATA/SYNTHETIC_VOC.txt" ]; then
  echo "[demo] writing the synthetic VOC to $DATA"
  $PY tools/make_synthetic_voc.py "$DATA" --num-images 240 --seed 0
fi
if [ ! -f "$DATA/splits/10/labeled.txt" ]; then
  echo "[demo] drawing 10 pixel-labelled images"
  $PY tools/make_voc_splits.py "$DATA" --num-labeled 10 --seed 0 --out-dir "$DATA/splits"
fi

echo "[demo] training $CONFIG (log: $WORK_DIR/<timestamp>/<timestamp>.log)"
$PY tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
CHECKPOINT=$(cat "$WORK_DIR/last_checkpoint")

echo "[demo] testing $CHECKPOINT"
mkdir -p "$WORK_DIR/test"
$PY tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR/test" | tee "$WORK_DIR/test/stdout.txt" \
  | grep -E '^(aAcc|mIoU|mAcc|multi-label/|results written)'
