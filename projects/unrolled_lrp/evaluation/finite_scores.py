"""A metric computed from NaN or infinite scores is an error, not a number.

The arg max of NaN scores is a valid-looking segmentation (every pixel one class), and a
diverged model scored that way reported a higher mIoU than a healthy one. Each metric checks
the scores it is given, naming the image.
"""
import torch


def check_finite_scores(data_sample, keys=('seg_logits', 'pred_class_logits')):
    """Raises ``ValueError`` naming the image if one of the sample's score tensors ``keys``
    (those it has) holds NaN or infinite values."""
    for key in keys:
        scores = data_sample.get(key)
        if scores is None:
            continue
        if isinstance(scores, dict):  # a PixelData as the evaluator passes it: to_dict()
            scores = scores.get('data')
        data = torch.as_tensor(getattr(scores, 'data', scores))
        if data.is_floating_point() and not torch.isfinite(data).all():
            where = data_sample.get('img_path') or data_sample.get('seg_map_path') or 'a sample'
            raise ValueError(f'{where}: the model\'s {key} hold NaN or infinite values (a '
                             'diverged model?); no metric is computed from them')
