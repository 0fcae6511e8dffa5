"""Tables of benchmark results: mean ± std over seeds, one table per metric."""
import statistics

METRICS = (
    ('mIoU_present', 'present-class mIoU (background and the objects)'),
    ('mIoU_unseen_looks', 'mIoU of the objects on looks no mask of the split shows'),
    ('mIoU_seen_looks', 'mIoU of the objects on looks the masks show'),
    ('mIoU', "MMSeg's mIoU over the 21 VOC classes"),
    ('f1', 'multi-label F1 of the class logits'),
)


def summarise(results, rows, columns, column_key):
    """{(row, column): {metric: (mean, std, count)}} of the results whose ``row`` is in
    ``rows`` and whose ``column_key`` is in ``columns``, over their seeds."""
    table = {}
    for row in rows:
        for column in columns:
            runs = [r for r in results if r['row'] == row and r[column_key] == column]
            cells = {}
            for key, _ in METRICS:
                values = [r[key] for r in runs if r.get(key) is not None]
                if values:
                    std = statistics.stdev(values) if len(values) > 1 else 0.0
                    cells[key] = (statistics.mean(values), std, len(values))
            if cells:
                table[row, column] = cells
    return table


def cell_text(cell):
    if cell is None:
        return ''
    mean, std, count = cell
    return f'{mean:.1f} ± {std:.1f} ({count})' if count > 1 else f'{mean:.1f} (1)'


def markdown_tables(table, rows, columns, headers, first_column='method', metrics=METRICS,
                    extra=None):
    """One markdown table per metric (title line, rows, columns headed ``headers``);
    ``extra`` adds a column per metric: {metric: (header, {row: text})}."""
    lines = []
    for key, title in metrics:
        present = [row for row in rows if any(key in table.get((row, c), {}) for c in columns)]
        if not present:
            continue
        added = (extra or {}).get(key)
        head = [first_column] + ([added[0]] if added else []) + list(headers)
        lines += [f'**{title}**', '', '| ' + ' | '.join(head) + ' |',
                  '|' + '---|' * len(head)]
        for row in present:
            cells = [row] + ([added[1].get(row, '')] if added else [])
            cells += [cell_text(table.get((row, c), {}).get(key)) for c in columns]
            lines.append('| ' + ' | '.join(cells) + ' |')
        lines.append('')
    return lines
