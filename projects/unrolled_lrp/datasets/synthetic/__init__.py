"""Synthetic scenes in the PASCAL VOC 2012 layout, for tests, the main job and the few-label
benchmark: shapes and backgrounds shared by four styles (``colour``, ``textures``, ``looks``,
``shapes``) and the tree writer. Needs numpy, OpenCV and Pillow only: it writes the public VOC format and
so checks the code that reads it independently."""
from .scene import Look, Scene, SceneStyle
from .voc_tree import (LOOKS_FILE, MARKER_FILE, SCENE_STYLES, STYLES_WITH_LOOKS, generate,
                       make_style, marker_line, read_look_table, voc_palette)

__all__ = ['Look', 'Scene', 'SceneStyle', 'SCENE_STYLES', 'STYLES_WITH_LOOKS', 'LOOKS_FILE',
           'MARKER_FILE', 'generate', 'make_style', 'marker_line', 'read_look_table', 'voc_palette']
