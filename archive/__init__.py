"""The Rattanakiri testimony archive: `create_app()` builds the Flask application."""

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config as settings
from .extensions import babel, csrf, db, login_manager, migrate


def _root_dir() -> Path:
    """Return the folder holding templates/, static/, translations/ and migrations/.

    In a checkout that is the repository root; after a non-editable `pip install .` the wheel
    carries them in `archive/_root`.
    """
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "templates").is_dir() and (checkout / "migrations").is_dir():
        return checkout
    return Path(__file__).resolve().parent / "_root"


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Create and configure the application.

    Raises RuntimeError when the configuration is unsafe: no SECRET_KEY, or DEBUG on outside
    development.
    """
    root = _root_dir()
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    app.config.from_object(settings.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.environment_overrides())
    app.config.update(config or {})
    _finish_config(app, root)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "migrations"))
    from .i18n import init_app as init_i18n
    from .i18n import select_locale

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(root / "translations"),
    )
    init_i18n(app)
    csrf.init_app(app)
    login_manager.init_app(app)

    from . import auth_loader, security
    from .cli import register_cli
    from .logs import init_logging
    from .search import hooks as index_hooks
    from .views import register_blueprints

    init_logging()
    auth_loader.init_app(app)
    security.init_app(app)
    register_blueprints(app)
    register_cli(app)
    index_hooks.init_app(app)
    from .services import purge, research, tokens

    purge.init_app(app)
    research.init_app(app)
    tokens.init_app(app)
    return app


def _finish_config(app: Flask, root: Path) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = settings.database_uri(app.instance_path)
    if not app.config.get("INDEX_DIR"):
        app.config["INDEX_DIR"] = str(Path(app.instance_path) / "index")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.load_secret_key(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "No SECRET_KEY: set ARCHIVE_SECRET_KEY or run "
            f"`python -m archive.bootstrap {app.instance_path}` to create one."
        )
    if app.config["DEBUG"] and app.config["ENV"] != "development":
        raise RuntimeError("DEBUG is on outside development; refusing to start.")
    if app.config["ENV"] == "development":
        # The demo is served over plain http on 127.0.0.1.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
    app.config["ROOT_DIR"] = str(root)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: WAL for concurrent readers, foreign keys on, deleted bytes overwritten
    (secure_delete, so erased testimony text does not linger in free pages), and a busy
    timeout instead of an immediate "database is locked"."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
