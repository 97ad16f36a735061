"""HTTP caching and compression: fingerprinted static files, ETag/304 for pages, gzip.

* Static files are served from memory with a fingerprint: `static_url("css/site.css")` gives
  `/static/css/site.css?v=<digest>`. A request carrying the current digest is cached for a
  year (`immutable`); any other request revalidates (`no-cache` + ETag), so an old URL never
  pins stale bytes. Stylesheets have their `url(...)` references fingerprinted the same way
  when loaded, so a font change also changes the stylesheet's digest.
* Pages (HTML, feeds, sitemaps) get a weak ETag computed from the body. A matching
  `If-None-Match` answers 304 without a body; because the ETag is the body's digest, a story
  that was withdrawn or restricted changes the page and the next request gets the new one.
  The headers hook in `security.py` adds `no-cache` (anonymous) or `no-store` (signed in) and
  `Vary: Cookie`.
* Responses are gzip-compressed when the client accepts it, except those that carry a CSRF
  token or session-specific content, or are seen by a signed-in user (BREACH: secrets and
  reflected input must not share a compressed body).
"""

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, current_app, g, request, session
from flask_login import current_user
from werkzeug.security import safe_join

# What compression helps: text formats (woff2 and images are compressed already).
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/xml",
        "application/xml",
        "application/atom+xml",
        "application/json",
        "application/javascript",
        "text/javascript",
        "image/svg+xml",
    }
)
# Pages whose body is hashed into an ETag (JSON answers and files are handled elsewhere).
ETAGGED = frozenset({"text/html", "application/atom+xml", "application/xml", "text/plain"})
IMMUTABLE = "public, max-age=31536000, immutable"
_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')?#]+)([?#][^"')]*)?\1\s*\)""")


@dataclass
class Asset:
    """One static file as served: bytes, gzip bytes when worth it, digest and type."""

    body: bytes
    gzipped: bytes | None
    digest: str
    mimetype: str
    mtime: float


class StaticFiles:
    """Static files of one folder, loaded on first use and reloaded when they change."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._assets: dict[str, Asset] = {}

    def get(self, filename: str) -> Asset | None:
        """Return the asset for `filename` (relative to the folder), or None."""
        joined = safe_join(self.folder, filename)
        if joined is None:
            return None
        path = Path(joined)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        if not path.is_file():
            return None
        cached = self._assets.get(filename)
        if cached is not None and cached.mtime == mtime:
            return cached
        asset = self._load(filename, path, mtime)
        self._assets[filename] = asset
        return asset

    def url(self, filename: str) -> str:
        """Return the fingerprinted URL path of a static file."""
        asset = self.get(filename)
        base = f"/static/{filename}"
        return f"{base}?v={asset.digest}" if asset else base

    def _load(self, filename: str, path: Path, mtime: float) -> Asset:
        body = path.read_bytes()
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if filename.endswith(".woff2"):
            mimetype = "font/woff2"
        if mimetype == "text/css":
            body = self._fingerprint_css(filename, body)
        digest = hashlib.sha256(body).hexdigest()[:16]
        gzipped = None
        if mimetype in COMPRESSIBLE and len(body) > 256:
            gzipped = gzip.compress(body, compresslevel=9, mtime=0)
            if len(gzipped) >= len(body):
                gzipped = None
        return Asset(body, gzipped, digest, mimetype, mtime)

    def _fingerprint_css(self, filename: str, body: bytes) -> bytes:
        """Return the stylesheet with each relative `url(...)` carrying `?v=<digest>`."""
        here = Path(filename).parent

        def replace(match: re.Match[str]) -> str:
            quote, target = match.group(1), match.group(2)
            if ":" in target or target.startswith("/"):
                return match.group(0)
            relative = (here / target).as_posix()
            parts: list[str] = []
            for part in relative.split("/"):
                if part == "..":
                    if parts:
                        parts.pop()
                elif part not in ("", "."):
                    parts.append(part)
            asset = None if target.endswith(".css") else self.get("/".join(parts))
            if asset is None:
                return match.group(0)
            return f"url({quote}{target}?v={asset.digest}{quote})"

        return _CSS_URL.sub(replace, body.decode("utf-8")).encode("utf-8")


def _files() -> StaticFiles:
    return current_app.extensions["archive_static"]


def static_url(filename: str) -> str:
    """Template global: the fingerprinted URL of a static file (cached for a year)."""
    return _files().url(filename)


def accepts_gzip() -> bool:
    """Return whether the client accepts gzip (and did not refuse it with q=0)."""
    return request.accept_encodings["gzip"] > 0


def serve_static(filename: str) -> Response:
    """The `static` endpoint: fingerprinted, conditional, precompressed."""
    asset = _files().get(filename)
    if asset is None:
        abort(404)
    use_gzip = asset.gzipped is not None and accepts_gzip()
    body = asset.gzipped if use_gzip and asset.gzipped is not None else asset.body
    etag = asset.digest + ("-gz" if use_gzip else "")
    response = Response(body, mimetype=asset.mimetype)
    response.set_etag(etag)
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
        if use_gzip:
            response.headers["Content-Encoding"] = "gzip"
    fresh = request.args.get("v") == asset.digest
    response.headers["Cache-Control"] = IMMUTABLE if fresh else "no-cache"
    g.static_response = True
    return response.make_conditional(request)


def _session_specific() -> bool:
    """Return whether this response may hold something tied to the visitor's session."""
    if current_user.is_authenticated:
        return True
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return field in g or session.modified


def finish_response(response: Response) -> Response:
    """after_request: ETag and 304 for pages, then gzip when safe and worth it."""
    if g.get("static_response"):
        return response
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.mimetype in ETAGGED
        and not response.direct_passthrough
        and not response.is_streamed
        and not _session_specific()
    ):
        body = response.get_data()
        response.set_etag(hashlib.sha256(body).hexdigest()[:32], weak=True)
        response.vary.add("Accept-Language")
        if request.if_none_match.contains_weak(response.get_etag()[0] or ""):
            response.status_code = 304
            response.set_data(b"")
            response.headers.pop("Content-Length", None)
            return response
    _compress(response)
    return response


def _compress(response: Response) -> None:
    if response.mimetype not in COMPRESSIBLE or response.direct_passthrough:
        return
    if response.is_streamed or "Content-Encoding" in response.headers:
        return
    response.vary.add("Accept-Encoding")
    if _session_specific() or not accepts_gzip():
        return
    body = response.get_data()
    if len(body) < current_app.config["COMPRESS_MIN_BYTES"]:
        return
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:  # a strong ETag names one exact byte sequence
        response.set_etag(etag + "-gz")


def has_endpoint(name: str) -> bool:
    """Template global: whether a view endpoint exists (for optional navigation links)."""
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    """Serve static files through `serve_static` and register the response hook."""
    app.extensions["archive_static"] = StaticFiles(str(app.static_folder))
    app.view_functions["static"] = serve_static
    app.after_request(finish_response)
    app.add_template_global(static_url, "static_url")
    app.add_template_global(has_endpoint, "has_endpoint")
