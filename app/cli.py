"""Command line: `python -m app.cli migrate | seed [--force] [--reform] | compute [--if-missing] | import FILE --target T
| import-roads FILE | reform LINEAGE --effective D | ensure-admin | user create|disable|enable|list | vocab list|add|remove | backup [FILE]
| restore FILE [--force]`.
`migrate`, `backup` and `restore` log in as the owner (DATABASE_OWNER_URL), the rest as the service."""

import argparse
import getpass
import secrets
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from app import dbadmin
from app.settings import get_settings

# Which TM-3 zone is the file's own: each province has one (EPSG:5896 … EPSG:9218), none is the default.
CRS_HELP = (
    "the file's CRS when it does not say: its VN-2000 projection, e.g. EPSG:9209 (TM-3 105°30′), "
    "EPSG:9211 (TM-3 106°00′), EPSG:3405 (UTM 48N); or EPSG:4756 / EPSG:4326 for degrees"
)


def _migrate(_: argparse.Namespace) -> None:
    settings = get_settings()
    url = settings.owner_url  # the schema belongs to the owner; the service only uses it
    if dbadmin.ensure_database(url):
        print("migrate: created the database")
    dbadmin.upgrade(url)
    dbadmin.ensure_app_login(url, settings.database_url)
    print("migrate: schema at head")


def _backup(args: argparse.Namespace) -> None:
    owner_url = get_settings().owner_url
    name = make_url(owner_url).database
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = dbadmin.backup(owner_url, Path(args.file or f"backups/{name}-{stamp}.dump"))
    print(f"backup: {name} written to {path} ({path.stat().st_size / 1e6:.1f} MB)")


def _restore(args: argparse.Namespace) -> None:
    settings = get_settings()
    dbadmin.restore(settings.owner_url, settings.database_url, Path(args.file), replace=args.force)
    print(f"restore: {make_url(settings.owner_url).database} restored from {args.file}")


def _seed(args: argparse.Namespace) -> int | None:
    from app.db import get_engine
    from app.services.imports import importer, loader

    engine = get_engine()
    if not args.force and not loader.is_empty(engine):
        print("seed: data present, nothing to do (make seed reloads)")
        return
    started = time.perf_counter()
    reform = None
    if args.reform:  # the sample's city and its reform: act, date and folder are the generator's facts
        from datetime import date

        from gis.synthetic.facts import REFORM

        reform = loader.SampleReform(date.fromisoformat(REFORM.effective), REFORM.act, REFORM.folder)
    try:
        counts = loader.load_sample(engine, get_settings().sample_data_dir, reform)
    except importer.ImportFailed as exc:
        return _refused("seed", get_settings().sample_data_dir, exc, "vi")
    took = time.perf_counter() - started
    print("seed: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + f" ({took:.1f} s)")


def _compute(args: argparse.Namespace) -> int | None:
    from app.db import get_engine
    from app.services.coverage import runs as coverage

    engine = get_engine()
    if args.as_of is not None:
        from app.errors import InvalidParameter

        try:
            summary = coverage.run_full(engine, processes=args.processes, as_of=args.as_of)
        except InvalidParameter as exc:
            print(f"compute: {exc}", file=sys.stderr)
            return 1
        print(
            f"compute: run {summary.run_id} as of {args.as_of.isoformat()}, {summary.blocks} blocks "
            f"({summary.reused} reused, {summary.blocks - summary.reused} computed) in {summary.seconds:.1f} s"
        )
        return
    if args.if_missing and coverage.has_run(engine):
        print("compute: coverage already computed (make compute recomputes)")
        return

    def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) == 0:
            print(f"compute: {done}/{total} blocks", flush=True)

    summary = coverage.run_full(engine, processes=args.processes, progress=progress)
    print(f"compute: run {summary.run_id}, {summary.blocks} blocks in {summary.seconds:.1f} s")


def _corrections(args: argparse.Namespace) -> tuple[dict, dict] | str:
    """--map "Cao cột=height_m" and --value "structure_type:Cột BTS=tower" as (columns, values), or
    the first one that is not so written."""
    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for given in args.map or []:
        column, eq, meant = given.rpartition("=")
        if not eq or not column.strip():
            return f'--map "{given}": write "file column=field" (an empty field leaves the column out)'
        columns[column.strip()] = meant.strip()
    for given in args.value or []:
        head, eq, code = given.rpartition("=")
        name, colon, written = head.partition(":")
        if not (eq and colon and name.strip() and written.strip() and code.strip()):
            return f'--value "{given}": write "field:value as written=code"'
        values.setdefault(name.strip(), {})[written.strip()] = code.strip()
    return columns, values


