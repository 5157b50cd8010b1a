"""Compare: a table of Measurements grouped by label, rows by sub_label, columns by
description (torch.utils.benchmark.Compare, without colouring)."""
from __future__ import annotations

from ._common import Measurement, select_unit, unit_to_english

__all__ = ["Compare"]


class Compare:
    def __init__(self, results):
        self._results = []
        self.extend_results(results)
        self._trim_significant_figures = False
        self._colorize = False
        self._highlight_warnings = False

    def extend_results(self, results) -> None:
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
        self._results.extend(results)

    def trim_significant_figures(self) -> None:
        self._trim_significant_figures = True

    def colorize(self, rowwise: bool = False) -> None:
        self._colorize = True

    def highlight_warnings(self) -> None:
        self._highlight_warnings = True

    def print(self) -> None:
        print(str(self))

    def __str__(self) -> str:
        return "\n".join(self._render())

    def _render(self) -> list:
        merged = Measurement.merge(self._results)
        groups: dict = {}
        for m in merged:
            groups.setdefault(m.label, []).append(m)
        out = []
        for label, group in groups.items():
            out.extend(self._table(label, group))
        return out

    def _table(self, label, group) -> list:
        unit, scale = select_unit(min(m.median for m in group))
        columns = []
        rows: dict = {}
        for m in group:
            col = m.description
            if col not in columns:
                columns.append(col)
            rows.setdefault((m.num_threads, m.as_row_name), {})[col] = m
        names = [name for _, name in rows]
        name_width = max(len(n) for n in names) + 4
        cells = {}
        for key, by_col in rows.items():
            cells[key] = []
            for col in columns:
                m = by_col.get(col)
                if m is None:
                    cells[key].append("")
                    continue
                value = m.median / scale
                digits = max(m.significant_figures if self._trim_significant_figures else 1, 1)
                cells[key].append(f"{value:.1f}" if value >= 10 else f"{value:.{digits}f}")
        widths = [max([len(c or "") + 2 for c in columns] +
                      [len(cells[k][i]) + 2 for k in cells]) for i in range(len(columns))]
        header = " " * name_width + "|" + "|".join(f"{(c or ''):^{w}}" for c, w in
                                                    zip(columns, widths))
        width = len(header)
        title = f" {label} " if label else " "
        lines = [f"[{title.center(width - 2, '-')}]", header.rstrip()]
        threads = None
        for (n_threads, name), row in cells.items():
            if n_threads != threads:
                threads = n_threads
                tag = f"{threads} threads: "
                lines.append(tag + "-" * max(width - len(tag), 0))
            lines.append(f"{name:>{name_width - 2}}  |" + "|".join(
                f"{c:^{w}}" for c, w in zip(row, widths)).rstrip())
        lines += ["", f"Times are in {unit_to_english(unit)}s ({unit}).", ""]
        return lines
