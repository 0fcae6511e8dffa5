"""Reading and writing image-id lists (one VOC image id per line).

Split files decide which images a run trains on, so a malformed one must stop
the run: empty files, duplicate ids and lines with more than one token raise.
"""
from pathlib import Path
from typing import Iterable, List

from mmengine.fileio import list_from_file


def read_image_ids(split_file) -> List[str]:
    """Ids in file order; blank lines are allowed, anything else must be one id."""
    split_file = Path(split_file)
    if not split_file.is_file():
        raise FileNotFoundError(f'{split_file}: split file does not exist')
    ids, seen = [], {}
    for line_number, line in enumerate(list_from_file(split_file), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != 1:
            raise ValueError(f'{split_file}:{line_number}: expected one image id per line, '
                             f'got {line.strip()!r}')
        image_id = tokens[0]
        if image_id in seen:
            raise ValueError(f'{split_file}:{line_number}: image id {image_id!r} repeats '
                             f'line {seen[image_id]}')
        seen[image_id] = line_number
        ids.append(image_id)
    if not ids:
        raise ValueError(f'{split_file}: split file lists no image ids')
    return ids


def write_image_ids(split_file, ids: Iterable[str]) -> None:
    """One id per line, '\\n' endings, so equal lists give byte-identical files."""
    split_file = Path(split_file)
    split_file.parent.mkdir(parents=True, exist_ok=True)
    with open(split_file, 'w', newline='\n') as file:
        file.writelines(f'{image_id}\n' for image_id in ids)
