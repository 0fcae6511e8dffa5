#!/usr/bin/env bash
# The README's main job, on a CPU: the paper's two stages on the synthetic VOC.
#   setup   .venv, the synthetic VOC and its split with 10 pixel-labelled images
#   stage 1 the classifier on every train image's image-level labels
#           (configs/synthetic/classifier_r18_synthetic.py), converted for the segmentor
#   stage 2 unrolled LRP from that classifier (configs/synthetic/unrolled_lrp_r18_synthetic.py)
#   test    the last checkpoint on the val images: aAcc, mIoU (MMSeg, 21 classes), mIoU over
#           the classes present in the ground truth, F1; MMSeg's per-class table is in
#           work_dirs/unrolled_lrp_r18_synthetic/test/stdout.txt, the metrics in test_results.json
#   pictures heatmap evolution over training and test predictions (DEMO_IMAGES_DIR: copies)
# Both stages start over on every run (--overwrite). Extra arguments go to stage 2's
# tools/train.py, e.g. --cfg-options train_cfg.max_iters=300
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/bootstrap.sh
# The model is small: one thread per process is as fast, and cannot oversubscribe the cores
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# progress lines as they come, not when a pipe buffer fills
export PYTHONUNBUFFERED=1
PY=.venv/bin/python
DATA=data/synthetic_voc
STAGE1_CONFIG=configs/synthetic/classifier_r18_synthetic.py
STAGE1_DIR=work_dirs/classifier_r18_synthetic
CONFIG=configs/synthetic/unrolled_lrp_r18_synthetic.py
WORK_DIR=work_dirs/unrolled_lrp_r18_synthetic

# Runs a command, showing only its stdout lines that match a pattern (the full log is in the
# work dir; errors arrive on stderr unfiltered); fails when the command does.
show() {
  local pattern=$1
  shift
  "$@" | { grep --line-buffered -E "$pattern" || true; }
  return "${PIPESTATUS[0]}"
}

if [ ! -f "$DATA/SYNTHETIC_VOC.txt" ]; then
  echo "[demo] writing the synthetic VOC to $DATA"
  $PY tools/dataset_converters/make_synthetic_voc.py "$DATA" --num-images 240 --seed 0
fi
if [ ! -f "$DATA/splits/10/labeled.txt" ]; then
  echo "[demo] drawing 10 pixel-labelled images"
  $PY tools/dataset_converters/make_voc_splits.py "$DATA" --num-labeled 10 --seed 0 --out-dir "$DATA/splits"
fi

echo "[demo] stage 1: training the classifier $STAGE1_CONFIG (log: $STAGE1_DIR/<timestamp>/)"
show 'Iter\(train\)|multi-label/' $PY tools/train.py "$STAGE1_CONFIG" --work-dir "$STAGE1_DIR" --overwrite
$PY tools/model_converters/convert_classifier.py "$(cat "$STAGE1_DIR/last_checkpoint")" "$STAGE1_DIR/classifier.pth"

echo "[demo] stage 2: training $CONFIG from it (log: $WORK_DIR/<timestamp>/)"
show 'Iter\(train\)|Iter\(val\)' $PY tools/train.py "$CONFIG" --work-dir "$WORK_DIR" --overwrite "$@"
CHECKPOINT=$(cat "$WORK_DIR/last_checkpoint")

echo "[demo] testing $CHECKPOINT"
mkdir -p "$WORK_DIR/test"
$PY tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR/test" \
  --show-dir "$WORK_DIR/test/shown" >"$WORK_DIR/test/stdout.txt"
grep -E '^(aAcc|mIoU|mAcc|present_classes|multi-label/|results written)' "$WORK_DIR/test/stdout.txt"
echo "[demo] pictures: $WORK_DIR/heatmap_evolution/*.png (heatmaps and segmentation over" \
  "training), $WORK_DIR/test/shown/vis_data/vis_image/ (test predictions)"

# DEMO_IMAGES_DIR=docs/images/main_job refreshes the README's copies of those pictures
if [ -n "${DEMO_IMAGES_DIR:-}" ]; then
  mkdir -p "$DEMO_IMAGES_DIR"
  cp "$WORK_DIR"/heatmap_evolution/*.png "$WORK_DIR"/test/shown/vis_data/vis_image/*.png \
    "$DEMO_IMAGES_DIR/"
  echo "[demo] pictures copied to $DEMO_IMAGES_DIR"
fi
