"""The rows and the table of ``compare_variants.py``: runs averaged over
known-label ratios or over seeds (mean ± sample std), and the markdown
table of their figures."""
import statistics
from typing import List, Optional

COLUMNS = [
    ('best', 'val, best (epoch)'), ('last', 'val, last'),
    ('test', 'test at best val epoch'), ('pseudo_pos', 'pseudo +'),
    ('pseudo_pos_precision', 'precision +'), ('pseudo_neg', 'pseudo -'),
    ('pseudo_neg_precision', 'precision -'), ('seconds', 'time (s)'),
]
#: key prefix of the figures of ``--extra-metrics`` (last epoch)
EXTRA = 'last '


def figure_keys(rows: List[dict]) -> List[str]:
    """The figures the rows hold, in the table's order: the fixed columns,
    the extra metrics after the validation figures."""
    extras = []
    for row in rows:
        extras += [k for k in row if k.startswith(EXTRA) and
                   not k.endswith('_std') and k not in extras]
    keys = [key for key, _ in COLUMNS]
    return keys[:2] + extras + keys[2:]


def column_title(key: str) -> str:
    if key.startswith(EXTRA):
        return f'{key[len(EXTRA):]}, last'
    return dict(COLUMNS)[key]


def format_cell(row: dict, key: str) -> str:
    if key not in row:
        return ''
    if key + '_std' in row:
        digits = 0 if key in ('pseudo_pos', 'pseudo_neg', 'seconds') else 2
        return f'{row[key]:.{digits}f} ± {row[key + "_std"]:.{digits}f}'
    if key == 'best' and 'best_epoch' in row:
        return f'{row["best"]:.2f} ({row["best_epoch"]})'
    if key in ('pseudo_pos', 'pseudo_neg', 'seconds'):
        return f'{row[key]:.0f}'
    return f'{row[key]:.2f}'


def format_table(rows: List[dict], header: bool = True,
                 columns: Optional[List[str]] = None) -> str:
    if columns is None:  # the columns the rows fill
        columns = [key for key in figure_keys(rows)
                   if any(key in row for row in rows)]
    lines = []
    if header:
        lines += ['| variant | ' + ' | '.join(map(column_title, columns)) +
                  ' |', '|---' * (len(columns) + 1) + '|']
    for row in rows:
        lines.append(f'| {row["variant"]} | ' +
                     ' | '.join(format_cell(row, c) for c in columns) + ' |')
    return '\n'.join(lines)


def average_row(rows: List[dict], name: str) -> dict:
    """The mean of the numeric figures of ``rows`` (one per ratio)."""
    average = dict(variant=name)
    for key in figure_keys(rows):
        if key not in ('best', 'last', 'test', 'seconds') and \
                not key.startswith(EXTRA):
            continue
        if all(key in r for r in rows):
            average[key] = sum(r[key] for r in rows) / len(rows)
    return average


def seed_row(rows: List[dict], name: str) -> dict:
    """Mean and sample standard deviation over seeds (one row per seed)
    of every figure all the rows have: ``row[key]`` the mean,
    ``row[key + '_std']`` the deviation, ``row['seeds']`` the count. One
    seed has no spread: its row's own figures (and best epoch)."""
    if len(rows) == 1:
        return dict(rows[0], variant=name, seeds=1)
    summary = dict(variant=name, seeds=len(rows))
    for key in figure_keys(rows):
        values = [r[key] for r in rows if key in r]
        if values and len(values) == len(rows):
            summary[key] = statistics.fmean(values)
            summary[key + '_std'] = statistics.stdev(values)
    return summary
