"""Reading enterprise lists from CSV (UTF-8, GBK, GB18030), XLSX, GeoJSON and GeoPackage.

Produces the header and the rows as cell values, with the row number a user sees in the
file (the header is row 1; for GeoJSON and GeoPackage, feature n is row n). Lines that are
not valid text in the detected encoding become rejections of their own rows.
"""
from __future__ import annotations

import csv
import io
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio
from charset_normalizer import from_bytes
from openpyxl import load_workbook

from gis.crs import MEASURE_EPSG, geometry_to_wgs84
from gis.enterprise_rows import Rejection, canonical_column
from gis.towns_check import looks_like_degrees

CSV_ENCODINGS = ("utf-8", "gb18030")  # GB18030 is a superset of GBK and GB2312


class ImportFileError(ValueError):
    """The file as a whole cannot be read (empty, unknown format, no header)."""


@dataclass
class RawTable:
    format: str
    headers: list
    rows: list[tuple[int, list]]
    encoding: str | None = None
    broken: list[Rejection] = field(default_factory=list)
    # For GeoJSON / GeoPackage: the file's own coordinate reference system, if it declares one.
    declared_crs: str | None = None


def read_table(data: bytes, filename: str) -> RawTable:
    """Read an uploaded or local file by its extension."""
    suffix = Path(filename).suffix.lower()
    if not data or not data.strip():
        raise ImportFileError(f"the file {Path(filename).name} is empty")
    if suffix in (".csv", ".txt"):
        return read_csv(data)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data)
    if suffix in (".geojson", ".json", ".gpkg"):
        return read_features(data, suffix)
    raise ImportFileError(f"unsupported file type {suffix or '(none)'}: use .csv, .xlsx, .geojson or .gpkg")


# -- CSV ----------------------------------------------------------------------------------------
def detect_encoding(data: bytes) -> str:
    """utf-8-sig / utf-8 / gb18030 when the whole file decodes, else the best guess."""
    return _decode(data)[0]


def _decode(data: bytes) -> tuple[str, str | None]:
    """(the encoding detect_encoding names, the whole file decoded when it decodes without error)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return "utf-8-sig", data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return "utf-8-sig", None
    for encoding in CSV_ENCODINGS:
        try:
            return encoding, data.decode(encoding)
        except UnicodeDecodeError:
            pass
    # Some bytes are broken whatever we try: keep the encoding that reads the most lines,
    # with charset-normalizer's guess as a third candidate.

    candidates = list(CSV_ENCODINGS)
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding not in candidates:
        candidates.append(best.encoding)

    def broken_lines(encoding: str) -> int:
        count = 0
        for line in data.splitlines():
            try:
                line.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                count += 1
        return count

    return min(candidates, key=broken_lines), None


def read_csv(data: bytes) -> RawTable:
    encoding, whole = _decode(data)
    bad_lines: dict[int, str] = {}
    # A file that decodes as a whole reads the same as line by line: neither UTF-8 nor GB18030 has a
    # line-break byte inside a character. Only a UTF-8 BOM at the start of a later line differs
    # (a line decoded on its own drops it), so such a file goes line by line.
    if whole is not None and not (encoding == "utf-8-sig" and (b"\n\xef\xbb\xbf" in data or b"\r\xef\xbb\xbf" in data)):
        text = whole.lstrip("\ufeff") if encoding == "utf-8-sig" else whole
    else:
        text_lines: list[str] = []
        for number, line in enumerate(data.splitlines(keepends=True), start=1):
            try:
                text_lines.append(line.decode(encoding))
            except UnicodeDecodeError as exc:
                bad = line[exc.start:exc.start + 4].hex(" ")
                bad_lines[number] = f"broken encoding: bytes {bad} are not valid {_label(encoding)} text"
                text_lines.append(line.decode(encoding, errors="replace"))
        if encoding == "utf-8-sig" and text_lines:
            text_lines[0] = text_lines[0].lstrip("\ufeff")
        text = "".join(text_lines)
    reader = csv.reader(io.StringIO(text))
    if not bad_lines:
        try:
            records = list(reader)
        except csv.Error as exc:
            raise ImportFileError(f"not a readable CSV file (line {reader.line_num}: {exc})") from None
        if reader.line_num == len(records):  # no record spans lines: record k is line k + 1
            return _table_of_lines(records, encoding)
        reader = csv.reader(io.StringIO(text))
    headers: list | None = None
    rows: list[tuple[int, list]] = []
    broken: list[Rejection] = []
    start = 1
    for record in _records(reader):
        end = reader.line_num
        spanned = [bad_lines[n] for n in range(start, end + 1) if n in bad_lines] if bad_lines else ()
        if headers is None:
            if not "".join(record).strip():  # every cell blank
                start = end + 1
                continue
            if spanned:
                raise ImportFileError(f"the header (line {start}) is not valid {_label(encoding)} text")
            headers = record
        elif spanned:
            broken.append(Rejection(start, "", "", spanned[0]))
        elif "".join(record).strip():
            rows.append((start, record))
        start = end + 1
    if headers is None:
        raise ImportFileError("the file has no header row")
    return RawTable("csv", headers, rows, encoding=_label(encoding), broken=broken)


def _table_of_lines(records: list[list[str]], encoding: str) -> RawTable:
    """The table of records that are each one line of the file: the first non-blank one is the header."""
    for start, record in enumerate(records):
        if "".join(record).strip():
            break
    else:
        raise ImportFileError("the file has no header row")
    rows = [(number, record) for number, record in enumerate(records[start + 1:], start=start + 2)
            if record and (record[0].strip() or "".join(record).strip())]
    return RawTable("csv", records[start], rows, encoding=_label(encoding))


def _records(reader):
    """The CSV reader's records; its own errors (a NUL byte, a field over csv.field_size_limit()) end
    the file with one clear message instead of an unexpected exception."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFileError(f"not a readable CSV file (line {reader.line_num}: {exc})") from None


