"""Every setting of the archive, with why it exists. No secrets live here.

Settings come from this module's defaults, then `instance/config.py` if present, then
environment variables named `ARCHIVE_<SETTING>`, then the `config` mapping given to
`create_app` (tests). The secret key is never defaulted: see `load_secret_key`.
"""

import os
import secrets
from pathlib import Path
from typing import Any, ClassVar

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class Defaults:
    # UI locales are exactly these two (never indigenous content languages: Babel has no
    # locale data for them). Khmer is the default audience.
    UI_LOCALES = ("km", "en")
    BABEL_DEFAULT_LOCALE = "km"
    BABEL_DEFAULT_TIMEZONE = "Asia/Phnom_Penh"
    # Show Khmer digits (០ to ៩) for numbers and dates in the Khmer UI; never in ids or URLs.
    KHMER_DIGITS = True
    LOCALE_COOKIE = "archive_locale"

    # None means "sqlite file in the instance folder"; set ARCHIVE_DATABASE_URL or
    # DATABASE_URL for PostgreSQL (postgresql+psycopg://...).
    SQLALCHEMY_DATABASE_URI: str | None = None
    # hide_parameters: a database error's message (and so any log of it) never carries the
    # values of the statement: story text, or a narrator's legal name that could not be
    # encrypted (no key) when SQLAlchemy reports the failed INSERT.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {
        "pool_pre_ping": True,
        "hide_parameters": True,
    }

    # Index tiers live here (one sub-directory per tier); None = instance/index. Every app host
    # keeps its own tiers; they follow the shared database through the outbox.
    INDEX_DIR: str | None = None
    # Seconds a process waits for another one's index writer before leaving jobs pending.
    INDEX_LOCK_TIMEOUT = 10.0
    # Seconds before a missing outbox number (a rolled-back transaction) is given up.
    INDEX_GAP_TIMEOUT = 300.0
    # Apply pending index jobs (and rebuild missing or outdated tiers) when the app starts.
    INDEX_DRAIN_ON_START = True
    # The most documents (versions) one index segment may hold. Hiding a testimony rewrites
    # the segments that held it (measured: ~30 long documents a second, 34 s for a segment of
    # 1,000), so this bounds a withdrawal's or restriction's cost whatever the tier's size;
    # smaller means cheaper purges but more segments per search. Tests set it to a handful.
    INDEX_SEGMENT_DOCS = 1000
    # Rewrite segments after a purge, and merge larger segments, in a background thread after
    # the response (True), or before the response (False: the tests, for determinism; the
    # background path has tests of its own). A request never waits for a rewrite when True.
    INDEX_BACKGROUND_MAINTENANCE = True

    # Withdrawal: seconds between the withdrawal's commit and the purge of derived copies
    # (0: right after the request; tests raise it to show a killed process resumes the purge
    # at the next start). Must stay well under 60.
    PURGE_DELAY = 0.0
    # How long the purge retries a WAL checkpoint that a long reader blocks.
    PURGE_CHECKPOINT_TIMEOUT = 30.0
    # Where withdrawals and the audit head are recorded outside the database (None: the
    # instance folder). Point several hosts at one shared path.
    WITHDRAWAL_REGISTER: str | None = None
    # When on, `flask --app archive consent-review` restricts to staff every testimony whose
    # consent review date has passed (audited). Off by default: a review is a conversation.
    CONSENT_REVIEW_RESTRICTS = False
    AUDIT_HEAD_FILE: str | None = None

    # Encrypted backups (`flask --app archive backup create|list|restore`) are written here
    # (None: instance/backups). Copy them off the machine; they are useless without the key.
    BACKUP_DIR: str | None = None
    # The backup encryption key (None: instance/backup.key, created 0600 by the first
    # `backup create`); the environment variable ARCHIVE_BACKUP_KEY takes precedence. Never
    # inside BACKUP_DIR, never in a backup: keep a copy off the machine, apart from the backups.
    BACKUP_KEY_FILE: str | None = None
    # How many of the newest backups `backup create` keeps; older ones are deleted. A withdrawn
    # story lives on (encrypted) in backups made before its withdrawal until they age out.
    BACKUP_RETENTION = 14

    # Narrator legal name and contact are encrypted in the database (archive.crypto). Their key
    # is taken from FIELD_KEY when set (tests; wins over the rest), else the environment
    # variable ARCHIVE_FIELD_KEY, else the key file FIELD_KEY_FILE (None: instance/field.key,
    # created 0600 by `python -m archive.bootstrap` and `init-db`). Never in the database or a
    # backup; without it those two fields read as "unavailable" and cannot be written.
    FIELD_KEY: str | None = None
    FIELD_KEY_FILE: str | None = None
    # Keys that only decrypt (comma-separated, or ARCHIVE_FIELD_OLD_KEYS): while rotating a key
    # given in the environment. Files `<key file>.old-*` beside the key file count too.
    FIELD_OLD_KEYS: tuple[str, ...] = ()

    # Largest accepted Markdown body of one revision, in characters (forms and import).
    MAX_BODY_CHARS = 100_000
    # Largest request body: import files go through the CLI, forms stay small.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Items per page on lists.
    PAGE_SIZE = 20
    # Public site: how many related stories (sharing tags) a story page suggests, and how
    # many recent stories the Atom feed carries.
    RELATED_STORIES = 3
    FEED_ENTRIES = 20
    # Responses smaller than this many bytes are not gzip-compressed (not worth the CPU).
    COMPRESS_MIN_BYTES = 500
    # Search: results per page (default and most a client may ask for), query limits, and the
    # length of a highlighted snippet.
    SEARCH_PER_PAGE = 10
    SEARCH_MAX_PER_PAGE = 50
    SEARCH_MAX_CHARS = 256
    SEARCH_MAX_TERMS = 16
    SNIPPET_CHARS = 240
    # Public statistics (/statistics, /api/v1/statistics): a count below this is never shown to
    # non-staff, and other counts are hidden with it so that it cannot be worked out (zero
    # counts too). Values below 3 are raised to 3 (archive/statistics.py).
    STATISTICS_K = 5
    # Largest XLIFF translation kit accepted (a maximal Khmer body is ~300 KB in each of
    # source and target); below MAX_CONTENT_LENGTH.
    XLIFF_MAX_BYTES = 1_500_000

    # Cookies: Secure outside development, never readable by scripts, not sent cross-site.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    SESSION_PROTECTION = "basic"
    # Server-side session limits, in seconds: idle (no request) and absolute (since sign-in).
    SESSION_IDLE_TIMEOUT = 60 * 60
    SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
    # No "remember me" cookie: a shared computer must not keep anyone signed in.
    REMEMBER_COOKIE_DURATION = 0

    # Argon2id parameters for new password hashes (argon2-cffi's defaults when empty); a
    # hash made with other parameters is renewed at the next sign-in.
    PASSWORD_HASH: ClassVar[dict[str, int]] = {}

    # Sign-in throttling (counted in the database, so it holds across workers): failures
    # allowed without delay per account and per client address, then a delay that doubles
    # from LOGIN_DELAY_BASE up to LOGIN_DELAY_MAX seconds.
    LOGIN_FREE_FAILURES = 5
    LOGIN_FREE_FAILURES_PER_ADDRESS = 20
    LOGIN_DELAY_BASE = 2.0
    LOGIN_DELAY_MAX = 15 * 60.0
    # Search and API requests per client address: at most COUNT per WINDOW seconds.
    SEARCH_RATE_COUNT = 120
    SEARCH_RATE_WINDOW = 60
    # Reverse proxies in front of the app whose X-Forwarded-For may be trusted (0: none; the
    # client address is then the connection's).
    TRUSTED_PROXIES = 0
    # Roles that must use two-factor sign-in (TOTP); other staff may turn it on.
    TWO_FACTOR_REQUIRED_ROLES = ("admin",)
    # One-time account links (first sign-in, password reset) stay valid this many hours.
    ACCOUNT_LINK_HOURS = 48
    # An export link works for its user only, for this many seconds (at most 15 minutes).
    EXPORT_LINK_SECONDS = 15 * 60
    # Where the archive is reached, for links printed by the command line.
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"

    # CSRF on every state change; an expired form shows a localized "try again" page.
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # development | production | testing. Production refuses DEBUG and a missing secret.
    ENV = "production"
    DEBUG = False
    TESTING = False


