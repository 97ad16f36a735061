"""Logging that keeps search words and other query strings out of request logs.

The development server (werkzeug) logs each request line with its query string; search words
can be as revealing as the stories (a name, a village), so the filter drops everything after
`?`. With gunicorn, use `--access-logformat '%(h)s "%(m)s %(U)s" %(s)s'` (`%(U)s` is the path
without the query).
"""

import logging
import re

_QUERY = re.compile(r'(")([A-Z]+ [^ ?"]*)\?[^ "]*( HTTP/[0-9.]+")')


class DropQueryStrings(logging.Filter):
    """Rewrite request lines so that no query string reaches a log handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub(r"\1\2\3", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub(r"\1\2\3", record.msg)
        return True


def init_logging() -> None:
    """Install the filter on werkzeug's request logger (idempotent)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
        logger.addFilter(DropQueryStrings())
