"""The import graph keeps its layers: pure packages never reach up into services, the web or the
notifications, and no two areas import each other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
# Areas, from the most specific prefix to the least.
AREAS = {
    "atelier.services": "services",
    "atelier.web": "web",
    "atelier.cli": "cli",
    "atelier.demo": "demo",
    "atelier.panel": "panel",
    "atelier.avis": "avis",
    "atelier.planning": "planning",
    "atelier.sheets": "sheets",
    "notifications": "notifications",
    "models": "models",
    "flows": "flows",
    "tasks": "tasks",
}
PURE = {"panel", "avis", "planning", "models", "sheets"}
ABOVE_PURE = {"services", "web", "notifications", "cli", "demo", "flows", "tasks"}


def _area(module: str) -> str | None:
    for prefix, area in AREAS.items():
        if module == prefix or module.startswith(prefix + "."):
            return area
    return None


def _imports() -> set[tuple[str, str, str]]:
    """(importing file, its area, imported area) for every import, at any depth in the file."""
    found = set()
    for path in ROOT.glob("**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench"}:
            continue
        module = ".".join(relative.with_suffix("").parts)
        source = _area(module)
        if source is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                target = _area(name)
                if target is not None and target != source:
                    found.add((str(relative), source, target))
    return found


def test_pure_packages_import_nothing_above_them() -> None:
    """panel/, avis/, planning/, sheets/ and models/ never import services, the web or notifications."""
    upward = sorted((f, t) for f, s, t in _imports() if s in PURE and t in ABOVE_PURE)
    assert upward == []


def test_no_two_areas_import_each_other() -> None:
    """The graph of areas has no cycle (services and notifications included)."""
    edges: dict[str, set[str]] = {}
    for _, source, target in _imports():
        edges.setdefault(source, set()).add(target)

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges.get(node, ())):
                if nxt == start:
                    return [*path, start]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [c for c in (cycle_from(area) for area in sorted(edges)) if c]
    assert cycles == []


def test_use_cases_live_in_services_not_in_the_web() -> None:
    """The command line, the demo, the flows and the services never import the web package."""
    into_web = sorted((f, s) for f, s, t in _imports() if t == "web" and s != "web")
    assert into_web == []


def test_no_test_module_imports_another() -> None:
    """What tests share lives in helper modules; no test imports another test module."""
    found = []
    for path in (ROOT / "tests").glob("**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and ".test_" in f".{node.module}":
                found.append((str(path.relative_to(ROOT)), node.module))
    assert found == []
