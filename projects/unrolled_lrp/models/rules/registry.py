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
    """A config, a name standing for ``dict(type=name)``, or a built object passed through;
    an unregistered type lists the registered ones. Not ``registry.build``: under MMSeg's
    default scope it warns on every call that 'mmseg' is not in this registry's tree."""
    if isinstance(cfg, str):
        cfg = dict(type=cfg)
    if not isinstance(cfg, dict):
        return cfg
    cfg = dict(cfg)
    name = cfg.pop('type', None)
    cls = registry.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f'unknown {registry.name} {name!r}; registered: '
                         f'{", ".join(sorted(registry.module_dict))}')
    return cls(**cfg)
