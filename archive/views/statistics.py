"""Public statistics: the page and its JSON, computed per request (archive/statistics.py).

`GET /api/v1/statistics` answers, in the UI language (`?locale=km|en`):

```json
{"k": 5, "exact": false, "withheld": false,
 "total": {"value": 49, "suppressed": false},
 "dimensions": {
   "identity_group": {"title": "Identity groups", "withheld": false, "categories": [
     {"key": "plhiv", "label": "People living with HIV",
      "count": {"value": null, "suppressed": true}},
     {"key": "disability", "label": "People with disabilities",
      "count": {"value": 16, "suppressed": false}}]},
   "discrimination_type": {...}, "setting": {...}, "need": {...},
   "province": {"title": "Province", "withheld": false, "categories": [
     {"key": "Ratanakiri", "label": "Ratanakiri", "count": {...}},
     {"key": null, "label": "Other provinces, or not recorded", "count": {...}}]},
   "year": {...}},
 "cross": {"rows": "identity_group", "columns": "discrimination_type", "withheld": false,
           "row_keys": ["plhiv", ...], "column_keys": ["employment", ...],
           "cells": [[{"value": null, "suppressed": true}, ...], ...],
           "row_totals": [...], "column_totals": [...], "total": {...}}}
```

* A count is `{"value": n, "suppressed": false}`, or `{"value": null, "suppressed": true}` when
  it is hidden: below k (zero included), or hidden so that one below k cannot be worked out.
  Both kinds look the same on purpose (see archive/statistics.py), so there is no `fewer_than`.
* Vocabulary categories are keyed by slug, in vocabulary order. Provinces and years are keyed
  by name or year when researchers can read at least k of their testimonies; `"key": null`
  pools all the others and the testimonies with none recorded.
* A testimony counts once in every category and cell it is tagged with; totals count
  testimonies, so rows and columns may add up to more than their totals.
* `row_totals`/`column_totals` are the `identity_group`/`discrimination_type` counts.
* `"withheld": true` on a table: none of its counts is shown (too few tags to show any safely).
  At the top level: every count is hidden (fewer than k counted testimonies that researchers
  cannot read, or nothing short of hiding everything protects the small counts).
* Staff get `"exact": true`, every `value` exact, and `"hidden_from_public": true|false` on each
  count (what the public does not see); `withheld` then says what the public does not see.
* The same numbers for the public and for researchers; no parameters (others are ignored).
"""

from typing import Any

from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from ..charts import Bar, bar_chart
from ..security import public
from ..statistics import DimensionView, statistics_for

bp = Blueprint("statistics", __name__)


def _chart(dimension: DimensionView) -> Any:
    bars = [Bar(c.label, c.count.value) for c in dimension.categories]
    return bar_chart(f"chart-{dimension.name}", str(dimension.title), bars)


@bp.get("/statistics")
@public
def page() -> Any:
    """Counts by identity group, discrimination type, setting, need, province and year, and
    the identity group × discrimination type table, as tables and charts."""
    return render_template(
        "statistics/statistics.html", stats=statistics_for(current_user), chart=_chart
    )


@bp.get("/api/v1/statistics")
@public
def api() -> Any:
    """The same numbers as JSON (shape above)."""
    return jsonify(statistics_for(current_user).as_json())
