"""The layers point one way (import-linter's contract in pyproject.toml), and the contract bites."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(src: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=src,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_contract_is_kept():
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_upward_import_breaks_the_contract(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "cdm", copy / "cdm", ignore=shutil.ignore_patterns("locale", "*.pyc", "static")
    )
    (copy / "cdm" / "lib" / "upward.py").write_text("from cdm.stats import figures  # noqa\n")
    result = _lint(copy)
    assert result.returncode != 0
    assert "cdm.lib is not allowed to import cdm.stats" in result.stdout
