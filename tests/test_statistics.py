"""Public statistics (issue 8): no count below k is shown, no hidden count can be worked out
from the shown ones, staff see exact numbers, withdrawn and uncounted testimonies never count.

The attacker used here reads every story a researcher may open and subtracts their tags from
the shown numbers, and knows more than the page says: the exact sum of the hidden counts of every
table, row and column (as if it knew how many extra or missing tags the testimonies carry: for
single-tag data, plain subtraction from the totals), and that every cross cell lies between its
totals' overlap and the smaller total. It is solved by an integer search written for these tests,
independent of the flow-based auditor in archive/statistics.py.
"""

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import statistics as stats_module
from archive.extensions import db
from archive.models import Testimony
from archive.services import consent as consent_service
from archive.services import testimonies, versions
from archive.services.inputs import ConsentInput, TestimonyInput, VersionInput
from archive.services.testimonies import SYSTEM
from archive.services.withdrawal import withdraw
from tests.factories import login, make_user

K = 5
ROWS, COLUMNS = "identity_group", "discrimination_type"
_KHMER_TO_ASCII = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


# -- the fixture -----------------------------------------------------------------------------


@dataclass
class Group:
    """`n` testimonies with the same tags (refs `stat-<name>-<m>`)."""

    name: str
    n: int
    groups: list[str]
    kinds: list[str]
    settings: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    province: str = "Ratanakiri"
    recorded_on: date | None = date(2023, 10, 27)
    level: str = "public"
    status: str = "published"
    counted: bool = True
    readable: bool = False  # published with an approved Khmer version: researchers can read it


# Exact cross table of the counted ones (identity group × discrimination type), with the part
# researchers can read in brackets:
#   plhiv:      employment 2 (D, staff-level), healthcare 6 + 1, self 1
#   disability: employment 6 + 5 + 5 [5], identity 5
#   indigenous: healthcare 7 + 6 + 1 [6], education 5, self 1
#   youth:      education 5;  lgbtqi: identity 1;  violence: self 2 + 3 [3];  elderly: none
FIXTURE = [
    Group("A", 7, ["indigenous"], ["healthcare"], ["health-facility"], ["healthcare-access"]),
    Group("A2", 6, ["indigenous"], ["healthcare"], ["health-facility"], ["healthcare-access"],
          readable=True),
    Group("B", 6, ["disability"], ["employment"], ["work"], ["decent-work"],
          recorded_on=date(2024, 1, 10), level="researchers"),
    Group("B2", 5, ["disability"], ["employment"], ["work"], ["decent-work"],
          recorded_on=date(2024, 1, 10), level="researchers", readable=True),
    Group("C", 6, ["plhiv"], ["healthcare"], ["health-facility"],
          ["healthcare-access", "id-poor-card"], recorded_on=date(2023, 10, 28), level="staff",
          status="in_review"),
    # The Done-when cell: exactly 2 testimonies, staff-level consent, counted.
    Group("D", 2, ["plhiv"], ["employment"], ["work"], ["decent-work"],
          recorded_on=date(2024, 2, 2), level="staff", status="draft"),
    Group("E", 5, ["indigenous", "youth"], ["education"], ["school"],
          ["education-access", "scholarship"], recorded_on=date(2024, 3, 3), status="draft"),
    # Five in all, but researchers can read three of them: the other two must stay protected.
    Group("F", 2, ["violence"], ["self"], ["family"], ["equal-rights"], level="researchers"),
    Group("F2", 3, ["violence"], ["self"], ["family"], ["equal-rights"], readable=True),
    Group("G", 1, ["lgbtqi"], ["identity"], ["family"], ["equal-rights"], province="Mondulkiri",
          recorded_on=date(2022, 5, 5), level="staff"),
    Group("H", 1, ["plhiv", "indigenous"], ["healthcare", "self"], ["health-facility"],
          ["id-poor-card"], province="Stung Treng", recorded_on=None, level="staff"),
    Group("I", 5, ["disability"], ["employment", "identity"], ["public-space"],
          ["disability-card"], province="Stung Treng", recorded_on=date(2024, 6, 6)),
    # Not counted: the narrators did not agree to be counted (they would make the cell 5).
    Group("J", 3, ["plhiv"], ["employment"], ["work"], ["decent-work"], level="staff",
          counted=False),
]  # fmt: skip
COUNTED = sum(g.n for g in FIXTURE if g.counted)  # 49


