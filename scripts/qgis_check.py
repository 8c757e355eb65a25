"""A check by hand with QGIS itself (Debian: `apt install python3-qgis qgis-providers`), headless.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/qgis_check.py http://127.0.0.1:8000 [out.png]

Runs on the system Python that python3-qgis is built for (not the project's .venv). Against a running
server it opens every public collection through QGIS's OAPIF provider and compares the features QGIS reads
with the API's numberMatched, converts /styles/default with QGIS's own Mapbox GL style converter (printing
its warnings: QGIS draws without what it cannot read), and renders the multi-layer vector tiles with that
style into a PNG to look at.
"""
from __future__ import annotations

import json
import os
import sys
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402  (after the platform is chosen)
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsMapBoxGlStyleConverter,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

COLLECTIONS = ("district", "towns", "zones", "corridor_routes", "stations", "enterprises")
DISTRICT = QgsRectangle(120.85, 30.94, 121.32, 31.30)


def _json(url: str) -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"})) as r:
        return json.load(r)


def main() -> int:
    base = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    out = sys.argv[2] if len(sys.argv) > 2 else "qgis-check.png"
    app = QgsApplication([], False)
    app.initQgis()
    print(f"QGIS {Qgis.version()} against {base}")
    failures = 0
    for name in COLLECTIONS:
        layer = QgsVectorLayer(f"url='{base}' typename='{name}' pagingEnabled='true'", name, "OAPIF")
        read = sum(1 for _ in layer.getFeatures()) if layer.isValid() else None
        expected = _json(f"{base}/collections/{name}/items?limit=1")["numberMatched"]
        ok = read == expected
        failures += not ok
        print(f"  OAPIF {name}: QGIS read {read}, the API says {expected} {'ok' if ok else 'DIFFERENT'}")
    converter = QgsMapBoxGlStyleConverter()
    converter.convert(_json(f"{base}/styles/default"))
    warnings = list(converter.warnings())
    failures += bool(warnings)
    print(f"  style: {len(warnings)} warnings" + "".join(f"\n    {w}" for w in warnings))
    tiles = QgsVectorTileLayer(f"type=xyz&url={base}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}&zmin=0&zmax=16"
                               f"&styleUrl={base}/styles/default", "qingpu")
    tiles.loadDefaultStyle()
    settings = QgsMapSettings()
    settings.setLayers([tiles])
    web = QgsCoordinateReferenceSystem("EPSG:3857")
    settings.setDestinationCrs(web)
    settings.setExtent(QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), web,
                                              QgsProject.instance()).transformBoundingBox(DISTRICT))
    settings.setOutputSize(QSize(900, 700))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(out)
    print(f"  vector tiles with the style drawn into {out}")
    app.exitQgis()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
