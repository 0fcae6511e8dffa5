from . import baselines, decode_heads, distillers, losses, rules, segmentors, unroll  # noqa: F401