def _add(ref: str, g: Group) -> Testimony:
    t = testimonies.create_testimony(
        TestimonyInput(
            ref=ref,
            recorded_on=g.recorded_on,
            province=g.province,
            narrator_alias=f"Alias {ref}",
            terms={"identity_group": g.groups, "discrimination_type": g.kinds,
                   "setting": g.settings, "need": g.needs},
        ),
        SYSTEM,
    )  # fmt: skip
    if g.readable:
        version = versions.add_version(
            t, VersionInput(language="km", kind="original", title=f"Title {ref}",
                            body=f"Body of {ref}."), SYSTEM,
        )  # fmt: skip
        assert version.latest is not None
        versions.set_revision_status(version.latest, "approved", SYSTEM, imported=True)
    if g.status != "draft":
        testimonies.set_status(t, g.status, SYSTEM)
    consent_service.apply_consent(
        t,
        ConsentInput(level=g.level, count_in_statistics=g.counted, publish_languages=["km"]),
        SYSTEM,
        "initial",
    )
    return t


def build_fixture(groups: list[Group]) -> None:
    for g in groups:
        for m in range(g.n):
            _add(f"stat-{g.name}-{m}", g)
    db.session.commit()


def known_to_researchers(groups: list[Group], public: dict[str, Any]) -> dict[str, Any]:
    """What a researcher can tally from the stories she may open, in the shape of the API's
    categories: per dimension and category, and per cross cell."""
    readable = [g for g in groups if g.readable and g.counted]
    tags = {"identity_group": "groups", "discrimination_type": "kinds", "setting": "settings",
            "need": "needs"}  # fmt: skip
    out: dict[str, Any] = {"total": sum(g.n for g in readable), "dims": {}}

    def value_of(g: Group, name: str) -> str | None:
        if name == "province":
            return g.province or None
        return str(g.recorded_on.year) if g.recorded_on else None

    for name, dimension in public["dimensions"].items():
        keys = [c["key"] for c in dimension["categories"]]
        values = []
        for key in keys:
            if name in tags:
                values.append(sum(g.n for g in readable if key in getattr(g, tags[name])))
            elif key is None:
                values.append(sum(g.n for g in readable if value_of(g, name) not in keys))
            else:
                values.append(sum(g.n for g in readable if value_of(g, name) == key))
        out["dims"][name] = values
    rows, columns = public["cross"]["row_keys"], public["cross"]["column_keys"]
    out["cross"] = [
        [sum(g.n for g in readable if a in g.groups and b in g.kinds) for b in columns]
        for a in rows
    ]
    return out


@pytest.fixture
def stats_app(app: Flask) -> Flask:
    with app.app_context():
        build_fixture(FIXTURE)
        for role in ("researcher", "editor", "translator"):
            make_user(role)
    return app


def as_role(app: Flask, role: str | None) -> FlaskClient:
    client = app.test_client()
    if role is not None:
        response = login(client, f"{role}@example.org")
        assert response.status_code in (302, 303), response.status_code
    return client


