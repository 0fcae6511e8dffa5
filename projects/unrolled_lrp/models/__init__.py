from . import baselines, decode_heads, distillers, segmentors, unroll  # noqa: F401
