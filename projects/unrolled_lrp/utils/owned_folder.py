"""Output folders a tool owns: it refuses a used folder, and ``--overwrite`` deletes exactly
the files it wrote there before (listed in a marker file), so that no stale output is left
beside new output and nothing else is ever deleted."""
from pathlib import Path
from typing import Iterable


def prepare_owned_folder(out_dir, marker: str, overwrite: bool, tool: str) -> Path:
    """An empty ``out_dir``, or one emptied of what ``tool`` wrote there before (with
    ``overwrite``); a folder holding anything else is refused, naming the files."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise ValueError(f'{out_dir} exists and is not empty; pass --overwrite to replace '
                             f'what {tool} wrote there')
        if not (out_dir / marker).is_file():
            raise ValueError(f'{out_dir} has no {marker}, so it was not made by {tool}; '
                             'refusing to delete it')
        own = set((out_dir / marker).read_text().splitlines()[1:])
        foreign = sorted(str(path.relative_to(out_dir)) for path in out_dir.rglob('*')
                         if path.is_file() and path.name != marker
                         and str(path.relative_to(out_dir)) not in own)
        if foreign:
            raise ValueError(
                f'{out_dir} holds {len(foreign)} files {tool} did not write '
                f'({", ".join(foreign[:5])}{", ..." if len(foreign) > 5 else ""}); --overwrite '
                'deletes only its own files: move or delete these first')
        for name in own | {marker}:
            (out_dir / name).unlink(missing_ok=True)
        for directory in sorted((d for d in out_dir.rglob('*') if d.is_dir()), reverse=True):
            if not any(directory.iterdir()):
                directory.rmdir()
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def record_owned_files(out_dir, marker: str, header: str, files: Iterable[str] = None) -> None:
    """Writes ``marker``: ``header``, then every file now below ``out_dir`` (or ``files``)."""
    out_dir = Path(out_dir)
    if files is None:
        files = (str(path.relative_to(out_dir)) for path in out_dir.rglob('*')
                 if path.is_file() and path.name != marker)
    (out_dir / marker).write_text(header + '\n' + ''.join(f'{name}\n' for name in sorted(files)))
