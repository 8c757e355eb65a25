"""Which registered layers a role may see: the one lookup used by items, tiles, exports and search."""
from __future__ import annotations

from app.core.auth import Principal
from app.core.errors import not_found
from layers.registry import LAYERS, Layer, role_allows


def visible_layers(role: str) -> list[Layer]:
    return [layer for layer in LAYERS.values() if role_allows(role, layer.least_role)]


def visible_layer(collection_id: str, principal: Principal) -> Layer:
    layer = LAYERS.get(collection_id)
    if layer is None or not role_allows(principal.role, layer.least_role):
        raise not_found(f"no collection '{collection_id}'; see /collections")
    return layer
