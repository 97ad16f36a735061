"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json and checked by the
test suite against real answers (so it stays true)."""

from typing import Any

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
        }
    },
}
STRINGS = {"type": "array", "items": {"type": "string"}}
DATE = {"type": ["string", "null"], "format": "date"}

VERSION = {
    "type": "object",
    "required": ["language", "kind", "title", "summary", "body", "revision", "url"],
    "properties": {
        "language": {"type": "string", "description": "BCP 47 tag of the content language"},
        "kind": {"type": "string", "enum": ["original", "translation"]},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "body": {"type": "string", "description": "Markdown; redacted passages replaced"},
        "revision": {"type": "integer"},
        "revision_status": {"type": "string"},
        "revision_date": {"type": "string", "format": "date-time"},
        "url": {"type": "string"},
    },
}
TESTIMONY = {
    "type": "object",
    "required": ["id", "url", "province", "recorded_on", "versions"],
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "alias": {"type": ["string", "null"]},
        "province": {"type": "string"},
        "recorded_on": DATE,
        "content_warning": {"type": "boolean"},
        "organisations": STRINGS,
        "identity_groups": STRINGS,
        "discrimination_types": STRINGS,
        "settings": STRINGS,
        "needs": STRINGS,
        "versions": {"type": "array", "items": VERSION},
        "ref": {"type": "string", "description": "staff only"},
        "status": {"type": "string", "description": "staff only"},
        "consent_level": {"type": "string", "description": "staff only"},
        "place": {"type": "object", "description": "editors and admins only"},
        "narrator": {"type": "object", "description": "editors and admins only"},
    },
}
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
SEARCH = {
    "type": "object",
    "required": ["query", "total", "page", "per_page", "results", "facets"],
    "properties": {
        "query": {"type": "string"},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "url",
                    "title",
                    "language",
                    "snippet",
                    "other_languages",
                    "identity_groups",
                    "discrimination_types",
                    "recorded_on",
                ],
                "properties": {
                    "id": {"type": "string"},
                    "url": {"type": "string"},
                    "title": {"type": "string"},
                    "language": {"type": "string"},
                    "snippet": {"type": "string", "description": "HTML: escaped text and <mark>"},
                    "other_languages": STRINGS,
                    "identity_groups": STRINGS,
                    "discrimination_types": STRINGS,
                    "recorded_on": DATE,
                },
            },
        },
        "facets": {"type": "object", "additionalProperties": COUNTS},
    },
}


STAT_COUNT = {
    "type": "object",
    "required": ["value", "suppressed"],
    "properties": {
        "value": {"type": ["integer", "null"], "minimum": 0},
        "suppressed": {"type": "boolean"},
        "hidden_from_public": {"type": "boolean", "description": "staff only"},
    },
}
STAT_TABLE = {
    "type": "object",
    "required": ["title", "withheld", "categories"],
    "properties": {
        "title": {"type": "string"},
        "withheld": {"type": "boolean"},
        "categories": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "label", "count"],
                "properties": {
                    "key": {"type": ["string", "null"]},
                    "label": {"type": "string"},
                    "count": STAT_COUNT,
                },
            },
        },
    },
}
STATISTICS = {
    "type": "object",
    "required": ["k", "exact", "withheld", "total", "dimensions", "cross"],
    "properties": {
        "k": {"type": "integer", "minimum": 3},
        "exact": {"type": "boolean"},
        "withheld": {"type": "boolean"},
        "total": STAT_COUNT,
        "dimensions": {"type": "object", "additionalProperties": STAT_TABLE},
        "cross": {
            "type": "object",
            "required": [
                "rows",
                "columns",
                "withheld",
                "row_keys",
                "column_keys",
                "cells",
                "row_totals",
                "column_totals",
                "total",
            ],
            "properties": {
                "rows": {"type": "string"},
                "columns": {"type": "string"},
                "withheld": {"type": "boolean"},
                "row_keys": STRINGS,
                "column_keys": STRINGS,
                "cells": {"type": "array", "items": {"type": "array", "items": STAT_COUNT}},
                "row_totals": {"type": "array", "items": STAT_COUNT},
                "column_totals": {"type": "array", "items": STAT_COUNT},
                "total": STAT_COUNT,
            },
        },
    },
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(code): {"description": "error", "content": {"application/json": {"schema": ERROR}}}
        for code in codes
    }


def spec() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document."""
    repeated = {"type": "array", "items": {"type": "string"}}
    search_params = [
        _query("q", {"type": "string", "maxLength": 256}, 'words, "phrases", OR, NOT, prefix*'),
        _query("language", {"type": "string"}, "only versions in this language"),
        _query("page", {"type": "integer", "minimum": 1, "maximum": 1000}, "page number"),
        _query("per_page", {"type": "integer", "minimum": 1, "maximum": 50}, "results per page"),
        *[
            {
                **_query(name, repeated, f"filter by {name} (repeat for OR)"),
                "style": "form",
                "explode": True,
            }
            for name in (
                "identity_group",
                "discrimination_type",
                "setting",
                "need",
                "province",
                "year",
            )
        ],
        _query("sort", {"type": "string", "enum": ["relevance", "date"]}, "order"),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Women's Voices Archive API",
            "version": "1",
            "description": "Read-only. Every answer shows exactly what the caller may read: "
            "anonymous callers the public tier; a session or a personal token (Authorization: "
            "Bearer) the owner's visibility. Hidden and missing testimonies both answer 404.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"token": []}],
        "paths": {
            "/api/v1/testimonies/{public_id}": {
                "get": {
                    "summary": "One testimony, as the caller may read it",
                    "parameters": [
                        {
                            "name": "public_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "maxLength": 32},
                        },
                        _query("version", {"type": "string"}, "preferred version (tag)"),
                    ],
                    "responses": {
                        "200": {
                            "description": "the testimony",
                            "content": {"application/json": {"schema": TESTIMONY}},
                        },
                        **_errors(401, 404, 429),
                    },
                }
            },
            "/api/v1/search": {
                "get": {
                    "summary": "Search the caller's tier",
                    "parameters": search_params,
                    "responses": {
                        "200": {
                            "description": "results, totals and facets",
                            "content": {"application/json": {"schema": SEARCH}},
                        },
                        **_errors(400, 401, 429),
                    },
                }
            },
            "/api/v1/statistics": {
                "get": {
                    "summary": "Public statistics (small counts suppressed; exact for staff)",
                    "responses": {
                        "200": {
                            "description": "counts by dimension and the cross table",
                            "content": {"application/json": {"schema": STATISTICS}},
                        },
                        **_errors(401, 429),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
    }
