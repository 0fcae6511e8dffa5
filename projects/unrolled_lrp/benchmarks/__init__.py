"""Benchmarks that train and test many runs: the few-label grid."""
