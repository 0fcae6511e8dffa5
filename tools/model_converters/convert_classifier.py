#!/usr/bin/env python
"""Turn a VOC multi-label classifier (mmpretrain checkpoint) into the segmentors' starting point.

The paper starts every model of its tables from the classifier "ImageNet pre-trained and
PASCAL fine-tuned" (configs/classifier/). This writes one checkpoint per backbone that all
segmentor configs of the grid read through ``init_cfg`` (type 'Pretrained'):

* ``backbone.*``: the classifier's backbone, unchanged (mmpretrain's and MMSeg's ResNet and
  the mmpretrain VGG share their parameter names); every method loads it with
  ``prefix='backbone.'``.
* ``decode_head.conv_seg.{weight,bias}``: the linear layer ``head.fc`` as the unrolled model's
  1x1 classifier (K, C, 1, 1) over the K segmentation classes, index 0 = background. Unrolled
  LRP, WS-AE and LRP-epsilon load it into their decode head, the multi-task UNet into its
  classifier branch (``prefix='decode_head.'``); UNet and FCN have no classifier.

A classifier over the K-1 object classes (mmpretrain's VOC) has no background row. It becomes
the negative mean of the class rows (bias likewise): the background logit is then minus the
mean class logit, and in the linear LRP-0 decoder the background heatmap is minus the mean
class heatmap -- high where no class finds evidence. The classification loss leaves the
background logit out, so this row is shaped by the segmentation loss alone. A zero row would
give the same start for LRP-0 but none for WS-AE, whose ReLU passes no gradient at zero. A
classifier with K rows (background first) is copied as it is.

    python tools/model_converters/convert_classifier.py \
        work_dirs/multilabel_r50_voc12/epoch_10.pth \
        checkpoints/voc12_classifier_r50.pth
"""
import argparse

from unrolled_lrp.utils import run_main
from unrolled_lrp.utils.classifier_conversion import convert_file


def parse_args():
    parser = argparse.ArgumentParser(description='Convert a VOC multi-label classifier '
                                     'checkpoint into the starting point of the segmentors')
    parser.add_argument('in_file', help='mmpretrain checkpoint (configs/classifier/)')
    parser.add_argument('out_file', help='checkpoint the segmentor configs load')
    parser.add_argument('--num-classes', type=int, default=21,
                        help='segmentation classes, background included (default: 21, VOC)')
    return parser.parse_args()


def main():
    args = parse_args()
    # errors (ConversionError, an unreadable file, the same file twice) are one line: run_main
    print(convert_file(args.in_file, args.out_file, args.num_classes))


if __name__ == '__main__':
    run_main(main)
