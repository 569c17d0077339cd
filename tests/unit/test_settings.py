"""Settings are read once, at start-up: only ``api/settings.py`` reads the environment or
makes a settings object, and the CLI entry point calls its ``load_settings()`` once. A
module that read ``CALLBOARD_*`` on its own would make a setting that the composition
root cannot pass in, and that a test cannot set without touching the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from api import settings
from api.settings import Configuration, load_settings

ROOT = Path(__file__).parent.parent.parent
PACKAGES = ("domain", "adapters", "projections", "api")
SETTINGS_MODULE = "api/settings.py"
# The one call that reads the settings: the CLI entry point, once, at start-up.
ALLOWED_LOADS = {("api/cli/main.py", "load_settings")}
READERS = {"getenv", "load_dotenv", "load_settings"}
SETTINGS_CLASSES = {name for name, value in vars(settings).items()
                    if isinstance(value, type) and value.__module__ == settings.__name__
                    } | {"BaseSettings"}


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) of every environment read and settings construction in ``tree``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb") \
                and isinstance(node.value, ast.Name) and node.value.id == "os":
            found.append((node.lineno, f"os.{node.attr}"))
        elif isinstance(node, ast.Name) and node.id == "environ":
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Call):
            name = _called_name(node)
            if name in READERS or name in SETTINGS_CLASSES:
                found.append((node.lineno, f"{name}()"))
    return found


def test_no_module_but_api_settings_reads_the_environment_or_makes_settings() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            if where == SETTINGS_MODULE:
                continue
            for line, what in _reads(ast.parse(path.read_text())):
                if (where, what.removesuffix("()")) not in ALLOWED_LOADS:
                    offenders.append(f"{where}:{line}: {what}")
    assert offenders == [], "read settings in api/settings.py and pass them in"


def test_the_cli_loads_the_settings_exactly_once() -> None:
    tree = ast.parse((ROOT / "api/cli/main.py").read_text())
    loads = [n for n in ast.walk(tree)
             if isinstance(n, ast.Call) and _called_name(n) == "load_settings"]
    assert len(loads) == 1


def test_the_scan_sees_each_way_of_reading_settings() -> None:
    source = ("import os\nfrom os import getenv, environ\na = os.environ['X']\n"
              "b = os.getenv('Y')\nc = getenv('Z')\nd = environ.get('W')\n"
              "e = KpiSettings()\nf = settings.QaSettings(x=1)\ng = Configuration()\n")
    assert sorted(what for _, what in _reads(ast.parse(source))) == sorted([
        "os.environ", "getenv()", "getenv()", "environ", "KpiSettings()", "QaSettings()",
        "Configuration()"])


def test_the_documented_environment_variables_still_set_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {"CALLBOARD_STORE_URL": "sqlite:///x.db", "CALLBOARD_BOARD_TIMEZONE":
                        "Asia/Shanghai", "CALLBOARD_AMI_HOST": "pbx", "CALLBOARD_HTTP_PORT":
                        "9000", "CALLBOARD_QA_DISPUTE_WINDOW_H": "24",
                        "CALLBOARD_COMPLAINTS_FIRST_RESPONSE_H_MAJOR": "1",
                        "CALLBOARD_KPI_TARGET_SALES": "12",
                        "CALLBOARD_ATTENDANCE_SHIFTS": '["08:00-12:00"]'}.items():
        monkeypatch.setenv(name, value)
    config = load_settings()
    assert isinstance(config, Configuration)
    assert (config.store.store_url, config.boards.timezone, config.ami.host,
            config.http.port, config.qa.dispute_window_h) == (
        "sqlite:///x.db", "Asia/Shanghai", "pbx", 9000, 24.0)
    assert config.complaints.deadline_policy().first_response_s["major"] == 3600
    assert config.kpi.policy().target_sales == 12
    assert config.attendance.shifts == ["08:00-12:00"]
