"""The `qingpu` command. Errors are one line on stderr and a non-zero exit."""
from __future__ import annotations

import argparse
import getpass
import os
import sys

import uvicorn
from tqdm import tqdm

from app.cli.common import CRS_CHOICES, CliError, cli_database_url, cli_engine
from app.cli.enterprises import run_demo_load, run_import
from app.cli.reference import add_reference_commands
from app.cli.sites import add_site_commands
from app.core.localdb import LocalCluster
from app.core.migrate import upgrade
from app.core.settings import load_settings
from app.core.users import add_user, delete_user, disable_user
from app.enterprises.assignment import check_assignments
from app.layout.store import load_layout
from app.layout.towns import import_towns


def cmd_serve(args) -> None:
    if args.workers < 1:
        raise CliError("--workers must be 1 or more")
    # Start the project's own PostGIS first when DATABASE_URL is unset, and hand its URL to the workers,
    # so N processes do not each provision it. Every worker keeps caches of its own, keyed on the data
    # versions in the database, so any worker answers as fresh as any other.
    os.environ["DATABASE_URL"] = cli_database_url()
    print(f"qingpu-layout: the map is at http://{args.host}:{args.port}/map", flush=True)
    # With several workers uvicorn pings each one and kills any that does not answer in time; a worker busy
    # importing or computing on a loaded machine can take longer than its 5-second default.
    uvicorn.run("app.main:serve_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="info", timeout_worker_healthcheck=60)


def cmd_db(args) -> None:
    settings = load_settings()
    if args.action == "upgrade":
        upgrade(cli_database_url())
        print("database schema is up to date")
        return
    cluster = LocalCluster.from_settings(settings)
    if args.action == "start":
        if settings.database_url:
            raise CliError("DATABASE_URL is set: the project's own cluster is not used")
        cluster.ensure_running()
        print(f"PostGIS is running on 127.0.0.1:{cluster.port} (data in {cluster.data_dir})")
    elif args.action == "stop":
        cluster.stop()
        print("stopped")
    elif args.action == "url":
        print(cli_database_url())


def cmd_layout_load(args) -> None:
    with tqdm(total=5, desc="layout", unit="step", file=sys.stderr) as bar:
        report = load_layout(cli_engine(), progress=bar)
    print(report.line())


def cmd_import_towns(args) -> None:
    report = import_towns(cli_engine(), args.file, crs=args.crs)
    print(report)


def cmd_import_enterprises(args) -> None:
    run_import(cli_engine(), args)


def cmd_demo_load(args) -> None:
    run_demo_load(cli_engine(), args)


def cmd_users_add(args) -> None:
    password = args.password or os.environ.get("QINGPU_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise CliError("no password: pass --password, set QINGPU_PASSWORD, or run in a terminal to be asked")
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise CliError("the two passwords differ")
    add_user(cli_engine(), args.name, args.role, password)
    print(f"user {args.name} ({args.role}) saved; tokens issued before this no longer work")


def cmd_users_disable(args) -> None:
    disable_user(cli_engine(), args.name)
    print(f"user {args.name} disabled; their tokens no longer work (`users add` again re-enables)")


def cmd_users_delete(args) -> None:
    delete_user(cli_engine(), args.name)
    print(f"user {args.name} deleted; their tokens no longer work")


def cmd_check_assignments(args) -> None:
    with cli_engine().begin() as conn:
        report = check_assignments(conn, repair=args.repair)
    for m in report["mismatched"][:50]:
        print(f"{m['uscc']} {m['name']}: stored {','.join(m['stored']) or '-'}; "
              f"PostGIS says {','.join(m['actual']) or '-'}")
    more = len(report["mismatched"]) - 50
    if more > 0:
        print(f"... and {more} more")
    line = f"{report['checked']} enterprises checked, {len(report['mismatched'])} with stored zones unlike PostGIS"
    if args.repair:
        print(f"{line}; {report['repaired']} repaired")
    else:
        if report["mismatched"]:
            raise CliError(f"{line}; run again with --repair to fix them")
        print(line)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qingpu", description="Qingpu industrial layout service")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (uvicorn's; caches stay exact across them)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database: upgrade the schema, start/stop the project's own PostGIS")
    db.add_argument("action", choices=["upgrade", "start", "stop", "url"])
    db.set_defaults(func=cmd_db)

    layout = sub.add_parser("layout", help="the plan's layout")
    layout_sub = layout.add_subparsers(dest="action", required=True)
    load = layout_sub.add_parser("load", help="load the default Qingpu layout (keeps what exists)")
    load.set_defaults(func=cmd_layout_load)

    imp = sub.add_parser("import", help="import towns or enterprises from a file")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    towns = imp_sub.add_parser("towns", help="replace the towns with an official file (GeoJSON, GeoPackage, Shapefile)")
    towns.add_argument("file")
    towns.add_argument("--crs", choices=CRS_CHOICES, default=None,
                       help="coordinate system of the file when it does not declare one, or gcj02/bd09")
    towns.set_defaults(func=cmd_import_towns)
    ent = imp_sub.add_parser("enterprises", help="import enterprises (CSV in UTF-8/GBK/GB18030, XLSX, GeoJSON, GeoPackage)")
    ent.add_argument("file")
    ent.add_argument("--crs", choices=CRS_CHOICES, default=None, help="coordinate system of 经度/纬度 (default wgs84)")
    ent.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    ent.add_argument("--partial", action="store_true", help="load the valid rows even when some are rejected")
    ent.add_argument("--report", metavar="CSV", help="write the rejected rows to this CSV file")
    ent.set_defaults(func=cmd_import_enterprises)

    demo = sub.add_parser("demo", help="demo data")
    demo_sub = demo.add_subparsers(dest="action", required=True)
    demo_load = demo_sub.add_parser("load", help="the enterprises the plan names plus a seeded synthetic population")
    demo_load.add_argument("--enterprises", type=int, default=2000, help="synthetic enterprises (default 2000)")
    demo_load.add_argument("--seed", type=int, default=20210601, help="random seed (same seed, same rows)")
    demo_load.set_defaults(func=cmd_demo_load)
    users = sub.add_parser("users", help="user accounts")
    users_sub = users.add_subparsers(dest="action", required=True)
    users_add = users_sub.add_parser("add", help="add a user or change their role and password")
    users_add.add_argument("name")
    users_add.add_argument("--role", required=True, choices=["public", "investment", "planner", "admin"])
    users_add.add_argument("--password", help="asked for when omitted (or read from QINGPU_PASSWORD)")
    users_add.set_defaults(func=cmd_users_add)
    users_disable = users_sub.add_parser("disable", help="disable a user: their tokens stop working at once")
    users_disable.add_argument("name")
    users_disable.set_defaults(func=cmd_users_disable)
    users_delete = users_sub.add_parser("delete", help="delete a user: their tokens stop working at once")
    users_delete.add_argument("name")
    users_delete.set_defaults(func=cmd_users_delete)

    check = sub.add_parser("check", help="consistency checks")
    check_sub = check.add_subparsers(dest="what", required=True)
    check_assign = check_sub.add_parser("assignments", help="stored zones of enterprises against PostGIS ST_Contains")
    check_assign.add_argument("--repair", action="store_true", help="re-assign the mismatched enterprises")
    check_assign.set_defaults(func=cmd_check_assignments)

    add_site_commands(imp_sub, demo_sub)
    add_reference_commands(sub, imp_sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line, not a traceback
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"qingpu: error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