def database_uri(instance_path: str) -> str:
    """Return the database URL: environment first, else the embedded SQLite file."""
    url = os.environ.get("ARCHIVE_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{Path(instance_path) / 'archive.sqlite3'}"


def load_secret_key(instance_path: str) -> str | None:
    """Return SECRET_KEY from the environment or `instance/secret_key`, or None if neither."""
    key = os.environ.get("ARCHIVE_SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / SECRET_KEY_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


def write_secret_key(instance_path: str) -> Path:
    """Create `instance/secret_key` with 256 random bits if it does not exist; return its path.

    The file is created owner-readable only. Existing keys are never replaced (that would
    sign everybody out and invalidate every form in flight).
    """
    path = Path(instance_path) / SECRET_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32))
    return path


def environment_overrides() -> dict[str, Any]:
    """Return settings given as ARCHIVE_<NAME> environment variables (strings, bools, ints)."""
    out: dict[str, Any] = {}
    for name in dir(Defaults):
        if not name.isupper():
            continue
        raw = os.environ.get(f"ARCHIVE_{name}")
        if raw is None:
            continue
        default = getattr(Defaults, name)
        if isinstance(default, tuple):
            out[name] = tuple(part.strip() for part in raw.split(",") if part.strip())
        elif isinstance(default, bool):
            out[name] = raw.lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, float):
            out[name] = float(raw)
        elif isinstance(default, int):
            out[name] = int(raw)
        else:
            out[name] = raw
    return out
