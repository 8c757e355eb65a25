"""Templates, static files and the front-end packages (web/node_modules) the app serves.

A package of its own so that an installed wheel carries them; the app finds them with
importlib.resources rather than by a path relative to its source.
"""
from importlib.resources import files
from pathlib import Path

WEB_DIR = Path(str(files(__name__)))
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
NODE_MODULES = WEB_DIR / "node_modules"
