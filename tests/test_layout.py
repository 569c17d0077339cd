"""The layout keeps its promises: small modules, short functions, a thin api/ top level,
and one settings module that alone reads the environment."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGES = ("domain", "adapters", "projections", "api")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60
# The AMI translation is one table of small functions; the table itself may be long.
LONG_FUNCTIONS_ALLOWED: set[tuple[str, str]] = set()


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_no_module_is_over_300_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_60_lines() -> None:
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                where = (str(path.relative_to(ROOT)), node.name)
                if lines > MAX_FUNCTION_LINES and where not in LONG_FUNCTIONS_ALLOWED:
                    long[f"{where[0]}:{node.name}"] = lines
    assert long == {}


def test_the_api_top_level_holds_at_most_ten_python_files() -> None:
    top = sorted(p.name for p in (ROOT / "api").glob("*.py"))
    assert len(top) <= 10, top
