"""Which layers a caller may see: the one lookup used by items, tiles, exports and search.

Besides the registered layers, collections may exist for some callers only (a planner's drafts).
They come from the providers the composing application lists in ``app.state.collection_providers``
(app.main wires app.drafts.layers): each has ``layer(request, collection_id, principal)`` (a Layer,
or None when the id is not its kind; it raises not-found for a caller who may not see it) and
``layers(request, principal)`` (the ones this caller may list).
"""
from __future__ import annotations

from fastapi import Request

from app.core.auth import Principal
from app.core.errors import not_found
from layers.registry import LAYERS, Layer, role_allows


def visible_layers(role: str) -> list[Layer]:
    return [layer for layer in LAYERS.values() if role_allows(role, layer.least_role)]


def _providers(request: Request | None) -> tuple:
    return getattr(request.app.state, "collection_providers", ()) if request is not None else ()


def caller_layers(request: Request, principal: Principal) -> list[Layer]:
    """The registered layers the role may see, then the caller's own collections (e.g. drafts)."""
    return visible_layers(principal.role) + [layer for p in _providers(request) for layer in p.layers(request, principal)]


def visible_layer(collection_id: str, principal: Principal, request: Request | None = None) -> Layer:
    for provider in _providers(request):
        layer = provider.layer(request, collection_id, principal)
        if layer is not None:
            return layer
    layer = LAYERS.get(collection_id)
    if layer is None or not role_allows(principal.role, layer.least_role):
        raise not_found(f"no collection '{collection_id}'; see /collections")
    return layer