def get_json(client: FlaskClient, locale: str = "en") -> dict[str, Any]:
    response = client.get(f"/api/v1/statistics?locale={locale}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def cell(data: dict[str, Any], row: str, column: str) -> dict[str, Any]:
    i = data["cross"]["row_keys"].index(row)
    j = data["cross"]["column_keys"].index(column)
    return data["cross"]["cells"][i][j]


def every_count(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield data["total"]
    for dimension in data["dimensions"].values():
        for category in dimension["categories"]:
            yield category["count"]
    for row in data["cross"]["cells"]:
        yield from row
    yield from data["cross"]["row_totals"]
    yield from data["cross"]["column_totals"]
    yield data["cross"]["total"]


# -- what is shown -----------------------------------------------------------------------------


def test_public_and_researchers_see_no_count_below_k(stats_app: Flask) -> None:
    anonymous = get_json(as_role(stats_app, None))
    researcher = get_json(as_role(stats_app, "researcher"))
    assert researcher == anonymous, "researchers see the public numbers"
    assert anonymous["k"] == K and anonymous["exact"] is False and not anonymous["withheld"]
    assert anonymous["total"] == {"value": COUNTED, "suppressed": False}
    counts = list(every_count(anonymous))
    shown = [c["value"] for c in counts if not c["suppressed"]]
    assert shown and min(shown) >= K, shown
    for c in counts:
        assert set(c) == {"value", "suppressed"}, c  # nothing staff-only
        assert (c["value"] is None) == c["suppressed"], c
    # The Done-when cell is hidden, and so are others (complementary suppression).
    assert cell(anonymous, "plhiv", "employment") == {"value": None, "suppressed": True}
    exact = list(every_count(get_json(as_role(stats_app, "editor"))))
    assert sum(c["suppressed"] for c in counts) > sum(c["value"] < K for c in exact)
    # Margins of the cross table are the one-way tables (the same numbers, hidden the same way).
    dims = anonymous["dimensions"]
    assert anonymous["cross"]["row_totals"] == [c["count"] for c in dims[ROWS]["categories"]]
    assert anonymous["cross"]["column_totals"] == [c["count"] for c in dims[COLUMNS]["categories"]]


def _numbers_on_page(html: str) -> list[int]:
    """Every number shown in a table cell and on a chart."""
    main = html[html.index("<main") : html.index("</main>")].translate(_KHMER_TO_ASCII)
    found = []
    for pattern in (r'<td class="num[^"]*">(.*?)</td>', r'class="bar-value"[^>]*>(.*?)</text>'):
        for text in re.findall(pattern, main, flags=re.S):
            text = re.sub(r"<[^>]+>", "", text).strip()
            if re.fullmatch(r"[\d,]+", text):
                found.append(int(text.replace(",", "")))
            else:
                assert text in ("hidden", "បានលាក់", "លាក់") or not re.search(r"\d", text), text
    return found


@pytest.mark.parametrize("role", [None, "researcher"])
def test_the_page_shows_no_count_below_k(stats_app: Flask, role: str | None) -> None:
    client = as_role(stats_app, role)
    data = get_json(client)
    for locale in ("en", "km"):
        html = client.get(f"/statistics?locale={locale}").get_data(as_text=True)
        numbers = _numbers_on_page(html)
        assert numbers and min(numbers) >= K, (locale, numbers)
        assert "exact (staff only)" not in html and "hidden from the public" not in html
    # The page shows the same numbers as the API, in the same places.
    html = client.get("/statistics?locale=en").get_data(as_text=True)
    cross_html = html[html.index('class="stats-table cross-table"') :]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", cross_html, flags=re.S)
    api_rows = [
        [*cells, total]
        for cells, total in zip(data["cross"]["cells"], data["cross"]["row_totals"], strict=True)
    ]
    assert len(rows) == len(api_rows) + 1  # and the totals row
    for row_html, api_row in zip(rows, api_rows, strict=False):
        shown = [
            re.sub(r"<[^>]+>", "", t).strip()
            for t in re.findall(r'<td class="num[^"]*">(.*?)</td>', row_html, flags=re.S)
        ]
        expected = ["hidden" if c["suppressed"] else str(c["value"]) for c in api_row]
        assert shown == expected


def test_staff_see_the_exact_two(stats_app: Flask) -> None:
    for role in ("editor", "translator"):
        client = as_role(stats_app, role)
        data = get_json(client)
        assert data["exact"] is True and data["withheld"] is False
        two = cell(data, "plhiv", "employment")
        assert two == {"value": 2, "suppressed": False, "hidden_from_public": True}
        assert cell(data, "disability", "employment")["value"] == 16
        assert data["total"]["value"] == COUNTED
        # The marks tell staff exactly what the public does not see.
        public = get_json(as_role(stats_app, None))
        for mine, theirs in zip(every_count(data), every_count(public), strict=True):
            assert mine["hidden_from_public"] == theirs["suppressed"]
            assert theirs["value"] in (None, mine["value"])
        html = client.get("/statistics?locale=en").get_data(as_text=True)
        assert "exact (staff only)" in html
        cross_html = html[html.index('class="stats-table cross-table"') :]
        plhiv_row = re.search(r"<tr>\s*<th scope=\"row\">.*?People living with HIV.*?</tr>",
                              cross_html, flags=re.S)  # fmt: skip
        assert plhiv_row is not None
        first = re.search(r'<td class="num">(.*?)</td>', plhiv_row.group(0), flags=re.S)
        assert first is not None and first.group(1).startswith("2 ")
        assert "hidden from the public" in first.group(1)


# -- no hidden count can be worked out ----------------------------------------------------------


@dataclass
class Release:
    """What an attacker works on: the counts of the testimonies she cannot read (the shown
    counts minus what she can tally from the stories she may open): shown ones (None when
    hidden) beside the exact ones."""

    k: int
    total: int
    dims: dict[str, list[tuple[int | None, int]]]  # (shown, exact)
    cross: list[list[tuple[int | None, int]]]
    # Tables the page withholds as a whole: their equations are unknown to the attacker (only
    # allowed for a one-way table whose counts add up to less than k, and for the cross table).
    withheld: set[str] = field(default_factory=set)


def release_from_json(
    public: dict[str, Any], staff: dict[str, Any], known: dict[str, Any]
) -> Release:
    def minus(shown: int | None, r: int) -> int | None:
        return None if shown is None else shown - r

    dims = {}
    for name, dimension in public["dimensions"].items():
        exact = staff["dimensions"][name]["categories"]
        dims[name] = [
            (minus(c["count"]["value"], r), e["count"]["value"] - r)
            for c, e, r in zip(dimension["categories"], exact, known["dims"][name], strict=True)
        ]  # fmt: skip
    cross = [
        [(minus(c["value"], r), e["value"] - r)
         for c, e, r in zip(row, exact_row, known_row, strict=True)]
        for row, exact_row, known_row in zip(public["cross"]["cells"], staff["cross"]["cells"],
                                             known["cross"], strict=True)
    ]  # fmt: skip
    assert not public["total"]["suppressed"]
    withheld = {name for name, d in public["dimensions"].items() if d["withheld"]}
    withheld |= {"cross"} if public["cross"]["withheld"] else set()
    return Release(public["k"], public["total"]["value"] - known["total"], dims, cross, withheld)


Var = tuple[Any, ...]


@dataclass
class Model:
    """Integer variables (the hidden counts) with bounds, linear equations and inequalities
    (coefficients ±1), as the attacker sees them."""

    low: dict[Var, int]
    high: dict[Var, int]
    truth: dict[Var, int]
    # (coefficients, right-hand side, is equation): sum(c * x) == / <= rhs
    constraints: list[tuple[dict[Var, int], int, bool]]
    # Each equation with a shown margin, as (its hidden variables, hidden sum) for the row and
    # column difference test.
    lines: list[tuple[str, dict[Var, int], int]]


def attacker_model(r: Release) -> Model:
    low: dict[Var, int] = {}
    high: dict[Var, int] = {}
    truth: dict[Var, int] = {}
    known: dict[Var, int] = {}

    def term(var: Var, shown: int | None, exact: int) -> None:
        if shown is None:
            low[var], high[var], truth[var] = 0, r.total, exact
        else:
            assert shown == exact
            known[var] = shown

    for name, values in r.dims.items():
        for i, (shown, exact) in enumerate(values):
            term((name, i), shown, exact)
    for name in r.withheld - {"cross"}:
        assert sum(exact for _shown, exact in r.dims[name]) < r.k, f"{name} withheld"
        assert all(shown is None for shown, _exact in r.dims[name])
    cross = [] if "cross" in r.withheld else r.cross
    for i, row in enumerate(cross):
        for j, (shown, exact) in enumerate(row):
            term(("cross", i, j), shown, exact)
    exact_of = {**truth, **known}
    raw: list[tuple[str, dict[Var, int], bool]] = []
    for name, values in r.dims.items():  # a table: its hidden sum is known
        if name not in r.withheld:
            raw.append((name, {(name, i): 1 for i in range(len(values))}, True))
    for i, row in enumerate(cross):  # a row: cells minus its total (the extra tags)
        coefs = {("cross", i, j): 1 for j in range(len(row))}
        raw.append((f"row {i}", {**coefs, (ROWS, i): -1}, True))
    for j in range(len(cross[0]) if cross else 0):
        coefs = {("cross", i, j): 1 for i in range(len(cross))}
        raw.append((f"column {j}", {**coefs, (COLUMNS, j): -1}, True))
    for i, row in enumerate(cross):  # cell <= each total; cell >= their overlap
        for j in range(len(row)):
            x = ("cross", i, j)
            raw.append(("", {x: 1, (ROWS, i): -1}, False))
            raw.append(("", {x: 1, (COLUMNS, j): -1}, False))
            raw.append(("", {(ROWS, i): 1, (COLUMNS, j): 1, x: -1}, False))
    constraints = []
    lines = []
    for label, coefs, is_eq in raw:
        rhs = sum(c * exact_of[v] for v, c in coefs.items()) if is_eq else 0
        if not is_eq and len(coefs) == 3:
            rhs = r.total
        hidden = {v: c for v, c in coefs.items() if v in truth}
        rhs -= sum(c * known[v] for v, c in coefs.items() if v in known)
        if hidden:
            constraints.append((hidden, rhs, is_eq))
        else:
            assert (rhs == 0) if is_eq else (rhs >= 0), label
        if is_eq:
            lines.append((label, hidden, rhs))
    return Model(low, high, truth, constraints, lines)


def _propagate(m: Model, low: dict[Var, int], high: dict[Var, int]) -> bool:
    changed = True
    while changed:
        changed = False
        for coefs, rhs, is_eq in m.constraints:
            least = sum(low[v] if c > 0 else -high[v] for v, c in coefs.items())
            most = sum(high[v] if c > 0 else -low[v] for v, c in coefs.items())
            if least > rhs or (is_eq and most < rhs):
                return False
            for v, c in coefs.items():
                rest_least = least - (low[v] if c > 0 else -high[v])
                rest_most = most - (high[v] if c > 0 else -low[v])
                # c*v <= rhs - rest_least, and for equations c*v >= rhs - rest_most
                top, bottom = rhs - rest_least, (rhs - rest_most if is_eq else None)
                new_low, new_high = low[v], high[v]
                if c > 0:
                    new_high = min(new_high, top)
                    if bottom is not None:
                        new_low = max(new_low, bottom)
                else:
                    new_low = max(new_low, -top)
                    if bottom is not None:
                        new_high = min(new_high, -bottom)
                if new_low > new_high:
                    return False
                if (new_low, new_high) != (low[v], high[v]):
                    low[v], high[v] = new_low, new_high
                    changed = True
    return True


class SearchLimit(Exception):
    pass


def feasible(m: Model, var: Var, low: int, high: int, budget: list[int]) -> bool:
    """Return whether the hidden counts can take values consistent with everything the
    attacker knows with `var` in [low, high] (depth-first search, interval propagation)."""
    lows, highs = dict(m.low), dict(m.high)
    lows[var], highs[var] = max(lows[var], low), min(highs[var], high)
    if lows[var] > highs[var]:
        return False
    return _search(m, lows, highs, budget)


def _search(m: Model, low: dict[Var, int], high: dict[Var, int], budget: list[int]) -> bool:
    budget[0] -= 1
    if budget[0] < 0:
        raise SearchLimit
    if not _propagate(m, low, high):
        return False
    open_vars = [v for v in low if low[v] < high[v]]
    if not open_vars:
        return True
    v = min(open_vars, key=lambda x: high[x] - low[x])
    # The true values are a solution of everything but the query: try the value nearest the
    # true one first, then the rest (the order only changes the speed).
    near = min(max(m.truth[v], low[v]), high[v])
    branches = [(near, near), (low[v], near - 1), (near + 1, high[v])]
    for a, b in branches:
        if a > b:
            continue
        lows, highs = dict(low), dict(high)
        lows[v], highs[v] = a, b
        if _search(m, lows, highs, budget):
            return True
    return False


def attack(r: Release) -> list[str]:
    """Return every hidden count the attacker can pin down or tell is small (none: safe)."""
    m = attacker_model(r)
    problems = []
    budget = [200_000]
    assert feasible(m, next(iter(m.truth)), 0, r.total, budget) if m.truth else True
    for var, value in m.truth.items():
        others = feasible(m, var, 0, value - 1, budget) or feasible(m, var, value + 1, r.total,
                                                                  budget)  # fmt: skip
        if not others:
            problems.append(f"{var} = {value} is the only possible value")
        if value < r.k and not feasible(m, var, r.k, r.total, budget):
            problems.append(f"{var} = {value} is known to be below {r.k}")
    return problems


def differences(r: Release) -> list[str]:
    """The row and column difference test: in every table, row and column whose total is
    shown, "total minus the shown counts" must not recover a hidden count on its own."""
    m = attacker_model(r)
    problems = []
    for label, hidden, rest in m.lines:
        if len(hidden) == 1:
            problems.append(f"{label}: exactly one hidden count")
            continue
        for var, c in hidden.items():
            # c*var = rest - sum(others): the interval this one line leaves for var
            others = [(w, d) for w, d in hidden.items() if w != var]
            least = sum(m.low[w] if d > 0 else -m.high[w] for w, d in others)
            most = sum(m.high[w] if d > 0 else -m.low[w] for w, d in others)
            bounds = sorted((c * (rest - most), c * (rest - least)))
            low, high = max(m.low[var], bounds[0]), min(m.high[var], bounds[1])
            if high - low < 1:
                problems.append(f"{label}: {var} is pinned to {low}")
            if m.truth[var] < r.k and high < r.k:
                problems.append(f"{label}: {var} is known to be below {r.k}")
    return problems


def _researcher_view(app: Flask) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    public = get_json(as_role(app, None))
    staff = get_json(as_role(app, "editor"))
    known = known_to_researchers(FIXTURE, public)
    # The stories the fixture calls readable are exactly those a researcher can open.
    researcher = as_role(app, "researcher")
    with app.app_context():
        for g in FIXTURE:
            ids = db.session.scalars(
                db.select(Testimony.public_id).where(Testimony.ref.like(f"stat-{g.name}-%"))
            ).all()
            for public_id in ids:
                status = researcher.get(f"/t/{public_id}").status_code
                assert status == (200 if g.readable else 404), (g.name, status)
    return public, staff, known


def test_no_hidden_count_can_be_worked_out(stats_app: Flask) -> None:
    """Every row, column and table difference, then a search over every hidden count, by an
    attacker who also subtracts what she can read as a researcher."""
    public, staff, known = _researcher_view(stats_app)
    assert known["total"] == 14
    release = release_from_json(public, staff, known)
    hidden = sum(v is None for values in release.dims.values() for v, _e in values)
    hidden += sum(v is None for row in release.cross for v, _e in row)
    assert hidden >= 10
    assert differences(release) == []
    assert attack(release) == []
    # The public, who can read fewer stories, knows less: the same release is safe for her.
    nothing = {"total": 0, "dims": {n: [0] * len(v) for n, v in known["dims"].items()},
               "cross": [[0] * len(row) for row in known["cross"]]}  # fmt: skip
    assert differences(release_from_json(public, staff, nothing)) == []
    assert attack(release_from_json(public, staff, nothing)) == []


def test_the_attack_finds_what_plain_small_count_hiding_leaks(stats_app: Flask) -> None:
    """Positive control: hiding only the counts below k (no complementary suppression) is
    caught, by the difference test and by the search."""
    _public, staff, known = _researcher_view(stats_app)
    naive = get_json(as_role(stats_app, "editor"))
    for count in every_count(naive):
        if count["value"] < K:
            count["value"], count["suppressed"] = None, True
    zero = {"total": 0, "dims": {n: [0] * len(v) for n, v in known["dims"].items()},
            "cross": [[0] * len(row) for row in known["cross"]]}  # fmt: skip
    release = release_from_json(naive, staff, zero)
    assert any("exactly one hidden count" in p or "pinned" in p for p in differences(release))
    assert attack(release) != []


def test_the_attack_finds_what_ignoring_readable_stories_leaks(stats_app: Flask) -> None:
    """Positive control: a suppression computed on the full counts (as if nobody could read any
    story) lets a researcher work out the part hidden from her: "family" counts 6 testimonies, of
    which she reads 3 (F2), so showing 6 tells her that exactly 3 are hidden from her."""
    public, staff, known = _researcher_view(stats_app)
    dims = tuple(
        (name, tuple(c["count"]["value"] for c in d["categories"]))
        for name, d in staff["dimensions"].items()
    )
    cross = tuple(tuple(c["value"] for c in row) for row in staff["cross"]["cells"])
    full = stats_module._suppress(staff["total"]["value"], dims, cross, K)
    assert not full.withheld
    family = [c["key"] for c in staff["dimensions"]["setting"]["categories"]].index("family")
    assert ("setting", family) not in full.hidden
    assert staff["dimensions"]["setting"]["categories"][family]["count"]["value"] == 6
    assert known["dims"]["setting"][family] == 3
    naive = get_json(as_role(stats_app, "editor"))
    for name, d in naive["dimensions"].items():
        for n, c in enumerate(d["categories"]):
            if (name, n) in full.hidden:
                c["count"].update(value=None, suppressed=True)
    for a, row in enumerate(naive["cross"]["cells"]):
        for b, c in enumerate(row):
            if ("cross", a, b) in full.hidden:
                c.update(value=None, suppressed=True)
    shown_small = [
        (name, n)
        for name, values in release_from_json(naive, staff, known).dims.items()
        for n, (shown, _exact) in enumerate(values)
        if shown is not None and shown < K
    ]
    assert ("setting", family) in shown_small
    assert public["dimensions"]["setting"]["categories"][family]["count"]["suppressed"], (
        "the real page hides it"
    )


# Random archives: the suppression of archive/statistics.py against the independent attacker.

TAGS = {ROWS: ["a", "b", "c"], COLUMNS: ["x", "y", "z"], "setting": ["s", "t"]}


@st.composite
def archives(draw: Any) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=0, max_value=30))
    subsets = {name: st.lists(st.sampled_from(values), unique=True, max_size=2)
               for name, values in TAGS.items()}  # fmt: skip
    return [
        {
            **{name: draw(s) for name, s in subsets.items()},
            "province": draw(st.sampled_from(["P", "Q", "R", None])),
            "year": draw(st.sampled_from(["2023", "2024", None])),
            "readable": draw(st.booleans()),
        }
        for _ in range(n)
    ]


