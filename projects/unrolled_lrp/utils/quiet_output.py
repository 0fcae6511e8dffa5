"""Quiet, honest console output for the tools.

What the project causes is fixed where it arises: its heads build their losses through
``MODELS.build`` (MMSeg's ``build_loss`` warns that it is deprecated), an idle visualization
hook (``draw=False``: it does nothing but announce so) is dropped, its metrics have a prefix,
and setuptools is pinned below 80 (which warns, as a UserWarning, whenever mmengine imports
``pkg_resources``). The notices left are third-party defaults that say nothing about the run;
they are filtered one by one, by message and by the module that emits them."""
import warnings

THIRD_PARTY_NOTICES = (
    # MMSeg's CrossEntropyLoss nags on every build while avg_non_ignore keeps its default
    ('Default ``avg_non_ignore`` is False', 'mmseg.models.losses.cross_entropy_loss'),
    # mmpretrain's ColorJitter calls mmcv's adjust_color on the pillow backend
    ("Only use 'alpha' for pillow backend", 'mmcv.image.photometric'),
)


def filter_third_party_notices():
    """Ignore THIRD_PARTY_NOTICES (DataLoader workers forked later inherit the filters)."""
    for message, module in THIRD_PARTY_NOTICES:
        warnings.filterwarnings('ignore', message=message, module=module)


def drop_idle_visualization_hook(cfg):
    """Removes ``default_hooks.visualization`` unless it draws: MMSeg's default runtime
    registers a SegVisualizationHook with ``draw=False``, which warns and does nothing
    (``tools/test.py --show-dir`` sets one that draws)."""
    hooks = cfg.get('default_hooks') or {}
    hook = hooks.get('visualization')
    if hook is not None and not hook.get('draw', False):
        hooks.pop('visualization')  # mmengine takes None only for its own default hooks
