"""Let torch>=2.6 load mmengine 0.10.7 checkpoints with ``weights_only=True``.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7 calls
``torch.load(filename, map_location=...)`` (``mmengine.runner.checkpoint.load_from_local``)
for ``--resume`` and ``load_from`` alike, and the checkpoints its Runner writes hold more than
tensors: the message hub's ``HistoryBuffer`` objects (the smoothed loss log) with numpy arrays
inside, numpy scalars, and -- through ``HistoryBuffer.__getstate__`` -- its statistics methods,
pickled as ``getattr(HistoryBuffer, 'mean')``. The restricted unpickler rejects each of these
("Unsupported global: GLOBAL mmengine.logging.history_buffer.HistoryBuffer ...").

Instead of switching the check off (``weights_only=False`` runs arbitrary code from a
checkpoint), this allows exactly those globals; ``getattr`` is allowed only for the statistics
methods of ``HistoryBuffer``. Anything else still fails in torch's own words.
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from numpy.core.multiarray import _reconstruct, scalar

NUMERIC_DTYPE_CODES = '?' + np.typecodes['AllInteger'] + np.typecodes['AllFloat']


def history_buffer_method(owner, name):
    """``builtins.getattr`` as checkpoints may call it: HistoryBuffer's statistics only."""
    if owner is HistoryBuffer and name in HistoryBuffer._statistics_methods:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({owner!r}, {name!r}); only the statistics methods '
        f'of mmengine HistoryBuffer ({sorted(HistoryBuffer._statistics_methods)}) are allowed')


def allow_mmengine_checkpoint_globals():
    """Register the globals of mmengine Runner checkpoints as safe for ``torch.load``."""
    HistoryBuffer()  # registers the default statistics methods on the class
    numeric_dtypes = {type(np.dtype(code)) for code in NUMERIC_DTYPE_CODES}
    torch.serialization.add_safe_globals([
        HistoryBuffer, _reconstruct, scalar, np.ndarray, np.dtype, *numeric_dtypes,
        (history_buffer_method, 'builtins.getattr')
    ])
