"""A draft's zones as an OGC collection of its own (``zones.draft-<id>``), and ``draft=<id>`` on the
zones routes: the provider app.ogc.access asks for collections that exist for some callers only.

Only the draft's owner and the planners it is shared with see it; anyone else (the public, other
roles, other planners) gets the same 404 as for a collection that does not exist.
"""
from __future__ import annotations

import re
from dataclasses import replace

from fastapi import Request

from app.core.auth import Principal
from app.core.errors import bad_request, not_found
from app.drafts.store import Draft, collection_id, drafts_of, get_draft, source_sql
from layers.registry import LAYERS, Field, Layer, role_allows

DRAFT_ROLE = "planner"
_ID = re.compile(r"zones\.draft-([0-9]{1,9})")


def draft_layer(draft: Draft) -> Layer:
    base = LAYERS["zones"]
    return replace(
        base, id=collection_id(draft.id), title_zh=f"方案 {draft.name}", title_en=f"Draft: {draft.name}",
        description=(f"The zones of draft {draft.id} «{draft.name}» (owner {draft.owner}), not published. "
                     f"Planners it is shared with may edit it with OGC API – Features Part 4 (POST, PUT, PATCH, "
                     f"DELETE) without If-Match or a comment; POST /drafts/{draft.id}/publish makes it the layout. "
                     f"`draft_state` says whether the draft changed or created a zone."),
        table=source_sql(draft.id),
        fields=(*base.fields, Field("draft_state", "string", "方案中的状态 unchanged/changed/created")),
        least_role=DRAFT_ROLE, history_sql=None, edit_role=DRAFT_ROLE if draft.status == "open" else None,
        query_params=("draft",), etag_prefix=etag_prefix(draft.id))


def etag_prefix(draft_id: int) -> str:
    return f"draft-{draft_id}-"


def draft_etag(draft_id: int, zone_id: str, version: int) -> str:
    """The ETag of a draft's zone, as GET sends it and If-Match may send it back."""
    return f'"{etag_prefix(draft_id)}{zone_id}-v{version}"'


def parse_draft_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 9:
        raise bad_request(f"draft must be the number of a draft (see /drafts); got '{raw[:40]}'", field="draft")
    return int(raw)


class DraftCollections:
    """The provider of draft collections for app.ogc.access."""

    def layer(self, request: Request, collection_id_: str, principal: Principal) -> Layer | None:
        match = _ID.fullmatch(collection_id_)
        if match:
            draft_id = int(match.group(1))
            raw = request.query_params.get("draft")
            if raw is not None and parse_draft_id(raw) != draft_id:
                raise bad_request(f"draft={raw} names another draft than collection {collection_id_}", field="draft")
        elif collection_id_ == "zones" and "draft" in request.query_params:
            draft_id = parse_draft_id(request.query_params["draft"])
        else:
            return None
        missing = not_found(f"no collection '{collection_id(draft_id)}'; see /collections")
        if not role_allows(principal.role, DRAFT_ROLE):
            raise missing
        with request.app.state.engine.connect() as conn:
            draft = get_draft(conn, draft_id)
        if draft is None or not draft.may_see(principal.name) or draft.status == "discarded":
            raise missing
        return draft_layer(draft)

    def layers(self, request: Request, principal: Principal) -> list[Layer]:
        if principal.name is None or not role_allows(principal.role, DRAFT_ROLE):
            return []
        with request.app.state.engine.connect() as conn:
            return [draft_layer(d) for d in drafts_of(conn, principal.name)]


PROVIDER = DraftCollections()
