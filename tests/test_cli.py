"""The operator's commands, run through Flask's CLI runner on the real database."""

import json
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from archive.extensions import db
from archive.models import Testimony, User

from .test_import_export import good


def test_users_create_reads_password_from_stdin_not_argv(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "Staff@Example.org", "--role", "editor", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "staff@example.org"))
        assert user is not None and user.role == "editor"
        assert "a long enough password" not in user.password_hash
    short = runner.invoke(
        args=["users", "create", "b@example.org", "--role", "editor", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0 and "at least 12" in short.output


def test_import_command_all_or_nothing(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.jsonl"
    lines = [good("cli-1"), good("cli-2", recorded_on="2023-13-01")]
    bad.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    result = runner.invoke(args=["import", str(bad)])
    assert result.exit_code != 0
    assert "line 2, field recorded_on" in result.output and "Nothing was imported" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Testimony)) == 0
    ok = tmp_path / "ok.jsonl"
    ok.write_text(json.dumps(good("cli-1")), encoding="utf-8")
    result = runner.invoke(args=["import", str(ok)])
    assert result.exit_code == 0 and "1 created" in result.output


def test_export_command_warns_about_personal_data(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(good("cli-x")), encoding="utf-8")
    assert runner.invoke(args=["import", str(source)]).exit_code == 0
    plain = tmp_path / "plain.jsonl"
    result = runner.invoke(args=["export", str(plain)])
    assert result.exit_code == 0 and "WARNING" not in result.output
    assert "Import Person" not in plain.read_text(encoding="utf-8")
    full = tmp_path / "full.jsonl"
    result = runner.invoke(args=["export", str(full), "--with-personal-data"])
    assert "WARNING" in result.output
    assert "Import Person" in full.read_text(encoding="utf-8")
    assert full.stat().st_mode & 0o077 == 0  # owner-only file


def test_demo_command_loads_archive_and_prints_passwords_once(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.invalid" in first.output and "shown only now" in first.output
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Testimony))
        assert 20 <= total <= 30
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "shown only now" not in second.output
    assert f"{total} unchanged" in second.output