def release_of(archive: list[dict[str, Any]], k: int) -> Release | None:
    """Count a synthetic archive as archive/statistics.py does, run its suppression, and
    return what an attacker who reads the readable ones works on."""
    unreadable = [t for t in archive if not t["readable"]]
    readable = [t for t in archive if t["readable"]]
    dims: list[tuple[str, tuple[int, ...], tuple[bool, ...]]] = []
    for name, values in TAGS.items():
        counts = tuple(sum(v in t[name] for t in unreadable) for v in values)
        dims.append((name, counts))
    for name in ("province", "year"):
        hidden_tally: dict[Any, int] = defaultdict(int)
        read_tally: dict[Any, int] = defaultdict(int)
        for t in unreadable:
            hidden_tally[t[name]] += 1
        for t in readable:
            read_tally[t[name]] += 1
        named = sorted(key for key, n in read_tally.items() if key is not None and n >= k)
        other = sum(n for key, n in hidden_tally.items() if key not in named)
        counts = (*(hidden_tally[key] for key in named), other)
        dims.append((name, counts))
    cross = tuple(tuple(sum(a in t[ROWS] and b in t[COLUMNS] for t in unreadable)
                        for b in TAGS[COLUMNS]) for a in TAGS[ROWS])  # fmt: skip
    result = stats_module._suppress(len(unreadable), tuple(dims), cross, k)
    every = [("total",), *((name, i) for name, values in dims for i in range(len(values)))]
    if result.withheld:
        assert set(every) <= result.hidden
        return None
    out = Release(k, len(unreadable), {}, [], set(result.withheld_tables))
    for name, values in dims:
        out.dims[name] = [
            (None if (name, i) in result.hidden else v, v) for i, v in enumerate(values)
        ]
    out.cross = [[(None if ("cross", i, j) in result.hidden else v, v) for j, v in enumerate(row)]
                 for i, row in enumerate(cross)]  # fmt: skip
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(archive=archives(), k=st.sampled_from([3, 5]))
def test_suppression_holds_on_random_archives(archive: list[dict[str, Any]], k: int) -> None:
    release = release_of(archive, k)
    if release is None:
        return
    shown = [v for values in release.dims.values() for v, _e in values if v is not None]
    shown += [v for row in release.cross for v, _e in row if v is not None]
    assert all(v >= k for v in shown)
    assert differences(release) == []
    assert attack(release) == []


