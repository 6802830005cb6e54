"""The coverage report: a table per source file (statements, branches, functions), the lines left uncovered, a
Cobertura XML file (what CI tools read) and one HTML page with every covered source, line by line."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from tests.coverage.sources import Branch, SourceIndex


@dataclass(frozen=True)
class Totals:
    statements: int
    statements_hit: int
    branches: int
    branches_hit: int
    functions: int
    functions_hit: int

    @staticmethod
    def _pct(hit: int, total: int) -> float:
        return 100.0 * hit / total if total else 100.0

    @property
    def statement_pct(self) -> float:
        return self._pct(self.statements_hit, self.statements)

    @property
    def branch_pct(self) -> float:
        return self._pct(self.branches_hit, self.branches)

    @property
    def function_pct(self) -> float:
        return self._pct(self.functions_hit, self.functions)


def totals(index: SourceIndex, source: str | None = None) -> Totals:
    statements = [s for s in index.statements if source in (None, s.source) and s.has_code]
    branches = [b for b in index.branches if source in (None, b.source)]
    functions = [f for f in index.functions if source in (None, f.source)]
    return Totals(
        len(statements), sum(1 for s in statements if s.hits),
        2 * len(branches), sum(len(b.outcomes) for b in branches),
        len(functions), sum(1 for f in functions if f.hits),
    )  # fmt: skip


def table(index: SourceIndex) -> str:
    rows = [("source", "statements", "stmt %", "branches", "branch %", "functions", "func %")]
    for source in sorted(index.texts):
        t = totals(index, source)
        rows.append(_row(source, t))
    rows.append(_row("total", totals(index)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _row(name: str, t: Totals) -> tuple[str, ...]:
    return (name, f"{t.statements_hit}/{t.statements}", f"{t.statement_pct:.1f}", f"{t.branches_hit}/{t.branches}",
            f"{t.branch_pct:.1f}", f"{t.functions_hit}/{t.functions}", f"{t.function_pct:.1f}")  # fmt: skip


def missed(index: SourceIndex) -> list[str]:
    """One line per statement never run and per branch way never taken, by source and line."""
    lines = [f"{s.source}:{s.line}  {s.function}  statement never run ({s.kind})"
             for s in index.statements if s.has_code and not s.hits]  # fmt: skip
    for b in index.branches:
        if len(b.outcomes) < 2:
            lines.append(f"{b.source}:{b.line}  {b.function}  {_way(b)}")
    return sorted(lines, key=lambda text: (text.split(":")[0], int(text.split(":")[1].split()[0])))


def unmeasurable(index: SourceIndex) -> list[str]:
    """Statements the optimizer compiled into code it shares with others (no instruction maps to them alone)."""
    return [f"{s.source}:{s.line}  {s.function}  {s.kind}" for s in index.statements if not s.has_code]


def _way(branch: Branch) -> str:
    """Which way of a decision was never taken. Said as the jump did, not as true / false: the optimizer shares
    labels and tails between ways, so which instructions belong to the true body cannot be told reliably."""
    if not branch.outcomes:
        return "decision never evaluated (both ways missing)"
    seen = "jumping" if True in branch.outcomes else "falling through"
    return f"one way never taken (the decision jump was only seen {seen})"


def write_xml(index: SourceIndex, path: Path) -> None:
    """Cobertura XML (line hits; branch condition coverage on the lines of `if`s)."""
    t = totals(index)
    root = ET.Element("coverage", {
        "line-rate": f"{t.statement_pct / 100:.4f}", "branch-rate": f"{t.branch_pct / 100:.4f}",
        "lines-covered": str(t.statements_hit), "lines-valid": str(t.statements),
        "branches-covered": str(t.branches_hit), "branches-valid": str(t.branches),
        "timestamp": str(int(time.time())), "version": "imse-solcov",
    })  # fmt: skip
    packages = ET.SubElement(ET.SubElement(root, "packages"), "package", {"name": "contracts"})
    classes = ET.SubElement(packages, "classes")
    for source in sorted(index.texts):
        st = totals(index, source)
        element = ET.SubElement(classes, "class", {
            "name": Path(source).stem, "filename": source,
            "line-rate": f"{st.statement_pct / 100:.4f}", "branch-rate": f"{st.branch_pct / 100:.4f}",
        })  # fmt: skip
        lines = ET.SubElement(element, "lines")
        for number, (hits, branch) in sorted(_lines(index, source).items()):
            attributes = {"number": str(number), "hits": str(hits)}
            if branch is not None:
                taken, total = branch
                attributes |= {"branch": "true", "condition-coverage": f"{100 * taken // total}% ({taken}/{total})"}
            ET.SubElement(lines, "line", attributes)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def write_html(index: SourceIndex, path: Path) -> None:
    parts = [
        "<!doctype html><meta charset=utf-8><title>imseStudio contract coverage</title><style>"
        "body{font:14px system-ui;margin:2em}pre{font:13px ui-monospace,monospace;margin:0}"
        "table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}td:first-child{text-align:left}"
        ".hit{background:#e6f4ea}.miss{background:#fce8e6}.part{background:#fef7e0}.n{color:#888;user-select:none}"
        "</style><h1>Contract coverage</h1><pre>" + html.escape(table(index)) + "</pre>"
    ]
    for source in sorted(index.texts):
        marks = _lines(index, source)
        parts.append(f"<h2 id='{html.escape(source)}'>{html.escape(source)}</h2><pre>")
        for number, text in enumerate(index.texts[source].splitlines(), start=1):
            hits, branch = marks.get(number, (None, None))
            css = "" if hits is None else "miss" if hits == 0 else "part" if branch and branch[0] < branch[1] else "hit"
            parts.append(f"<span class='{css}'><span class=n>{number:4} </span>{html.escape(text)}</span>\n")
        parts.append("</pre>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts))


def _lines(index: SourceIndex, source: str) -> dict[int, tuple[int, tuple[int, int] | None]]:
    """line → (hits of its statements (the least), (branch ways taken, ways) when an `if` starts there)."""
    lines: dict[int, tuple[int, tuple[int, int] | None]] = {}
    for s in index.statements:
        if s.source == source and s.has_code:
            hits, branch = lines.get(s.line, (s.hits, None))
            lines[s.line] = (min(hits, s.hits), branch)
    for b in index.branches:
        if b.source == source:
            hits, branch = lines.get(b.line, (1 if b.outcomes else 0, None))  # a `?:` inside a statement
            taken, total = branch or (0, 0)
            lines[b.line] = (hits, (taken + len(b.outcomes), total + 2))
    return lines
