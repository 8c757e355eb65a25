"""`qingpu import sites FILE` and `qingpu demo sites`: the site finder's commands."""
from __future__ import annotations

import sys

CRS_CHOICES = ["wgs84", "cgcs2000", "gcj02", "bd09"]


def cmd_import_sites(args) -> None:
    from tqdm import tqdm

    from app.cli import CliError, _engine
    from app.sites_import import SiteImportError, import_sites

    try:
        with tqdm(desc="sites", unit="site", file=sys.stderr, disable=args.dry_run) as bar:
            report = import_sites(_engine(), args.file, crs=args.crs, dry_run=args.dry_run, progress=bar)
    except SiteImportError as exc:
        for line in exc.rejected:  # every rejected row, then the one-line summary as the error
            print(line, file=sys.stderr)
        raise CliError(f"{len(exc.rejected)} row(s) rejected, nothing imported")
    print(report)


def cmd_demo_sites(args) -> None:
    from tqdm import tqdm

    from app.cli import _engine
    from app.sites_import import load_demo_sites

    with tqdm(total=args.count, desc="demo sites", unit="site", file=sys.stderr) as bar:
        print(load_demo_sites(_engine(), count=args.count, seed=args.seed, progress=bar))


def add_site_commands(import_sub, demo_sub) -> None:
    imp = import_sub.add_parser("sites", help="import land parcels / vacant buildings (GeoJSON, GeoPackage, CSV with WKT)")
    imp.add_argument("file")
    imp.add_argument("--crs", choices=CRS_CHOICES, default=None,
                     help="coordinate system of the file's lon/lat (default wgs84; gcj02/bd09 are converted)")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    imp.set_defaults(func=cmd_import_sites)
    demo = demo_sub.add_parser("sites", help="replace the synthetic demo sites with a seeded set")
    demo.add_argument("--count", type=int, default=400, help="number of synthetic sites (default 400)")
    demo.add_argument("--seed", type=int, default=17, help="random seed (same seed, same sites)")
    demo.set_defaults(func=cmd_demo_sites)