# -- what is counted ---------------------------------------------------------------------------


def _exact(client: FlaskClient) -> tuple[int, int]:
    data = get_json(client)
    return data["total"]["value"], cell(data, "plhiv", "employment")["value"]


def test_withdrawn_and_uncounted_testimonies_are_never_counted(stats_app: Flask) -> None:
    staff = as_role(stats_app, "editor")
    assert _exact(staff) == (COUNTED, 2)
    with stats_app.app_context():
        uncounted = db.session.scalars(
            db.select(Testimony).where(Testimony.ref.like("stat-J-%"))
        ).all()
        assert len(uncounted) == 3
        # Positive control: were they counted, the numbers would change.
        for t in uncounted:
            assert t.consent is not None
            t.consent.count_in_statistics = True
        db.session.commit()
    assert _exact(staff) == (COUNTED + 3, 5)
    with stats_app.app_context():
        for t in db.session.scalars(db.select(Testimony).where(Testimony.ref.like("stat-J-%"))):
            assert t.consent is not None
            t.consent.count_in_statistics = False
        db.session.commit()
    assert _exact(staff) == (COUNTED, 2)

    # A counted testimony is counted until it is withdrawn (through the real service).
    with stats_app.app_context():
        _add("stat-withdrawn", Group("W", 1, ["plhiv"], ["employment"], level="staff"))
        db.session.commit()
    assert _exact(staff) == (COUNTED + 1, 3)
    with stats_app.app_context():
        t = db.session.scalar(db.select(Testimony).where(Testimony.ref == "stat-withdrawn"))
        assert t is not None
        withdraw(t, SYSTEM, "narrator-request", t.ref)
        db.session.commit()
    assert _exact(staff) == (COUNTED, 2)

    # The rule itself, not only the erasure: a withdrawn level or a withdrawal time is enough.
    with stats_app.app_context():
        t = db.session.scalar(db.select(Testimony).where(Testimony.ref == "stat-D-0"))
        assert t is not None and t.consent is not None
        t.consent.level = "withdrawn"  # tags and the count flag left in place on purpose
        db.session.commit()
    assert _exact(staff) == (COUNTED - 1, 1)
    with stats_app.app_context():
        t = db.session.scalar(db.select(Testimony).where(Testimony.ref == "stat-D-0"))
        assert t is not None and t.consent is not None
        t.consent.level = "staff"
        t.withdrawn_at = t.created_at
        db.session.commit()
    assert _exact(staff) == (COUNTED - 1, 1)
    with stats_app.app_context():
        t = db.session.scalar(db.select(Testimony).where(Testimony.ref == "stat-D-0"))
        assert t is not None
        t.withdrawn_at = None
        db.session.commit()
    assert _exact(staff) == (COUNTED, 2)  # positive control for the two changes above