def _label(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030/GBK"}.get(encoding, encoding)


# -- XLSX ---------------------------------------------------------------------------------------
def read_xlsx(data: bytes) -> RawTable:

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(f"not a readable .xlsx workbook: {exc}") from None
    try:
        sheet = book.worksheets[0]
        headers: list | None = None
        rows: list[tuple[int, list]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = list(values)
            if headers is None:
                if any(v is not None and str(v).strip() for v in values):
                    headers = values
                continue
            if any(v is not None and str(v).strip() for v in values):
                rows.append((number, values))
    finally:
        book.close()
    if headers is None:
        raise ImportFileError("the workbook's first sheet is empty")
    return RawTable("xlsx", headers, rows)


# -- GeoJSON / GeoPackage --------------------------------------------------------------------------
def read_features(data: bytes, suffix: str) -> RawTable:

    try:
        with warnings.catch_warnings():  # in-memory files have no extension for GDAL to check
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pyogrio.read_dataframe(io.BytesIO(data))
    except Exception as exc:
        raise ImportFileError(f"not a readable {suffix[1:]} file: {str(exc).splitlines()[0]}") from None
    if frame.empty:
        raise ImportFileError("the file has no features")
    declared = None
    if frame.crs is not None:
        epsg = frame.crs.to_epsg()
        if epsg in (4326, 4490, None) and frame.crs.is_geographic:
            declared = "cgcs2000" if epsg == 4490 else "wgs84"
        else:
            frame = frame.to_crs(4490 if frame.crs.datum and "2000" in frame.crs.datum.name else 4326)
            declared = "reprojected"
    attrs = [c for c in frame.columns if c != frame.geometry.name]
    headers = attrs + ["经度", "纬度"]
    rows = []
    for index, (values, geom) in enumerate(zip(frame[attrs].itertuples(index=False, name=None),
                                              frame.geometry), start=1):
        values = [None if _missing(v) else v for v in values]
        if geom is None or geom.is_empty:
            rows.append((index, values + [None, None]))
        elif geom.geom_type != "Point":
            rows.append((index, values + [f"({geom.geom_type})", f"({geom.geom_type})"]))
        else:
            rows.append((index, values + [geom.x, geom.y]))
    # A point geometry replaces lon/lat attribute columns of the same meaning.

    keep = [i for i, h in enumerate(attrs) if canonical_column(h) not in ("lon", "lat")]
    keep += [len(attrs), len(attrs) + 1]
    headers = [headers[i] for i in keep]
    rows = [(n, [v[i] for i in keep]) for n, v in rows]
    return RawTable(suffix[1:], headers, rows, declared_crs=declared)


def _missing(value) -> bool:
    try:
        return value is None or value != value  # NaN / NaT
    except Exception:
        return False


# -- files of features with any geometry (sites' polygons, towns' outlines), read from a path --------
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")


def read_geofile(path: Path):
    """A GeoDataFrame of a GeoJSON, GeoPackage or Shapefile (a Shapefile needs its sidecar files,
    hence a path rather than bytes); ImportFileError when it cannot be read or is empty."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"no such file: {path}")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise ImportFileError(f"cannot read {path.name} as GeoJSON, GeoPackage or Shapefile: {exc}") from exc
    if frame.empty:
        raise ImportFileError(f"{path.name} holds no features")
    return frame


SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def read_uploaded_geofile(parts: list[tuple[str, bytes]]):
    """A GeoDataFrame of uploaded files: one GeoJSON or GeoPackage, a Shapefile's parts (.shp, .shx,
    .dbf, .prj) sent together, or a .zip holding either. Read from a private temporary folder;
    member paths inside a zip are reduced to their file names (no path escapes the folder)."""
    with tempfile.TemporaryDirectory(prefix="qingpu-upload-") as tmp:
        folder = Path(tmp)
        names = []
        for filename, data in parts:
            name = Path(filename or "upload").name
            if name.lower().endswith(".zip"):
                try:
                    with zipfile.ZipFile(io.BytesIO(data)) as archive:
                        for member in archive.infolist():
                            inner = Path(member.filename).name
                            if member.is_dir() or not inner or Path(inner).suffix.lower() not in \
                                    GEO_SUFFIXES + SHAPEFILE_PARTS:
                                continue
                            if member.file_size > 256 * 2**20:
                                raise ImportFileError(f"{inner} in {name} is too large")
                            (folder / inner).write_bytes(archive.read(member))
                            names.append(inner)
                except zipfile.BadZipFile:
                    raise ImportFileError(f"{name} is not a readable .zip archive") from None
            else:
                (folder / name).write_bytes(data)
                names.append(name)
        mains = [n for n in names if Path(n).suffix.lower() in GEO_SUFFIXES]
        if len(mains) != 1:
            found = ", ".join(names) or "nothing"
            raise ImportFileError(f"send one GeoJSON, GeoPackage or Shapefile (with its .shx, .dbf and .prj, or all "
                                  f"in a .zip); got {found}")
        main = folder / mains[0]
        if main.suffix.lower() == ".shp":
            missing = [s for s in (".shx", ".dbf") if not main.with_suffix(s).exists()
                       and not main.with_suffix(s.upper()).exists()]
            if missing:
                raise ImportFileError(f"the Shapefile {main.name} needs its {' and '.join(missing)} part(s) too "
                                      f"(send them together, or zip them)")
        return read_geofile(main)


# --crs values of files with geometries: the lon/lat systems of every import plus Qingpu's projected
# CGCS2000 zone (EPSG:4549, metres).
GEO_CRS_CHOICES = ("wgs84", "cgcs2000", "gcj02", "bd09", "epsg4549")


def frame_to_lonlat(frame, crs: str | None):
    """(the frame reprojected to lon/lat, its geometries in WGS84, the source system to record).

    A declared projected system (a .prj, a GeoPackage's SRS, e.g. EPSG:4549) is reprojected;
    without one the coordinates are read as `crs` says (default wgs84). GCJ-02 / BD-09 lon/lat are
    converted. CGCS2000 and WGS84 differ by centimetres: only the projection changes, never the datum.
    ImportFileError when the coordinates are not lon/lat after that (a missing or wrong system)."""
    if crs is not None and crs not in GEO_CRS_CHOICES:
        raise ImportFileError(f"crs must be one of {', '.join(GEO_CRS_CHOICES)}; got '{crs}'")
    declared = None
    if frame.crs is not None:
        epsg = frame.crs.to_epsg()
        declared = f"EPSG:{epsg}" if epsg else frame.crs.name
    projected = frame.crs is not None and not frame.crs.is_geographic
    if crs == "epsg4549":
        if projected and frame.crs.to_epsg() != MEASURE_EPSG:
            raise ImportFileError(f"the file declares {declared}, but crs says EPSG:{MEASURE_EPSG}; "
                                  f"leave crs out to use the file's own system")
        frame = frame.set_crs(MEASURE_EPSG, allow_override=True)
        projected, declared = True, f"EPSG:{MEASURE_EPSG}"
    if projected:
        datum = frame.crs.datum.name if frame.crs.datum else ""
        frame = frame.to_crs(4490 if "2000" in datum else 4326)
        source = declared
    else:
        source = crs or ("cgcs2000" if declared == "EPSG:4490" else "wgs84")
    bounds = frame.total_bounds
    if not looks_like_degrees(bounds):
        raise ImportFileError(f"coordinates are not longitude/latitude (bounds {', '.join(f'{v:.0f}' for v in bounds)}) "
                              f"and the file declares no coordinate system: give crs epsg4549 for "
                              f"CGCS2000 / 3-degree GK CM 120E metres")
    geoms = list(frame.geometry)
    if not projected and crs in ("gcj02", "bd09"):
        geoms = [geometry_to_wgs84(g, crs) if g is not None and not g.is_empty else g for g in geoms]
    return frame, geoms, source
