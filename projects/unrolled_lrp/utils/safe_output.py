"""Writes that cannot destroy their input or leave half a file behind.

A tool that writes its output over its input (``convert X.pth X.pth``) or dies mid-write
leaves nothing to re-run from; both are refused or made impossible here.
"""
import os
import os.path as osp
import tempfile

import torch


def refuse_same_file(in_path: str, out_path: str, what: str = 'output') -> None:
    """Raise ValueError when ``out_path`` is ``in_path`` (or a link to it)."""
    same = osp.exists(out_path) and osp.samefile(in_path, out_path)
    if same or osp.abspath(in_path) == osp.abspath(out_path):
        raise ValueError(f'{out_path}: the {what} would overwrite the input {in_path}; '
                         'choose another output path')


def atomic_torch_save(obj, path: str) -> None:
    """``torch.save`` to a temporary file next to ``path``, then rename it into place."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix='.tmp-', suffix='.pth')
    os.close(handle)
    try:
        torch.save(obj, temporary)
        os.replace(temporary, path)
    except BaseException:
        if osp.exists(temporary):
            os.remove(temporary)
        raise