def test_too_few_testimonies_withhold_everything(app: Flask) -> None:
    with app.app_context():
        for m in range(K - 1):
            _add(f"few-{m}", Group("few", 1, ["indigenous"], ["healthcare"]))
        db.session.commit()
        make_user("editor")
    data = get_json(app.test_client())
    assert data["withheld"] is True
    assert all(c["suppressed"] for c in every_count(data))
    html = app.test_client().get("/statistics?locale=en").get_data(as_text=True)
    assert "not yet enough testimonies" in html
    assert _numbers_on_page(html) == []
    assert get_json(as_role(app, "editor"))["total"]["value"] == K - 1


# -- the page ----------------------------------------------------------------------------------


def test_labels_and_digits_follow_the_ui_language(stats_app: Flask) -> None:
    client = as_role(stats_app, None)
    en = client.get("/statistics?locale=en").get_data(as_text=True)
    km = client.get("/statistics?locale=km").get_data(as_text=True)
    assert '<html lang="en"' in en and '<html lang="km"' in km
    assert "People living with HIV" in en and "Ratanakiri" in en
    assert "អ្នករស់នៅជាមួយមេរោគអេដស៍" in km  # the (draft) Khmer label of plhiv
    assert "49" in en and "៤៩" in km and ">49<" not in km
    assert "2023" in en and "២០២៣" in km  # a named year, in Khmer digits
    assert get_json(client, "km")["dimensions"][ROWS]["categories"][0]["label"] == (
        "អ្នករស់នៅជាមួយមេរោគអេដស៍"
    )
    assert get_json(client, "en")["dimensions"][ROWS]["categories"][0]["label"] == (
        "People living with HIV"
    )


