from . import baselines, decode_heads, segmentors, unroll  # noqa: F401
