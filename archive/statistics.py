"""Public statistics: counts of testimonies that cannot identify a narrator.

What is counted
---------------
Every testimony that is not withdrawn and whose consent says it may be counted
(`Consent.count_in_statistics`), whatever its consent level (public, researchers or staff) and
whatever its editorial status. Draft and in-review testimonies are counted on purpose: they are
real testimonies whose narrators agreed to be counted; editorial status is about whether the
*text* is ready to publish, not whether the person and her experience exist. That is also why
these numbers need protecting: most counted testimonies are not readable by the public. Unknown
consent levels or statuses are not counted (deny by default). The rule is `counted_filter`.

Who sees what
-------------
Staff (`tier_of(user) is Tier.STAFF`) see exact numbers, labelled as such, with a mark on the
numbers the public does not see. Everyone else (the public and researchers) sees the same
protected numbers, computed per request from the database (only the pure suppression result is
cached, keyed by the exact numbers themselves, so a change in the data is never served stale).

What is shown
-------------
The number of counted testimonies N; one table per dimension (identity group, discrimination
type, setting, need, province, year recorded); and the identity group × discrimination type
cross table whose row and column totals are exactly the identity group and discrimination type
tables (the same numbers, hidden the same way). A testimony with several tags counts in each of
its categories and cells; every total counts testimonies, not tags, so totals are not sums.
"Not recorded" is not a category of the vocabulary tables. Provinces and years are free values:
one is named only when researchers can read at least k of its testimonies (so a name reveals
nothing about the others); all the rest, and "not recorded", are pooled in one "other" row.

What is protected: the testimonies readers cannot open
-------------------------------------------------------
The tags of every story a reader may open are on its page. Anyone can tally them and subtract
them from the statistics, leaving the counts of the testimonies she cannot read: those are what
must not be worked out. So the suppression is decided on the counts of the counted testimonies
that researchers (the non-staff readers who can open the most) cannot read, the rule for "can
read" being `policy.testimony_filter(Tier.RESEARCHERS)`; the public, who can read fewer, knows
less. Shown numbers are always the full counts.

Suppression (see `suppress`), on those counts
---------------------------------------------
1. Primary: every count below k is hidden, **zero included**: a 0 shown beside hidden numbers
   would tell readers that each hidden one holds at least one person, and the issue asks that no
   count below k is shown.
2. Every hidden number is shown the same way ("hidden"), whether it is small or was hidden to
   protect a small one, as statistics offices do: a separate "fewer than k" label would tell an
   attacker which hidden numbers are small and bound the others to k or more, which can pin a
   small one (for instance x + y = 5 with y ≥ 5 gives x = 0). The page explains in plain words
   that hidden numbers are below k or hidden to protect those.
3. Complementary: the numbers that stay shown must not let anyone work out a hidden one. The
   auditor models an attacker who knows every shown number, k, and more than the page says: the
   exact sum of the hidden cells of every row, column and table (as if the page also told how
   many extra or missing tags the testimonies carry: for single-tag data, plain subtraction from
   the totals), every cell ≤ its row and column totals, and every cross cell ≥ row + column - N
   (two large groups must overlap). Under that model every hidden number below k must be able to
   be k or more (so nobody can tell that it is small, nor that a group of hidden ones adds up to
   little: the "upper protection" of cell suppression), and every other hidden number must have
   at least two possible values. The equations form a network (tables, rows and columns as
   nodes, counts as edges), so a witness is a flow pushed around a cycle of hidden cells; each
   witness is then checked against the inequalities that are not network constraints. While some
   hidden number is unprotected, the smallest shown number that protects it is hidden too (else
   the smallest next to it, and the check runs again).
4. Withheld tables: a table whose counts add up to less than k cannot protect them from someone
   who knew that sum; it is withheld as a whole (the page says so) and, as nothing of it is
   shown, its equation is not known to anyone. When the cross table's small cells cannot be
   protected, the cross table is withheld; when even that does not protect everything, or fewer
   than k counted testimonies are unreadable, everything is withheld, N included.

Limits: the attacker model is the linear one used in statistical disclosure control; it does not
prove that each alternative can be realised by an actual set of tagged testimonies. The choice of
complementary cells (smallest first) is deterministic and public, so an attacker who knows the
algorithm learns that each complementary number is not larger than the shown ones it was
preferred to. Numbers are live: comparing the page before and after one testimony is added,
published or withdrawn shows how that testimony is tagged.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import aliased

from .extensions import db
from .i18n import localize_digits
from .models import (
    Consent,
    ConsentLevel,
    Testimony,
    TestimonyStatus,
    VocabularyKind,
    VocabularyTerm,
    testimony_terms,
)
from .policy import Tier, testimony_filter, tier_of
from .presenters import Label, term_label

# The dimensions, in the order the page shows them.
VOCABULARY_DIMENSIONS = (
    VocabularyKind.IDENTITY_GROUP.value,
    VocabularyKind.DISCRIMINATION_TYPE.value,
    VocabularyKind.SETTING.value,
    VocabularyKind.NEED.value,
)
OPEN_DIMENSIONS = ("province", "year")
DIMENSIONS = VOCABULARY_DIMENSIONS + OPEN_DIMENSIONS
ROWS, COLUMNS = VocabularyKind.IDENTITY_GROUP.value, VocabularyKind.DISCRIMINATION_TYPE.value

TITLES = {
    "identity_group": _l("Identity groups"),
    "discrimination_type": _l("Types of discrimination"),
    "setting": _l("Where it happened"),
    "need": _l("Needs and requests"),
    "province": _l("Province"),
    "year": _l("Year recorded"),
}
OTHER_LABELS = {
    "province": _l("Other provinces, or not recorded"),
    "year": _l("Other years, or not recorded"),
}

# Consent levels that may be counted (withdrawn, and any unknown level, never are).
COUNTED_LEVELS = (ConsentLevel.PUBLIC.value, ConsentLevel.RESEARCHERS.value,
                  ConsentLevel.STAFF.value)  # fmt: skip
# The smallest k the archive accepts, whatever the configuration says.
MIN_K = 3
# The node of the equations nobody can know (those of withheld tables).
_FREE = "free"
# How many other paths the auditor tries for one unit of a witness after one broke an inequality.
_RETRIES = 12


def counted_filter() -> ColumnElement[bool]:
    """Return a WHERE clause on `Testimony` selecting the testimonies statistics count.

    (A counting rule next to the visibility rules: the lead may move it to `policy.py`.)
    """
    c = aliased(Consent)
    return and_(
        Testimony.withdrawn_at.is_(None),
        Testimony.status.in_([s.value for s in TestimonyStatus]),
        exists(
            select(c.id).where(
                c.testimony_id == Testimony.id,
                c.level.in_(COUNTED_LEVELS),
                c.count_in_statistics.is_(True),
            )
        ),
    )


def threshold() -> int:
    """Return k: counts below it are never shown to non-staff (STATISTICS_K, at least 3)."""
    return max(MIN_K, int(current_app.config["STATISTICS_K"]))


# -- exact counts ----------------------------------------------------------------------------


@dataclass
class Exact:
    """Exact counts. Never handed to a template or JSON for non-staff viewers.

    `known*` count the counted testimonies a researcher can open: their tags are on their pages,
    so anyone who reads them can subtract them from the statistics. What must be protected is
    the rest (`counts - known`): the counted testimonies no researcher can read.
    """

    total: int
    # dimension -> category keys (a slug, a province, a year as text; None: the pooled "other")
    keys: dict[str, list[str | None]]
    counts: dict[str, list[int]]
    cross: list[list[int]]  # [identity group][discrimination type], vocabulary order
    known_total: int
    known: dict[str, list[int]]
    known_cross: list[list[int]]


@dataclass
class _Tally:
    total: int = 0
    vocabulary: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    cross: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    open: dict[str, dict[str | None, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )


def count_exact(k: int) -> Exact:
    """Count the counted testimonies (and those of them researchers can read) by every
    dimension and the cross table."""
    rows = db.session.execute(
        select(Testimony.id, Testimony.province, Testimony.recorded_on).where(counted_filter())
    ).all()
    readable = set(
        db.session.scalars(
            select(Testimony.id).where(counted_filter(), testimony_filter(Tier.RESEARCHERS))
        )
    )
    tags: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    tagged = db.session.execute(
        select(testimony_terms.c.testimony_id, VocabularyTerm.kind, VocabularyTerm.slug)
        .join(VocabularyTerm, VocabularyTerm.id == testimony_terms.c.term_id)
        .join(Testimony, Testimony.id == testimony_terms.c.testimony_id)
        .where(counted_filter())
    ).all()
    for testimony_id, kind, slug in tagged:
        tags[testimony_id][kind].add(slug)
    every, known = _Tally(), _Tally()
    for testimony_id, province, recorded_on in rows:
        for tally in (every, known) if testimony_id in readable else (every,):
            tally.total += 1
            mine = tags[testimony_id]
            for name in VOCABULARY_DIMENSIONS:
                for slug in mine[name]:
                    tally.vocabulary[name][slug] += 1
            for group in mine[ROWS]:
                for kind in mine[COLUMNS]:
                    tally.cross[(group, kind)] += 1
            tally.open["province"][(province or "").strip() or None] += 1
            tally.open["year"][str(recorded_on.year) if recorded_on else None] += 1
    keys: dict[str, list[str | None]] = {}
    counts: dict[str, list[int]] = {}
    known_counts: dict[str, list[int]] = {}
    for name in VOCABULARY_DIMENSIONS:
        slugs = _vocabulary(name)
        keys[name] = list(slugs)
        counts[name] = [every.vocabulary[name][slug] for slug in slugs]
        known_counts[name] = [known.vocabulary[name][slug] for slug in slugs]
    for name in OPEN_DIMENSIONS:
        seen, readable_counts = every.open[name], known.open[name]
        # Named only when researchers can read at least k of its testimonies: a name then
        # tells nothing about the testimonies they cannot read.
        named = sorted(key for key, n in readable_counts.items() if key is not None and n >= k)
        keys[name] = [*named, None]
        counts[name] = [seen[key] for key in named]
        counts[name].append(sum(n for key, n in seen.items() if key not in named))
        known_counts[name] = [readable_counts[key] for key in named]
        known_counts[name].append(sum(n for key, n in readable_counts.items() if key not in named))
    rows_, columns = keys[ROWS], keys[COLUMNS]
    return Exact(
        total=every.total,
        keys=keys,
        counts=counts,
        cross=[[every.cross[(g, d)] for d in columns] for g in rows_],
        known_total=known.total,
        known=known_counts,
        known_cross=[[known.cross[(g, d)] for d in columns] for g in rows_],
    )


def _vocabulary(kind: str) -> list[str]:
    """Return the slugs of a vocabulary, in its order (terms admins add appear too)."""
    return list(
        db.session.scalars(
            select(VocabularyTerm.slug)
            .where(VocabularyTerm.kind == kind)
            .order_by(VocabularyTerm.position, VocabularyTerm.id)
        )
    )


# -- suppression ---------------------------------------------------------------------------------

# A cell of the release: ("total",), (dimension, index) or ("cross", row, column).
CellId = tuple[Any, ...]


@dataclass
class Suppression:
    hidden: frozenset[CellId]
    withheld: bool = False  # everything hidden, N included
    # Tables hidden as a whole (a dimension's name, or "cross"): too few tags to show any of it.
    withheld_tables: frozenset[str] = frozenset()


def suppress(exact: Exact, k: int) -> Suppression:
    """Return which counts the public may not see (see the module docstring).

    The suppression is decided on the counts of testimonies researchers cannot read (a shown
    count minus what a reader can tally from the stories she may open); every count shown is
    the full count.
    """
    dims = tuple(
        (
            name,
            tuple(n - r for n, r in zip(exact.counts[name], exact.known[name], strict=True)),
        )
        for name in DIMENSIONS
    )
    cross = tuple(
        tuple(n - r for n, r in zip(row, known, strict=True))
        for row, known in zip(exact.cross, exact.known_cross, strict=True)
    )
    return _suppress(exact.total - exact.known_total, dims, cross, k)


@lru_cache(maxsize=64)
def _suppress(
    total: int, dims: tuple[tuple[str, tuple[int, ...]], ...],
    cross: tuple[tuple[int, ...], ...], k: int,
) -> Suppression:  # fmt: skip
    """The suppression of one release, from the counts to protect: `dims` are (dimension,
    counts), `cross` the cross table. Withholds the cross table when nothing else protects its
    small cells, and everything when even that is not enough."""
    every: list[CellId] = [("total",)]
    every += [(name, i) for name, values in dims for i in range(len(values))]
    every += [("cross", i, j) for i, row in enumerate(cross) for j in range(len(row))]
    if total < k:
        return Suppression(frozenset(every), withheld=True)
    for without_cross in (False, True):
        found = _attempt(total, dims, cross, k, without_cross)
        if found is not None:
            return found
    return Suppression(frozenset(every), withheld=True)


def _attempt(
    total: int, dims: tuple[tuple[str, tuple[int, ...]], ...],
    cross: tuple[tuple[int, ...], ...], k: int, without_cross: bool,
) -> Suppression | None:  # fmt: skip
    """One try: None when some small count cannot be protected.

    A table is withheld as a whole (every count hidden) when its counts add up to less than k
    (nothing could protect them from someone who knew that sum), and the cross table also when
    `without_cross`. Nothing of a withheld table is shown, so nothing on the page tells how many
    tags it holds: its equations are dropped (their nodes become the free node) and its counts
    may take any value within their bounds.
    """
    withheld = {name for name, values in dims if sum(values) < k}
    if without_cross or sum(map(sum, cross)) < k:
        withheld.add("cross")
    free = {f"{name}:{end}" for name in withheld for end in ("in", "out")}
    free |= {"S"} if ROWS in withheld else set()
    free |= {"T"} if COLUMNS in withheld else set()
    if "cross" in withheld:
        free |= {f"r{i}" for i in range(len(cross))} | {f"c{j}" for j in range(len(cross[0]))}

    def node(name: str) -> str:
        return _FREE if name in free else name

    cells: list[_Cell] = []
    ids: list[CellId] = []
    position: dict[CellId, int] = {}
    for name, values in dims:
        for i, value in enumerate(values):
            if name == ROWS:
                tail, head = "S", f"r{i}"
            elif name == COLUMNS:
                tail, head = f"c{i}", "T"
            else:
                tail, head = f"{name}:in", f"{name}:out"
            position[(name, i)] = len(cells)
            ids.append((name, i))
            cells.append(_Cell(value, node(tail), node(head)))
    forced = {n for n, cell_id in enumerate(ids) if cell_id[0] in withheld}
    hidden_cross: set[CellId] = set()
    if "cross" in withheld:
        hidden_cross = {("cross", i, j) for i, row in enumerate(cross) for j in range(len(row))}
    else:
        for i, row in enumerate(cross):
            for j, value in enumerate(row):
                margins = (position[(ROWS, i)], position[(COLUMNS, j)])
                ids.append(("cross", i, j))
                cells.append(_Cell(value, node(f"r{i}"), node(f"c{j}"), margins=margins))
    hidden = _Auditor(cells, total, k, forced=forced).run()
    if hidden is None:
        return None
    return Suppression(
        frozenset({ids[i] for i in hidden} | hidden_cross), withheld_tables=frozenset(withheld)
    )


@dataclass
class _Cell:
    value: int
    tail: str  # the equation (node) the count leaves
    head: str  # the equation (node) the count enters
    margins: tuple[int, int] | None = None  # cross cells: the row and column total cells


@dataclass
class _Auditor:
    """Finds complementary suppressions until every hidden count is protected (or gives up).

    Every equation the attacker knows (a table's or a row's or a column's hidden sum) is a node;
    every count is an edge from one equation to another. Changing hidden counts while keeping
    every equation true is a circulation: pushing flow around cycles of hidden edges.
    """

    cells: list[_Cell]
    total: int
    k: int
    forced: set[int] = field(default_factory=set)  # hidden from the start (withheld tables)
    hidden: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.touching: dict[str, list[int]] = defaultdict(list)
        for i, cell in enumerate(self.cells):
            self.touching[cell.tail].append(i)
            self.touching[cell.head].append(i)
        self.order = sorted(range(len(self.cells)), key=lambda i: (self.cells[i].value, i))

    def run(self) -> set[int] | None:
        """Return the hidden cells, or None when nothing short of hiding N protects them."""
        self.hidden = {i for i, cell in enumerate(self.cells) if cell.value < self.k}
        self.hidden |= self.forced
        changed = True
        while changed:
            changed = False
            for cell in sorted(self.hidden):
                if self.protected(cell):
                    continue
                partner = self.partner(cell)
                if partner is None:
                    return None
                self.hidden.add(partner)
                changed = True
        return set(self.hidden)

    def protected(self, e: int) -> bool:
        """A small hidden count must be able to be k or more; any other hidden count must have
        another possible value."""
        value = self.cells[e].value
        if value < self.k:
            return self.shift(e, self.k - value)
        return self.shift(e, 1) or self.shift(e, -1)

    def partner(self, e: int) -> int | None:
        """Return the smallest shown count whose hiding protects `e`; else the smallest shown
        count next to the hidden cells around `e` (progress); None when there is none."""
        near = self._component(e)
        candidates = [
            f for f in self.order
            if f not in self.hidden and (self.cells[f].tail in near or self.cells[f].head in near)
        ]  # fmt: skip
        for f in candidates:
            self.hidden.add(f)
            ok = self.protected(e)
            self.hidden.discard(f)
            if ok:
                return f
        return candidates[0] if candidates else None

    def _component(self, e: int) -> set[str]:
        seen = {self.cells[e].tail, self.cells[e].head}
        todo = list(seen)
        while todo:
            node = todo.pop()
            for f in self.touching[node]:
                if f in self.hidden:
                    for other in (self.cells[f].tail, self.cells[f].head):
                        if other not in seen:
                            seen.add(other)
                            todo.append(other)
        return seen

    def bounds(self, i: int) -> tuple[int, int]:
        """What the attacker knows of hidden count `i` from the shown numbers alone."""
        cell = self.cells[i]
        low = 0
        high = self.total
        if cell.margins is not None:
            row, column = cell.margins
            for m in (row, column):
                if m not in self.hidden:
                    high = min(high, self.cells[m].value)
            if row not in self.hidden and column not in self.hidden:
                low = max(low, self.cells[row].value + self.cells[column].value - self.total)
        return low, high

    def shift(self, e: int, delta: int) -> bool:
        """Return whether some values of the hidden counts satisfy everything the attacker
        knows with count `e` changed by `delta` (a witness that `e` is not pinned).

        One unit at a time: a path around a cycle of hidden counts keeps every equation; a
        step that breaks an inequality is undone and the moves it made on the counts involved
        are banned before searching again (so a found witness is always valid; a missed one
        only costs more suppression)."""
        values = [cell.value for cell in self.cells]
        bounds = {i: self.bounds(i) for i in self.hidden}
        low, high = bounds[e]
        if not low <= values[e] + delta <= high:
            return False
        cell = self.cells[e]
        source, sink = (cell.head, cell.tail) if delta > 0 else (cell.tail, cell.head)
        step = 1 if delta > 0 else -1
        banned: set[tuple[int, int]] = set()
        for _unit in range(abs(delta)):
            for _attempt in range(_RETRIES):
                path = self._path(source, sink, e, values, bounds, banned)
                if path is None:
                    return False
                trial = list(values)
                for f, sign in path:
                    trial[f] += sign
                trial[e] += step
                broken = self._broken(trial)
                if not broken:
                    values = trial
                    break
                banned |= {(f, sign) for f, sign in path if f in broken}
            else:
                return False
        return True

    def _path(
        self, source: str, sink: str, e: int, values: list[int],
        bounds: dict[int, tuple[int, int]], banned: set[tuple[int, int]],
    ) -> list[tuple[int, int]] | None:  # fmt: skip
        """Breadth-first search for a path of one unit in the residual graph of the hidden
        counts (without `e` and the banned moves); return its moves (cell, +1 or -1)."""
        back: dict[str, tuple[str, int, int] | None] = {source: None}
        queue = [source]
        while queue and sink not in back:
            nxt = []
            for node in queue:
                for f in self.touching[node]:
                    if f == e or f not in self.hidden:
                        continue
                    cell, (low, high) = self.cells[f], bounds[f]
                    if (cell.tail == node and values[f] < high and cell.head not in back
                            and (f, 1) not in banned):  # fmt: skip
                        back[cell.head] = (node, f, 1)
                        nxt.append(cell.head)
                    if (cell.head == node and values[f] > low and cell.tail not in back
                            and (f, -1) not in banned):  # fmt: skip
                        back[cell.tail] = (node, f, -1)
                        nxt.append(cell.tail)
            queue = nxt
        if sink not in back:
            return None
        moves = []
        node = sink
        while (step := back[node]) is not None:
            node, f, sign = step
            moves.append((f, sign))
        return moves

    def _broken(self, values: list[int]) -> set[int]:
        """Return the counts in an inequality that `values` break (none: all hold): a cross
        cell is at most each of its totals and at least their overlap (row + column - N)."""
        broken: set[int] = set()
        for i, cell in enumerate(self.cells):
            if cell.margins is None:
                continue
            row, column = cell.margins
            x, r, c = values[i], values[row], values[column]
            if x > r or x > c or x < r + c - self.total:
                broken |= {i, row, column}
        return broken


# -- what a viewer sees --------------------------------------------------------------------------


@dataclass
class CountView:
    value: int | None  # None: hidden from this viewer
    suppressed: bool
    hidden_from_public: bool = False  # staff views only

    def as_json(self, exact: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "suppressed": self.suppressed}
        if exact:
            out["hidden_from_public"] = self.hidden_from_public
        return out


@dataclass
class CategoryView:
    key: str | None  # None: the pooled "other" category of provinces or years
    label: Label
    count: CountView


@dataclass
class DimensionView:
    name: str
    title: Any
    categories: list[CategoryView]
    withheld: bool = False  # the public sees none of this table


@dataclass
class StatisticsView:
    k: int
    exact: bool  # staff: exact numbers
    withheld: bool
    total: CountView
    dimensions: list[DimensionView]
    cross: list[list[CountView]]  # rows: dimensions[0] categories; columns: dimensions[1]
    cross_withheld: bool = False  # the public sees none of the cross table

    def dimension(self, name: str) -> DimensionView:
        return next(d for d in self.dimensions if d.name == name)

    def as_json(self) -> dict[str, Any]:
        """The JSON answer of `GET /api/v1/statistics` (shape documented in views/statistics)."""
        rows, columns = self.dimension(ROWS), self.dimension(COLUMNS)
        return {
            "k": self.k,
            "exact": self.exact,
            "withheld": self.withheld,
            "total": self.total.as_json(self.exact),
            "dimensions": {
                d.name: {
                    "title": str(d.title),
                    "withheld": d.withheld,
                    "categories": [
                        {"key": c.key, "label": c.label.text, "count": c.count.as_json(self.exact)}
                        for c in d.categories
                    ],
                }
                for d in self.dimensions
            },
            "cross": {
                "rows": ROWS,
                "columns": COLUMNS,
                "withheld": self.cross_withheld,
                "row_keys": [c.key for c in rows.categories],
                "column_keys": [c.key for c in columns.categories],
                "cells": [[cell.as_json(self.exact) for cell in row] for row in self.cross],
                "row_totals": [c.count.as_json(self.exact) for c in rows.categories],
                "column_totals": [c.count.as_json(self.exact) for c in columns.categories],
                "total": self.total.as_json(self.exact),
            },
        }


def statistics_for(user: Any) -> StatisticsView:
    """Return the statistics `user` may see: exact for staff, protected for everyone else."""
    k = threshold()
    exact = count_exact(k)
    suppression = suppress(exact, k)
    staff = tier_of(user) is Tier.STAFF

    def count(cell: CellId, value: int) -> CountView:
        hidden = cell in suppression.hidden
        if staff:
            return CountView(value, False, hidden_from_public=hidden)
        return CountView(None, True) if hidden else CountView(value, False)

    labels = _labels()
    dimensions = []
    for name in DIMENSIONS:
        categories = [
            CategoryView(key, _label(name, key, labels), count((name, i), value))
            for i, (key, value) in enumerate(zip(exact.keys[name], exact.counts[name],
                                                 strict=True))
        ]  # fmt: skip
        withheld = suppression.withheld or name in suppression.withheld_tables
        dimensions.append(DimensionView(name, TITLES[name], categories, withheld))
    cross = [
        [count(("cross", i, j), value) for j, value in enumerate(row)]
        for i, row in enumerate(exact.cross)
    ]
    return StatisticsView(
        k=k,
        exact=staff,
        withheld=suppression.withheld and not staff,
        total=count(("total",), exact.total),
        dimensions=dimensions,
        cross=cross,
        cross_withheld=suppression.withheld or "cross" in suppression.withheld_tables,
    )


def _labels() -> dict[tuple[str, str], Label]:
    terms = db.session.scalars(
        select(VocabularyTerm).where(VocabularyTerm.kind.in_(VOCABULARY_DIMENSIONS))
    )
    return {(term.kind, term.slug): term_label(term) for term in terms}


def _label(name: str, key: str | None, labels: dict[tuple[str, str], Label]) -> Label:
    if key is None:
        return Label(str(OTHER_LABELS[name]))
    if name == "year":
        return Label(localize_digits(key))
    if name == "province":
        return Label(key)
    return labels.get((name, key), Label(key, fallback=True))
