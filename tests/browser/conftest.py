"""The public site in a real browser: Debian's Chromium driven by Playwright for Python, against
the app served by a real HTTP server (a thread) on a copy of the demo archive.

No pytest-playwright plugin: `sync_playwright()` from plain fixtures. A missing Chromium fails
every browser test with the command that installs it; it is never skipped.
"""

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from archive.extensions import db
from archive.models import SupportContact, Testimony
from archive.search.hooks import drain_now
from archive.services import consent as consent_service
from archive.services import testimonies, versions
from archive.services.inputs import ConsentInput, TestimonyInput, VersionInput
from archive.services.testimonies import SYSTEM
from tests.conftest import ROOT, Templates, dispose, make_app

CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = "apt-get install -y chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")

# A story with a content warning (the demo's are not public) and one in Jarai (Latin script,
# with the breve letters that have no precomposed form).
CW_BODY_KM = (
    "ខ្ញុំចង់និយាយអំពីពេលដែលប្ដីរបស់ខ្ញុំវាយខ្ញុំ ហើយអ្នកភូមិមិនជួយ។\n\n"
    "បន្ទាប់ពីខ្ញុំចូលរួមក្រុមស្ត្រី ខ្ញុំដឹងថាខ្ញុំមិននៅម្នាក់ឯងទេ។ "
    "ឥឡូវនេះខ្ញុំជួយស្ត្រីផ្សេងទៀតឱ្យស្វែងរកជំនួយ។"
)
CW_BODY_EN = (
    "I want to speak about the time my husband beat me and no one in the village helped.\n\n"
    "After I joined the women's group I learned that I was not alone. "
    "Now I help other women to find support."
)
# Test text (not Jarai sentences): the letters the Latin font must draw itself.
JARAI_TITLE = "Jarai test: Ơ̆ ơ̆ Ư̆ ư̆ ĭ ĕ"
JARAI_BODY = "Letters: ơ̆ ư̆ ĭ ĕ ŏ ŭ ă â ê ô ơ ư č đ ƀ ñ."


@dataclass
class Site:
    url: str
    app: Flask
    ids: dict[str, str] = field(default_factory=dict)

    def at(self, path: str) -> str:
        return self.url + path


def _story(
    ref: str,
    versions_spec: list[tuple[str, str, str, str, str]],
    groups: list[str],
    kinds: list[str],
    warning: bool = False,
) -> Testimony:
    t = testimonies.create_testimony(
        TestimonyInput(
            ref=ref,
            recorded_on=date(2024, 2, 10),
            province="Ratanakiri",
            narrator_alias="Test Alias",
            content_warning=warning,
            original_language=versions_spec[0][0],
            terms={"identity_group": groups, "discrimination_type": kinds},
            organisations=["WPM"],
        ),
        SYSTEM,
    )
    for language, kind, title, summary, body in versions_spec:
        version = versions.add_version(
            t,
            VersionInput(
                language=language,
                kind=kind,
                title=title,
                summary=summary,
                body=body,
                translated_from=None if kind == "original" else versions_spec[0][0],
            ),
            SYSTEM,
        )
        assert version.latest is not None
        versions.set_revision_status(version.latest, "approved", SYSTEM, imported=True)
    testimonies.set_status(t, "published", SYSTEM)
    consent_service.apply_consent(
        t,
        ConsentInput(
            level="public",
            publish_languages=[spec[0] for spec in versions_spec],
            show_alias=False,
        ),
        SYSTEM,
        "initial",
    )
    db.session.commit()
    return t


def _add_fixtures(app: Flask) -> dict[str, str]:
    with app.app_context():
        cw = _story(
            "browser-cw",
            [
                ("km", "original", "ការរស់រានពីអំពើហិង្សា", "ស្ត្រីម្នាក់និយាយពីអំពើហិង្សាក្នុងគ្រួសារ។", CW_BODY_KM),
                (
                    "en",
                    "translation",
                    "Surviving violence",
                    "A woman speaks about violence at home.",
                    CW_BODY_EN,
                ),
            ],
            ["violence", "indigenous"],
            ["self"],
            warning=True,
        )
        jarai = _story(
            "browser-jarai",
            [
                ("jra-Latn", "original", JARAI_TITLE, "Ơ̆ ư̆ ĭ", JARAI_BODY),
                ("km", "translation", "រឿងជាភាសាចារ៉ាយ", "រឿងខ្លីមួយ។", "ខ្ញុំរស់នៅក្នុងភូមិ។"),
            ],
            ["indigenous"],
            ["identity"],
        )
        db.session.add(
            SupportContact(
                name_km="ខ្សែទូរស័ព្ទជំនួយស្ត្រី",
                name_en="Women's helpline",
                description_km="ការប្រឹក្សាដោយឥតគិតថ្លៃ និងសម្ងាត់",
                description_en="Free and confidential counselling",
                phone="+855 12 000 000",
                position=1,
            )
        )
        db.session.commit()
        drain_now()
        first = db.session.scalar(db.select(Testimony.public_id).where(Testimony.ref == "demo-001"))
        return {"story": str(first), "cw": cw.public_id, "jarai": jarai.public_id}


@pytest.fixture(scope="session")
def site(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on a copy of the demo archive (plus the fixtures above), served over HTTP."""
    instance = tmp_path_factory.mktemp("browser") / "instance"
    uri, cleanup = templates.clone("sqlite", True, instance)
    app = make_app(instance, uri, PAGE_SIZE=4)
    ids = _add_fixtures(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", app, ids)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        dispose(app)
        cleanup()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright; fails loudly when it is not installed."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need it. "
            f"Install it with `{INSTALL_HINT}` (as root).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
