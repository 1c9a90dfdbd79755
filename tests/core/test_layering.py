"""The layout keeps its promises: core's packages in one direction, no Streamlit in core, no import cycle.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``): pages -> ui -> core; inside core
cli > demo > pagedata > reporting > compliance > rollup > semantic > ingest > infra (a package imports
only those below it), every core package placed in a layer, no Streamlit/ui/pages import in core, no
cycle between core's packages. The cycle test below reads the import graph itself (grimp,
import-linter's graph builder), in-function imports included, and allows no exception.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]

LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
)


def test_import_linter_contracts_are_kept() -> None:
    """Every import-linter contract of pyproject.toml is kept (layers, no Streamlit in core, acyclic packages)."""
    proc = subprocess.run(
        [sys.executable, "-c", LINT], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert "BROKEN" not in proc.stdout and "KEPT" in proc.stdout


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_among_core_modules() -> None:
    """No two core modules import each other, directly or through others, counting in-function imports."""
    g = grimp.build_graph("core", cache_dir=None)
    graph = {
        m: {d for d in g.find_modules_directly_imported_by(m) if d.startswith("core")} for m in g.modules
    }
    cycles = _cycles(graph)
    details = [
        f"{a} -> {b} (line {d['line_number']}: {d['line_contents']})"
        for cycle in cycles
        for a in cycle
        for b in sorted(graph[a] & set(cycle))
        for d in g.get_import_details(importer=a, imported=b)[:1]
    ]
    assert not cycles, "import cycles among core modules:\n" + "\n".join(details)
