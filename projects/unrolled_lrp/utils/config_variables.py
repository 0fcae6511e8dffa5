"""Top-level config variables that ``--cfg-options`` can change everywhere they are used.

A config names a path once (``classifier = 'work_dirs/.../classifier.pth'``, ``data_root =
'data/synthetic_voc'``) and uses it in many places (``init_cfg=dict(checkpoint=classifier)``,
``split_dir + '/labeled.txt'``); mmengine substitutes it when the file is parsed, so
``--cfg-options classifier=PATH`` alone changed the variable and left the weights that load,
or the data that is read, as they were, while the saved config showed PATH. Here such an
override also replaces every value that was the variable's old value, or a path below it.
"""
from typing import Dict, Iterator, List, Tuple


def retarget(value, replacements: Dict[str, str]):
    """``value`` with every string that is a key of ``replacements``, or a path below one,
    re-rooted at its replacement."""
    if isinstance(value, dict):
        return type(value)({k: retarget(v, replacements) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return type(value)(retarget(v, replacements) for v in value)
    if isinstance(value, str):
        for old, new in replacements.items():
            if value == old or value.startswith(old + '/'):
                return new + value[len(old):]
    return value


def _strings(node, where: str) -> Iterator[Tuple[str, str]]:
    """(dotted key, value) of every string below ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f'{where}.{key}' if where else str(key))
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from _strings(value, f'{where}.{index}')
    elif isinstance(node, str):
        yield where, node


def variable_overrides(cfg, cfg_options: dict) -> Dict[str, str]:
    """The dotted keys (and new values) that the top-level string variables among
    ``cfg_options`` also change: every other value equal to, or below, the old value."""
    replacements = {cfg[key]: value for key, value in cfg_options.items()
                    if '.' not in key and isinstance(cfg.get(key), str)
                    and isinstance(value, str) and cfg[key] != value}
    changes = {}
    for key, value in _strings(cfg.to_dict(), ''):
        new = retarget(value, replacements)
        if new != value and key not in cfg_options:
            changes[key] = new
    return changes


def apply_cfg_options(cfg, cfg_options: dict) -> List[str]:
    """``cfg.merge_from_dict(cfg_options)``, top-level variables reaching where they are used
    (explicit deeper options still win); returns the keys that followed a variable."""
    changes = variable_overrides(cfg, cfg_options)
    if changes:
        cfg.merge_from_dict(changes, allow_list_keys=True)
    cfg.merge_from_dict(cfg_options)
    return sorted(changes)
