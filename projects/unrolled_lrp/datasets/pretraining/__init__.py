"""A formula-driven pretraining corpus (FractalDB-style), apart from the benchmark's scenes."""
from .fractal_classification import FractalClassification
from .fractal_corpus import FractalCorpus

__all__ = ['FractalClassification', 'FractalCorpus']
