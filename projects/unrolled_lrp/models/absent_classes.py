"""Absent-class suppression, decided here for the head and the segmentor alike: with
``test_cfg=dict(suppress_absent_classes=True)`` a pixel may only take background or a class the
image-level classifier finds in the image, so a class it rules out cannot claim stray pixels."""


def suppresses_absent_classes(test_cfg):
    """Whether ``test_cfg`` asks for the suppression."""
    return bool(test_cfg.get('suppress_absent_classes', False))


def found_classes(logits, background=0):
    """(..., K) bool: the classes the classifier finds (logit >= 0, i.e. sigmoid >= 0.5), with
    background always among them; what suppressed predictions are limited to."""
    found = logits >= 0
    found[..., background] = True
    return found


def present_class_argmax(scores, logits, background=0):
    """Arg max of scores (K, H, W) over background and the classes with logit >= 0."""
    absent = ~found_classes(logits, background)
    return scores.masked_fill(absent[:, None, None], float('-inf')).argmax(0, keepdim=True)