def _import(args: argparse.Namespace) -> int:
    from app.db import get_engine
    from app.i18n import catalogue
    from app.services.imports import importer
    from gis.problems import ProblemsFound

    corrections = _corrections(args)
    if isinstance(corrections, str):
        print(f"import: {corrections}", file=sys.stderr)
        return 2
    columns, values = corrections
    engine = get_engine()
    try:
        report = importer.import_file(
            engine,
            args.file,
            args.target,
            crs=args.crs,
            dry_run=args.dry_run,
            layer=args.layer,
            encoding=args.encoding,
            mode="upsert" if args.upsert else "insert",
            actor=_cli_actor(),
            swap_axes=True if args.swap_axes else None,
            repair=args.repair,
            profile=args.profile,
            columns=columns,
            values=values,
            gnb_id_bits=args.gnb_id_bits,
        )
    except importer.ImportFailed as exc:
        return _refused("import", args.file, exc, args.lang)
    _said("import", f"{report.file} ({report.format}, {report.crs})", report, args.lang)
    if args.save_profile:
        try:
            with engine.begin() as conn:
                saved = importer.save_used_profile(conn, report, args.save_profile, _cli_actor())
        except ProblemsFound as exc:
            print(f"import: profile '{args.save_profile}' not saved:", file=sys.stderr)
            for line in catalogue(args.lang).render_all(exc.problems):
                print(f"  - {line}", file=sys.stderr)
            return 1
        print(f"import: profile '{saved['name']}' saved ({saved['target']})")
    return 0


def _reform(args: argparse.Namespace) -> int:
    from datetime import date

    from app.db import get_engine
    from app.services.imports import importer, reform

    try:
        effective = date.fromisoformat(args.effective)
    except ValueError:
        print(f"reform: --effective {args.effective}: write the date as YYYY-MM-DD", file=sys.stderr)
        return 2
    try:
        report = reform.apply_file(
            get_engine(),
            args.lineage,
            effective,
            codes=args.codes,
            polygons=args.polygons,
            reform=args.act,
            dry_run=args.dry_run,
            actor=_cli_actor(),
            crs=args.crs,
            layer=args.layer,
        )
    except importer.ImportFailed as exc:
        return _refused("reform", args.lineage, exc, args.lang)
    _said("reform", f"{report.file} from {report.effective}", report, args.lang)
    return 0


def _import_roads(args: argparse.Namespace) -> int | None:
    from app.db import get_engine
    from app.services.imports.importer import ImportFailed
    from app.services.roads import import_roads

    try:
        done = import_roads(
            get_engine(),
            Path(args.file),
            crs=args.crs,
            layer=args.layer,
            attribution=args.attribution,
            actor=_cli_actor(),
        )
    except ImportFailed as exc:
        return _refused("import-roads", args.file, exc, args.lang)
    print(
        f"import-roads: {args.file} replaced the roads: {done.roads} main roads, {done.skipped} other "
        f"features left out, read in {done.crs} ({done.seconds:.1f} s)"
    )


def _refused(command: str, file: str, exc, lang: str) -> int:
    print(f"{command}: {file} refused, nothing written:", file=sys.stderr)
    for problem in exc.sentences(lang):
        print(f"  - {problem}", file=sys.stderr)
    return 1


def _said(command: str, what: str, report, lang: str) -> None:
    """What an import wrote (or, dry, would write), its mapping when dry, then its warnings."""
    verb = "would write" if report.dry_run else "wrote"
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
    print(f"{command}: {what} {verb} {counts} ({report.seconds:.1f} s)")
    if report.dry_run and getattr(report, "mapping", None):
        _print_mapping(report)
    for warning in report.as_dict(lang)["warnings"]:
        print(f"  ! {warning}")


