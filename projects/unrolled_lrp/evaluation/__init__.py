from .multilabel_f1_metric import MultiLabelF1Metric  # noqa: F401
