"""The package's import layers hold and no two modules import each other.

The contracts are in ``pyproject.toml`` (``[tool.importlinter]``): every module of
``layout_opt`` has its layer, a module imports only from the layers below its own, and
the modules of one package form no import cycle (imports under ``TYPE_CHECKING`` are for
type checkers only and do not count).  ``lint-imports`` runs in a process of its own,
as on the command line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def test_import_contracts_are_kept():
    run = subprocess.run(
        [sys.executable, "-c", LINT, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = run.stdout + run.stderr
    assert "layout_opt layers KEPT" in report and "no import cycles between modules KEPT" in report, report
    assert run.returncode == 0, report
