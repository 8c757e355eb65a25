"""`qingpu import reference FILE --name NAME` and `qingpu reference list | delete NAME`."""
from __future__ import annotations

import sys

from app.cli.common import CliError, cli_engine
from app.reference.importer import CRS_CHOICES, ReferenceImportError, import_reference
from app.reference.store import delete_layer, list_layers
from layers.registry import REFERENCE_KINDS


def cmd_import_reference(args) -> None:
    try:
        print(import_reference(cli_engine(), args.file, args.name, title=args.title, kind=args.kind, crs=args.crs))
    except ReferenceImportError as exc:
        lines = exc.report.rejection_lines()
        if len(lines) > 1:  # every rejected row, then the one-line summary as the error
            for line in lines:
                print(line, file=sys.stderr)
        raise CliError(f"{exc.report.file}: {len(lines)} problem(s), nothing imported; "
                       f"{'first' if len(lines) > 1 else 'reason'}: {lines[0]}") from None


def cmd_reference(args) -> None:
    engine = cli_engine()
    if args.action == "list":
        with engine.connect() as conn:
            layers = list_layers(conn)
        for layer in layers:
            print(f"{layer['name']}\t{layer['title']}\t{layer['kind']}\t{layer['lines']} lines, {layer['areas']} "
                  f"areas\tfrom {layer['source_file']} ({layer['source_crs']})")
        if not layers:
            print("no reference layers (add one with `qingpu import reference FILE --name NAME`)")
        return
    if not args.name:
        raise CliError("name the layer to delete: qingpu reference delete NAME")
    with engine.begin() as conn:
        if not delete_layer(conn, args.name):
            raise CliError(f"no reference layer '{args.name}' (see `qingpu reference list`)")
    print(f"reference layer {args.name} deleted")


def add_reference_commands(top_sub, import_sub) -> None:
    imp = import_sub.add_parser("reference", help="a reference layer for planners (roads, rivers, parcels, 控规 plots; "
                                                  "GeoJSON, GeoPackage, Shapefile)")
    imp.add_argument("file")
    imp.add_argument("--name", required=True, help="the layer's name (letters, digits, - and _); "
                                                   "importing the same name again replaces it")
    imp.add_argument("--title", help="the title planners see (default: the name)")
    imp.add_argument("--kind", choices=REFERENCE_KINDS, default="other", help="what the layer shows (its colour)")
    imp.add_argument("--crs", choices=CRS_CHOICES, default=None,
                     help="coordinate system when the file declares none (epsg4549: CGCS2000 GK CM 120E metres); "
                          "gcj02/bd09 lon/lat are converted")
    imp.set_defaults(func=cmd_import_reference)
    ref = top_sub.add_parser("reference", help="reference layers: list them or delete one")
    ref.add_argument("action", choices=["list", "delete"])
    ref.add_argument("name", nargs="?")
    ref.set_defaults(func=cmd_reference)
