"""Public reading: home, the story list and tag pages, and the story page (what the policy
lets the viewer read)."""

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import browse
from ..lists import load_visible, parse_page, visible_page
from ..policy import tier_of
from ..presenters import Label, language_direction, language_label, term_label, testimony_view
from ..security import public

bp = Blueprint("public", __name__)

# The value of `?cw=` that says the reader has seen the content warning and goes on.
CW_CONFIRMED = "ok"


@bp.app_template_global("content_dir")
def content_dir(tag: str) -> str:
    """Template global: the writing direction of a content language ("ltr" or "rtl")."""
    return language_direction(tag)


@bp.app_template_global("language_name")
def language_name(tag: str) -> Label:
    """Template global: a content language's name in the UI language."""
    return language_label(tag)


@bp.app_template_filter("language_names")
def language_names(tags: list[str]) -> str:
    """Template filter: content language names in the UI language, comma-separated."""
    return ", ".join(language_label(tag).text for tag in tags)


@bp.get("/")
@public
def home() -> Any:
    """Home: what the archive is, ways to browse (with counts), newest stories, the
    organisations."""
    if "page" in request.args:  # the full list moved to /stories
        number = parse_page(request.args.get("page"))
        return redirect(url_for("public.stories", page=number), code=301)
    tier = tier_of(current_user)
    page = visible_page(current_user, None, current_app.config["PAGE_SIZE"])
    return render_template(
        "public/home.html",
        page=page,
        browse_groups=browse.term_counts(tier, browse.BROWSE_KINDS),
        kind_titles=browse.KIND_TITLES,
        organisations=browse.organisations(),
    )


@bp.get("/stories")
@public
def stories() -> Any:
    """Every story the viewer may read, newest first, with filters (GET, no script)."""
    try:
        filters = browse.parse_filters(request.args)
    except browse.BadFilter:
        abort(400)
    tier = tier_of(current_user)
    page = visible_page(
        current_user,
        request.args.get("page"),
        current_app.config["PAGE_SIZE"],
        browse.filter_clauses(filters, tier),
        wanted=filters.language or None,
    )
    return render_template(
        "public/stories.html",
        page=page,
        filters=filters,
        facets=browse.list_facets(tier, filters),
        kind_titles=browse.KIND_TITLES,
    )


@bp.get("/tags/<kind>/<slug>")
@public
def tag(kind: str, slug: str) -> Any:
    """The stories of one tag. A tag with nothing the viewer may open is not found."""
    term = browse.find_term(kind, slug)
    if term is None:
        abort(404)
    filters = browse.ListFilters(terms={kind: [slug]})
    tier = tier_of(current_user)
    page = visible_page(
        current_user,
        request.args.get("page"),
        current_app.config["PAGE_SIZE"],
        browse.filter_clauses(filters, tier),
    )
    if page.total == 0:
        abort(404)
    return render_template(
        "public/tag.html",
        page=page,
        term=term_label(term),
        kind=kind,
        kind_name=browse.KIND_NAMES[kind],
        filters=filters,
    )


@bp.get("/t/<public_id>")
@public
def testimony(public_id: str) -> Any:
    """One story: the versions the viewer may read (`?version=<tag>` opens one). A story
    with a content warning shows the warning and where to find support first; `?cw=ok`
    (the warning's link) shows the story."""
    found = load_visible(current_user, public_id)
    if found is None:
        abort(404)
    view = testimony_view(current_user, found, request.args.get("version"))
    confirmed = request.args.get("cw") == CW_CONFIRMED
    warning = found.content_warning and not confirmed
    keep = {"version": request.args["version"]} if request.args.get("version") else {}
    response = make_response(
        render_template(
            "public/testimony.html",
            t=view,
            warning=warning,
            contacts=browse.support_contacts() if found.content_warning else [],
            organisations={org.code: org for org in browse.organisations()},
            continue_url=url_for("public.testimony", public_id=public_id, cw=CW_CONFIRMED, **keep),
            cw_args={"cw": CW_CONFIRMED} if found.content_warning else {},
            related=[]
            if warning
            else browse.related(current_user, found, current_app.config["RELATED_STORIES"]),
        )
    )
    # Search engines may index the story but keep no cached copy: a withdrawn story must
    # not live on in a cache the archive cannot reach.
    response.headers["X-Robots-Tag"] = "noarchive"
    return response
