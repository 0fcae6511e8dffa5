"""Registries of the decoder's LRP rules and of the composites that assign them to layers."""
from mmengine.registry import Registry

LRP_RULES = Registry('LRP rule', locations=['unrolled_lrp.models.rules'])
LRP_COMPOSITES = Registry('LRP composite', locations=['unrolled_lrp.models.rules'])


def build_rule(cfg):
    """A rule from its config (``dict(type='ZPlus', ...)``), a registered name, or itself."""
    return _build(cfg, LRP_RULES)


def build_composite(cfg):
    """A composite from its config (``dict(type='EpsilonPlusFlat', ...)``), a registered name
    ('LRP0'), or itself."""
    return _build(cfg, LRP_COMPOSITES)


def _build(cfg, registry):
    """``registry.build`` for a config, a name standing for ``dict(type=name)``, or a built
    object passed through; an unregistered type lists the registered ones."""
    if isinstance(cfg, str):
        cfg = dict(type=cfg)
    if not isinstance(cfg, dict):
        return cfg
    name = cfg.get('type')
    if not isinstance(name, str) or registry.get(name) is None:
        raise ValueError(f'unknown {registry.name} {name!r}; registered: '
                         f'{", ".join(sorted(registry.module_dict))}')
    return registry.build(cfg)
