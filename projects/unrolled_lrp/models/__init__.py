from . import decode_heads, segmentors, unroll  # noqa: F401
