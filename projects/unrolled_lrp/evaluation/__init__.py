from .heatmap_sign_metric import HeatmapSignMetric  # noqa: F401
from .look_split_iou_metric import LookSplitIoUMetric  # noqa: F401
from .multilabel_f1_metric import MultiLabelF1Metric  # noqa: F401
from .present_class_iou_metric import PresentClassIoUMetric  # noqa: F401
