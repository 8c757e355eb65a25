"""`qingpu import sites FILE` and `qingpu demo sites`: the site finder's commands."""
from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from app.cli.common import CRS_CHOICES, CliError, cli_engine
from app.sites.importer import SiteImportError, import_sites, load_demo_sites


def cmd_import_sites(args) -> None:
    try:
        with tqdm(desc="sites", unit="site", file=sys.stderr, disable=args.dry_run) as bar:
            report = import_sites(cli_engine(), args.file, crs=args.crs, dry_run=args.dry_run, progress=bar)
    except SiteImportError as exc:
        for line in exc.rejected:  # every rejected row, then the one-line summary as the error
            print(line, file=sys.stderr)
        if args.report:
            Path(args.report).write_text(exc.report.rejections_csv(), encoding="utf-8-sig")
        raise CliError(f"{len(exc.rejected)} row(s) rejected, nothing imported")
    print(report.summary())


def cmd_demo_sites(args) -> None:
    with tqdm(total=args.count, desc="demo sites", unit="site", file=sys.stderr) as bar:
        print(load_demo_sites(cli_engine(), count=args.count, seed=args.seed, progress=bar))


def add_site_commands(import_sub, demo_sub) -> None:
    imp = import_sub.add_parser("sites", help="import land parcels / vacant buildings (GeoJSON, GeoPackage, CSV with WKT)")
    imp.add_argument("file")
    imp.add_argument("--crs", choices=CRS_CHOICES, default=None,
                     help="coordinate system of the file's lon/lat (default wgs84; gcj02/bd09 are converted)")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    imp.add_argument("--report", metavar="CSV", help="write the rejected rows to this CSV file")
    imp.set_defaults(func=cmd_import_sites)
    demo = demo_sub.add_parser("sites", help="replace the synthetic demo sites with a seeded set")
    demo.add_argument("--count", type=int, default=400, help="number of synthetic sites (default 400)")
    demo.add_argument("--seed", type=int, default=17, help="random seed (same seed, same sites)")
    demo.set_defaults(func=cmd_demo_sites)