def _print_mapping(report) -> None:
    """The mapping a dry run read the file with, then the counts per table."""
    mapping = report.mapping
    if mapping.get("profile"):
        print(f"  profile: {mapping['profile']}")
    print(f"  CRS: {mapping.get('crs')}; axis order: {mapping.get('axis_order') or 'as declared'}")
    if getattr(report, "header_row", None):
        print(f"  header row: {report.header_row}")
    print("  columns:")
    for c in mapping.get("columns", []):
        print(f"    {c['column']} → {c['field'] or '(not read)'}")
    if mapping.get("unrecognised"):
        print(f"  unrecognised: {', '.join(mapping['unrecognised'])}")
    if mapping.get("values"):
        print("  values:")
        for v in mapping["values"]:
            print(f"    {v['field']}: {v['value']} → {v['code']}")
    print("  counts:")
    for table, n in report.counts.items():
        print(f"    {table}: {n}")


def _cli_actor():
    from app.services.audit import Actor

    # Changes made here are audited under the shell user who ran the command.
    return Actor(None, f"cli:{getpass.getuser()}", "admin")


def _session():
    from sqlalchemy.orm import Session

    from app.db import get_engine
    from app.services.audit import bind_actor

    session = Session(get_engine(), expire_on_commit=False)
    bind_actor(session, _cli_actor())
    return session


def _ensure_admin(_: argparse.Namespace) -> None:
    from app.services import accounts

    settings = get_settings()
    with _session() as session:
        generated = accounts.ensure_admin(session, settings.admin_username, settings.admin_password)
        session.commit()
    if generated:
        bar = "=" * 64
        print(
            f"{bar}\nadmin: created '{settings.admin_username}' with the one-time password\n\n"
            f"    {generated}\n\nwrite it down now: it is shown only this once, and must be changed at "
            f"the first login.\n{bar}",
            flush=True,
        )
    else:
        print("admin: an admin account exists (or was created from ADMIN_PASSWORD)")


def _user(args: argparse.Namespace) -> int:
    from app.errors import DomainError
    from app.services import accounts

    with _session() as session:
        try:
            if args.action == "list":
                for u in accounts.list_users(session):
                    extra = u["operator"] or u["district_code"] or ""
                    print(
                        f"{u['username']:<20} {u['role']:<9} {'active' if u['active'] else 'disabled':<9} {extra}"
                    )
                return 0
            if args.action == "create":
                password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
                generated = None
                if not password:
                    generated = password = secrets.token_urlsafe(12)
                accounts.create_user(
                    session,
                    args.username,
                    password,
                    args.role,
                    operator=args.operator,
                    district_code=args.district,
                    full_name=args.full_name or "",
                    must_change_password=generated is not None,
                )
                note = f" with the one-time password {generated}" if generated else ""
                print(f"user: created {args.username.lower()} ({args.role}){note}")
            else:
                accounts.set_active(session, args.username, args.action == "enable")
                print(f"user: {args.username} {args.action}d")
            session.commit()
        except DomainError as exc:
            print(f"user: {exc.description}", file=sys.stderr)
            return 1
    return 0


def _vocab(args: argparse.Namespace) -> int:
    import os

    from sqlalchemy.exc import IntegrityError

    from app.errors import DomainError
    from app.i18n import catalogue, language
    from app.services.imports import vocabulary
    from gis.problems import ProblemsFound
    from gis.vocabulary import Term

    with _session() as session:
        conn = session.connection()
        try:
            if args.action == "list":
                for t in vocabulary.list_terms(conn, args.domain):
                    note = " (overridden)" if t["overridden"] else ""
                    print(f"{t['id'] or '-'!s:>5} {t['source']:<7} {_shown_term(t)}{note}")
                return 0
            if args.action == "remove":
                removed = vocabulary.remove_term(conn, args.id, _cli_actor())
                print(f"vocab: removed {removed['id']} ({_shown_term(removed)})")
            elif args.from_file:
                path = Path(args.from_file)
                terms, rows = vocabulary.parse_csv(path.read_bytes(), path.name)
                added = vocabulary.add_terms(
                    conn, terms, _cli_actor(), replace=args.replace, rows=rows, source=path.name
                )
                _print_added(added)
            else:
                term = Term(args.domain_, args.alias, args.canonical, args.lang or "")
                _print_added(vocabulary.add_terms(conn, [term], _cli_actor(), replace=args.replace))
            session.commit()
        except ProblemsFound as exc:
            said = catalogue(language(os.environ.get("LC_ALL") or os.environ.get("LANG")))
            print("vocab: refused, nothing written:", file=sys.stderr)
            for line in said.render_all(exc.problems):
                print(f"  - {line}", file=sys.stderr)
            return 1
        except (DomainError, OSError, IntegrityError) as exc:  # IntegrityError: added meanwhile by another
            print(f"vocab: {getattr(exc, 'description', exc)}", file=sys.stderr)
            return 1
    return 0


