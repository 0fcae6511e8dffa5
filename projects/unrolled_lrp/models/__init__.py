from . import baselines, decode_heads, distillers, rules, segmentors, unroll  # noqa: F401
