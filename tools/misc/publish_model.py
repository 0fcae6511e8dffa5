#!/usr/bin/env python
"""Make a training checkpoint ready for release: keep what inference needs, name it by hash.

Keeps ``state_dict`` and ``meta`` (config text and the dataset's classes and palette, which
``mmseg.apis.init_model`` reads); drops the optimizer, the LR schedulers and the message hub
(loss history), which only resuming needs. Writes ``OUT_STEM-{sha256[:8]}.pth``, MMSeg's
model-zoo convention, so a download can be checked against its name.

    python tools/misc/publish_model.py work_dirs/run/iter_20000.pth unrolled_lrp_r50_voc_20.pth
"""
import argparse
import hashlib
import os
import os.path as osp

import torch

from unrolled_lrp.utils import load_checkpoint_file, run_main

KEPT_KEYS = ('state_dict', 'meta')


def parse_args():
    parser = argparse.ArgumentParser(description='Strip a checkpoint for release and add '
                                     'the sha256 prefix to its name')
    parser.add_argument('in_file', help='checkpoint written by training')
    parser.add_argument('out_file', help='output name ("-{sha256[:8]}" is added before .pth), '
                        "or a folder (ending in '/'): the input's name there")
    return parser.parse_args()


def sha256_of(path, block_size=1 << 20):
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for block in iter(lambda: file.read(block_size), b''):
            digest.update(block)
    return digest.hexdigest()


def publish(in_file, out_file):
    """Write the stripped checkpoint and return its final, hash-suffixed path."""
    checkpoint = load_checkpoint_file(in_file)
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise ValueError(f'{in_file}: not a training checkpoint (no "state_dict" key)')
    dropped = sorted(key for key in checkpoint if key not in KEPT_KEYS)
    if out_file.endswith(('/', os.sep)) or osp.isdir(out_file):  # a folder: the input's name
        out_file = osp.join(out_file, osp.splitext(osp.basename(in_file))[0] + '.pth')
    stem, ext = osp.splitext(out_file)
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    temporary = f'{stem}.unhashed{ext or ".pth"}'
    torch.save({key: checkpoint[key] for key in KEPT_KEYS if key in checkpoint}, temporary)
    final = f'{stem}-{sha256_of(temporary)[:8]}{ext or ".pth"}'
    os.replace(temporary, final)
    print(f'dropped: {", ".join(dropped) or "nothing"}')
    print(f'{in_file} ({osp.getsize(in_file) / 2**20:.1f} MiB) -> '
          f'{final} ({osp.getsize(final) / 2**20:.1f} MiB)')
    return final


def main():
    args = parse_args()
    publish(args.in_file, args.out_file)  # errors name the file: one line (run_main)


if __name__ == '__main__':
    run_main(main)