def _shown_term(t: dict) -> str:
    return f"{t['domain']:<16} {t['alias']} → {t['canonical']}"


def _print_added(result) -> None:
    print(f"vocab: added {len(result.added)}, already in force {result.unchanged}")
    for r in result.replaced:
        print(f"  ! {r['domain']}: '{r['alias']}' meant {r['was']}, now {r['canonical']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create the database if needed and apply migrations").set_defaults(
        func=_migrate
    )
    backup = sub.add_parser("backup", help="dump the database (pg_dump custom format) into backups/")
    backup.add_argument("file", nargs="?", help="the file to write")
    backup.set_defaults(func=_backup)
    restore = sub.add_parser("restore", help="restore a backup, all or nothing")
    restore.add_argument("file", help="a file written by backup")
    restore.add_argument("--force", action="store_true", help="replace a database that holds tables")
    restore.set_defaults(func=_restore)
    seed = sub.add_parser("seed", help="load the sample province when the database is empty")
    seed.add_argument("--force", action="store_true", help="replace whatever is loaded")
    seed.add_argument(
        "--reform",
        action="store_true",
        help="with two more former provinces, then the 2025 reform merging the three into one city (data/hamlets/city/)",
    )
    seed.set_defaults(func=_seed)
    compute = sub.add_parser("compute", help="recompute coverage, dead zones and FTTH reach")
    compute.add_argument("--if-missing", action="store_true", help="only when no run exists yet")
    compute.add_argument("--processes", type=int, default=2, help="worker processes (default 2)")
    compute.add_argument(
        "--as-of",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the network of that day (sites active then), stored beside the live coverage",
    )
    compute.set_defaults(func=_compute)
    imp = sub.add_parser("import", help="import a GeoJSON/GPKG/Shapefile zip/KML/CSV/XLSX file into a layer")
    imp.add_argument("file", help="the file to import")
    imp.add_argument(
        "--target",
        required=True,
        help="organisations (owners, operators), admin_units, districts, communes, hamlets, sites (a "
        "workbook's sheet of cells too), cells (of stored sites), poles, ducts, manholes, "
        "fibre_access_points, commune_offices, speed_tests, tall_structures (water towers, tall buildings, power towers …), bodies (who issues the report, to whom) or plans "
        "(an XLSX with the sheets 'Kế hoạch' and 'Chỉ tiêu'; --upsert replaces a plan of the same code)",
    )
    imp.add_argument("--crs", help=CRS_HELP)
    imp.add_argument("--layer", help="layer (GeoPackage/KML) or shapefile name inside a zip")
    imp.add_argument(
        "--encoding", help="text encoding of a CSV or .dbf that is not UTF-8, e.g. 1258 (Windows-1258)"
    )
    imp.add_argument(
        "--upsert", action="store_true", help="update the rows whose codes exist instead of refusing"
    )
    imp.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    imp.add_argument(
        "--swap-axes",
        action="store_true",
        help="read X and Y (longitude and latitude) "
        "exchanged; without it a file that lands in Vietnam only so is refused",
    )
    imp.add_argument(
        "--repair",
        action="store_true",
        help="repair invalid polygons and report each change of area; without it they are refused",
    )
    imp.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the problems (vi)")
    imp.add_argument(
        "--gnb-id-bits",
        type=int,
        metavar="N",
        help="OpenCelliD NR cells: the gNB id length in the 36-bit NCI, 22..32 (default 24)",
    )
    imp.add_argument("--profile", help="read with this saved import profile (its columns, values, CRS …)")
    imp.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help='a column\'s field, e.g. --map "Cao cột=height_m" (empty: leave it out); repeatable',
    )
    imp.add_argument(
        "--value",
        action="append",
        metavar="FIELD:VALUE=CODE",
        help='a value\'s code, e.g. --value "structure_type:Cột BTS=tower"; repeatable',
    )
    imp.add_argument(
        "--save-profile",
        metavar="NAME",
        help="save the mapping used (corrections included) under NAME, after a successful run",
    )
    imp.set_defaults(func=_import)
    roads = sub.add_parser(
        "import-roads",
        help="replace the offline map's main roads with a file's (GeoJSON/GPKG/Shapefile, OpenStreetMap's "
        "columns highway, ref, name — e.g. ogr2ogr's 'lines' layer of an .osm.pbf), all or nothing",
    )
    roads.add_argument("file", help="the file (a .shp beside its .dbf/.shx/.prj, or zipped)")
    roads.add_argument("--crs", help=CRS_HELP)
    roads.add_argument("--layer", help="the layer of a GeoPackage (e.g. lines)")
    roads.add_argument(
        "--attribution",
        help="whom the map names for them (default: OpenStreetMap's contributors for OSM data)",
    )
    roads.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the problems (vi)")
    roads.set_defaults(func=_import_roads)
    ref = sub.add_parser(
        "reform", help="apply an administrative reform: new units and their lineage, all or nothing"
    )
    ref.add_argument(
        "lineage", help="CSV/XLSX: new_code,new_name,old_code,old_name,part (or Vietnamese headers)"
    )
    ref.add_argument("--effective", required=True, help="the day the new units start (YYYY-MM-DD)")
    ref.add_argument(
        "--codes", help="CSV/XLSX of the new codes: new_code,new_name,unit_type,province_code,province_name"
    )
    ref.add_argument("--polygons", help="GeoJSON/GPKG/zipped SHP of the new units (needed for split units)")
    ref.add_argument("--act", help='the act, e.g. "NQ 1668/NQ-UBTVQH15"')
    ref.add_argument("--crs", help="the polygons' CRS when the file does not say")
    ref.add_argument("--layer", help="layer or shapefile name inside the polygons' file")
    ref.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    ref.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the problems (vi)")
    ref.set_defaults(func=_reform)
    sub.add_parser(
        "ensure-admin",
        help="create the first admin (ADMIN_USERNAME / ADMIN_PASSWORD, or a printed one-time password)",
    ).set_defaults(func=_ensure_admin)
    user = sub.add_parser("user", help="create, disable, enable or list accounts")
    user.add_argument("action", choices=("create", "disable", "enable", "list"))
    user.add_argument("username", nargs="?")
    user.add_argument("--role", choices=("admin", "planner", "official", "operator"))
    user.add_argument("--operator", help="the operator company (short name), for role operator")
    user.add_argument("--district", help="limit an official to one district (code)")
    user.add_argument("--full-name")
    user.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin (otherwise a one-time password is printed)",
    )
    user.set_defaults(func=_user)
    vocab = sub.add_parser("vocab", help="the words the importer reads files with: list, add, remove terms")
    vocab_sub = vocab.add_subparsers(dest="action", required=True)
    vocab_list = vocab_sub.add_parser("list", help="the terms in force (files' and planners')")
    vocab_list.add_argument("--domain", help="one domain only (column, organisation, structure_type …)")
    vocab_add = vocab_sub.add_parser("add", help="add DOMAIN ALIAS CANONICAL, or the terms of --from-file")
    vocab_add.add_argument("domain_", nargs="?", metavar="DOMAIN")
    vocab_add.add_argument("alias", nargs="?", metavar="ALIAS")
    vocab_add.add_argument("canonical", nargs="?", metavar="CANONICAL")
    vocab_add.add_argument("--lang", choices=("vi", "en"), help="the alias's language")
    vocab_add.add_argument("--from-file", metavar="FILE.csv", help="CSV domain,alias,canonical[,lang], UTF-8")
    vocab_add.add_argument("--replace", action="store_true", help="replace an alias meaning something else")
    vocab_remove = vocab_sub.add_parser("remove", help="remove a planner's term by its id (see list)")
    vocab_remove.add_argument("id", type=int)
    vocab.set_defaults(func=_vocab)
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is _user and args.action != "list" and not args.username:
        parser.error("user: give a username")
    if getattr(args, "func", None) is _user and args.action == "create" and not args.role:
        parser.error("user create: give --role")
    if getattr(args, "func", None) is _vocab and args.action == "add":
        given = [args.domain_, args.alias, args.canonical]
        one = args.from_file is None and None not in given
        from_file = args.from_file is not None and given == [None, None, None]
        if not (one or from_file):
            parser.error("vocab add: give DOMAIN ALIAS CANONICAL, or --from-file FILE.csv")
    try:
        return args.func(args) or 0
    except dbadmin.DatabaseAdminError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