def test_page_structure_is_accessible(stats_app: Flask) -> None:
    html = as_role(stats_app, None).get("/statistics?locale=en").get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    assert main.count("<h1") == 1
    tables = re.findall(r"<table.*?</table>", main, flags=re.S)
    assert len(tables) == 7  # six dimensions and the cross table
    for table in tables:
        assert "<caption" in table
        for th in re.findall(r"<th(?:\s[^>]*)?>", table):
            assert 'scope="col"' in th or 'scope="row"' in th, th
    cross = tables[-1]
    assert cross.count('scope="col"') == 1 + 5 + 1 and cross.count('scope="row"') == 7 + 1
    svgs = re.findall(r"<svg.*?</svg>", main, flags=re.S)
    assert len(svgs) == 6
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert "style=" not in svg and "<script" not in svg
        labelled = re.search(r'aria-labelledby="([^"]+)"', svg)
        assert labelled is not None
        for ref in labelled.group(1).split():
            assert f'id="{ref}"' in svg
    assert "style=" not in main and "<style" not in main
    assert "to protect narrators in small communities, numbers below 5 are not shown" in (
        main.lower()
    )
    assert 'href="/static/css/statistics.css' in html


def test_hidden_bars_do_not_show_their_size(stats_app: Flask) -> None:
    """A hidden count is drawn as the same small hatched box, whatever it is."""
    html = as_role(stats_app, None).get("/statistics?locale=en").get_data(as_text=True)
    boxes = re.findall(r'<rect [^>]*fill="url\(#[^)]+-hatch\)"[^>]*>', html)
    assert boxes
    assert len({re.sub(r' y="[^"]+"', "", b).split("url(")[0] for b in boxes}) == 1


def test_k_cannot_be_set_below_three(app: Flask) -> None:
    app.config["STATISTICS_K"] = 1
    assert get_json(app.test_client())["k"] == 3
    app.config["STATISTICS_K"] = 7
    assert get_json(app.test_client())["k"] == 7
