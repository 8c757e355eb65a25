"""Front-end packages installed from the npm registry into web/node_modules and served by the app."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web import NODE_MODULES

# URL prefix under /vendor -> folder inside node_modules
PACKAGES = {
    "leaflet": "leaflet/dist",
    "markercluster": "leaflet.markercluster/dist",
    "geoman": "@geoman-io/leaflet-geoman-free/dist",
    "vectorgrid": "leaflet.vectorgrid/dist",
    "chartjs": "chart.js/dist",
    "maplibre": "maplibre-gl/dist",
    "swagger-ui": "swagger-ui-dist",
    "html-to-image": "html-to-image/dist",
}

LEAFLET_JS = "/vendor/leaflet/leaflet.js"
LEAFLET_CSS = "/vendor/leaflet/leaflet.css"
MARKERCLUSTER_JS = "/vendor/markercluster/leaflet.markercluster.js"
MARKERCLUSTER_CSS = ("/vendor/markercluster/MarkerCluster.css", "/vendor/markercluster/MarkerCluster.Default.css")
GEOMAN_JS = "/vendor/geoman/leaflet-geoman.min.js"
GEOMAN_CSS = "/vendor/geoman/leaflet-geoman.css"
VECTORGRID_JS = "/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js"
CHART_JS = "/vendor/chartjs/chart.umd.min.js"
MAPLIBRE_JS = "/vendor/maplibre/maplibre-gl.js"
MAPLIBRE_CSS = "/vendor/maplibre/maplibre-gl.css"
HTML_TO_IMAGE_JS = "/vendor/html-to-image/html-to-image.js"


def mount(app: FastAPI) -> None:
    missing = [name for name, sub in PACKAGES.items() if not (NODE_MODULES / sub).is_dir()]
    if missing:
        raise RuntimeError(f"front-end packages missing ({', '.join(missing)}): run `npm ci` in web/ (./start.sh does)")
    for name, sub in PACKAGES.items():
        app.mount(f"/vendor/{name}", StaticFiles(directory=NODE_MODULES / sub), name=f"vendor-{name}")
