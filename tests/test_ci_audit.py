"""The CI audit gate: a known vulnerability fails, an unreachable advisory service warns."""

import importlib.util
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

SPEC = importlib.util.spec_from_file_location(
    "ci_audit", Path(__file__).resolve().parent.parent / ".ci" / "audit.py"
)
assert SPEC and SPEC.loader
audit = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(audit)


def _fake(report: dict[str, Any]) -> Any:
    def run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 1, stdout=json.dumps(report), stderr="")

    return run


@pytest.mark.parametrize(
    ("report", "status"),
    [
        (
            {
                "dependencies": [
                    {"name": "jinja2", "version": "2.10", "vulns": [{"id": "PYSEC-2019-217"}]}
                ]
            },
            1,
        ),
        ({"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []}]}, 0),
        ({"dependencies": [{"name": "flask", "skip_reason": "not found"}]}, 0),
        ({}, 0),
    ],
)
def test_gate(monkeypatch: pytest.MonkeyPatch, report: dict[str, Any], status: int) -> None:
    monkeypatch.setattr(audit.subprocess, "run", _fake(report))
    assert audit.main("requirements-dev.lock") == status
