"""The map palette: one colour per cluster and per zone kind, distinct for people with red-green colour
vision deficiency (Machado, Oliveira & Fernandes 2009 simulation, severity 1, then CIELAB distance)."""
import itertools

import numpy as np
import pytest

from layers.qingpu import CLUSTERS
from layers.registry import CLUSTER_COLOURS, LAYERS, ZONE_KIND_COLOURS, palette, zone_colour

MACHADO = {
    "normal": np.eye(3),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}


def _linear(hex_colour):
    c = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb):
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ np.clip(linear_rgb, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(hex_colour, vision):
    return _lab(MACHADO[vision] @ _linear(hex_colour))


def zone_palette():
    return {**CLUSTER_COLOURS, "core": ZONE_KIND_COLOURS["core"], "corridor": ZONE_KIND_COLOURS["corridor"]}


@pytest.mark.parametrize("vision", list(MACHADO))
def test_clusters_core_and_corridor_stay_apart_for_colour_blind_readers(vision):
    colours = zone_palette()
    closest = min((float(np.linalg.norm(seen(a, vision) - seen(b, vision))), na, nb)
                  for (na, a), (nb, b) in itertools.combinations(colours.items(), 2))
    # ΔE*ab 10 and more reads as clearly different colours side by side
    assert closest[0] >= 10, closest


def test_the_simulation_catches_a_red_green_pair():
    # the check is not vacuous: pure red and green, far apart for normal vision, merge under deuteranopia
    assert np.linalg.norm(seen("#FF0000", "normal") - seen("#00A000", "normal")) > 50
    assert np.linalg.norm(seen("#D62728", "deuteranopia") - seen("#8C8C00", "deuteranopia")) < 10


def test_every_cluster_of_the_layout_has_its_own_colour_and_the_map_uses_it():
    clusters = [z.id for z in CLUSTERS]
    assert len(clusters) == 5 and set(clusters) == set(CLUSTER_COLOURS)
    assert len(set(CLUSTER_COLOURS.values())) == 5
    style = LAYERS["zones"].style
    assert style["by_id"] is CLUSTER_COLOURS and style["colors"] is ZONE_KIND_COLOURS
    assert zone_colour("cluster-expo", "cluster") == CLUSTER_COLOURS["cluster-expo"]
    assert zone_colour("park-x", "park") == ZONE_KIND_COLOURS["park"]
    assert palette()["clusters"] == CLUSTER_COLOURS
