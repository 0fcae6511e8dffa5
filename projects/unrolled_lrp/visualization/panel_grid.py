"""Captioned, equally sized panels tiled into one figure (plain numpy + OpenCV).

Panels keep the image's own size, so a figure of R rows and C columns is exactly
``R * H + (R - 1) * gap`` by ``C * W + (C - 1) * gap`` pixels and each panel can be
found again by its row and column (see :func:`panel_box`).
"""
import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX


def caption(panel, text):
    """Copy of ``panel`` (H, W, 3) uint8 with ``text`` in white on a dark band at its top."""
    panel = np.ascontiguousarray(panel, dtype=np.uint8).copy()
    height, width = panel.shape[:2]
    scale = float(np.clip(width / 420, 0.3, 0.8))
    (text_width, text_height), baseline = cv2.getTextSize(text, FONT, scale, 1)
    if text_width > width - 4:
        scale *= (width - 4) / text_width
        (text_width, text_height), baseline = cv2.getTextSize(text, FONT, scale, 1)
    band = min(height, text_height + baseline + 4)
    panel[:band] = (panel[:band] * 0.35).astype(np.uint8)
    cv2.putText(panel, text, (2, band - baseline - 2), FONT, scale, (255, 255, 255), 1,
                cv2.LINE_AA)
    return panel


def tile(rows, gap=2, background=255):
    """One RGB image of ``rows`` (lists of equally sized panels; ``None`` leaves a cell empty)."""
    panels = [panel for row in rows for panel in row if panel is not None]
    if not panels:
        raise ValueError('tile() needs at least one panel')
    height, width = panels[0].shape[:2]
    if any(panel.shape[:2] != (height, width) for panel in panels):
        raise ValueError('all panels of a figure must have the same size, got '
                         f'{sorted({panel.shape[:2] for panel in panels})}')
    num_columns = max(len(row) for row in rows)
    figure = np.full((len(rows) * height + (len(rows) - 1) * gap,
                      num_columns * width + (num_columns - 1) * gap, 3), background, np.uint8)
    for row_index, row in enumerate(rows):
        for column_index, panel in enumerate(row):
            if panel is not None:
                top, left, bottom, right = panel_box(row_index, column_index, height, width, gap)
                figure[top:bottom, left:right] = panel
    return figure


def panel_box(row, column, height, width, gap=2):
    """(top, left, bottom, right) of the panel at ``row``, ``column`` in a :func:`tile` figure."""
    top, left = row * (height + gap), column * (width + gap)
    return top, left, top + height, left + width
