"""A strict CQL2 parser (text and JSON encodings) compiled to SQL with bound parameters.

Supported: comparisons (=, <>, <, <=, >, >=), LIKE, IN, BETWEEN, IS [NOT] NULL, AND/OR/NOT,
TRUE/FALSE, TIMESTAMP()/DATE() literals, and the spatial functions S_INTERSECTS, S_WITHIN,
S_CONTAINS, S_DISJOINT, S_EQUALS, S_TOUCHES, S_OVERLAPS, S_CROSSES with WKT, BBOX() or GeoJSON
geometries. Every property name is checked against the caller's queryables; anything else is a
Cql2Error carrying the character position (text) or JSON pointer (JSON) of the mistake.

An array property (zones, member_towns, ...) compared with `=` means "contains this value", and
with IN "contains any of these values" — the same meaning as the plain property filters.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime

import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry

GEOMETRY_PROPERTY = "geometry"
COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
SPATIAL = {"s_intersects": "ST_Intersects", "s_within": "ST_Within", "s_contains": "ST_Contains",
           "s_disjoint": "ST_Disjoint", "s_equals": "ST_Equals", "s_touches": "ST_Touches",
           "s_overlaps": "ST_Overlaps", "s_crosses": "ST_Crosses"}
WKT_TYPES = ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
             "GEOMETRYCOLLECTION")
# Deepest nesting of NOT, parentheses or JSON operators: far beyond any real filter, far below recursion limits.
MAX_DEPTH = 100
KEYWORDS = {"AND", "OR", "NOT", "LIKE", "IN", "BETWEEN", "IS", "NULL", "TRUE", "FALSE", "TIMESTAMP", "DATE"}


class Cql2Error(ValueError):
    def __init__(self, message: str, position):
        where = f"at character {position}" if isinstance(position, int) else f"at {position or '/'}"
        super().__init__(f"CQL2 filter error {where}: {message}")
        self.message, self.position = message, position


# -- the syntax tree shared by both encodings -------------------------------------------------
@dataclass
class Prop:
    name: str
    pos: object


@dataclass
class Lit:
    value: object
    kind: str  # string | number | boolean | timestamp | date
    pos: object


@dataclass
class Geom:
    geom: BaseGeometry
    pos: object


@dataclass
class Node:
    op: str  # and | or | not | cmp | like | in | between | isnull | spatial | bool
    args: list
    pos: object
    name: str = ""  # comparison operator or spatial function
    negated: bool = False


# -- CQL2 text ---------------------------------------------------------------------------------
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<qident>"(?:[^"]|"")+")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.:]*)
  | (?P<op><>|<=|>=|!=|[=<>(),])
""", re.VERBOSE)


@dataclass
class Tok:
    kind: str  # string number ident qident op wkt end
    text: str
    pos: int
    value: object = None


def _tokens(src: str) -> list[Tok]:
    toks, i = [], 0
    while i < len(src):
        word = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(").match(src, i)
        if word and word.group(1).upper() in (*WKT_TYPES, "BBOX", "ENVELOPE"):
            end = _closing_paren(src, i + len(word.group(1)), i)
            toks.append(Tok("wkt", src[i:end], i + 1, word.group(1).upper()))
            i = end
            continue
        m = _TOKEN.match(src, i)
        if not m:
            raise Cql2Error(f"unexpected character {src[i]!r}", i + 1)
        kind = m.lastgroup
        if kind != "ws":
            toks.append(Tok(kind, m.group(0), i + 1))
        i = m.end()
    toks.append(Tok("end", "", len(src) + 1))
    return toks


def _closing_paren(src: str, start: int, origin: int) -> int:
    j = start
    while j < len(src) and src[j].isspace():
        j += 1
    if j >= len(src) or src[j] != "(":
        raise Cql2Error("a geometry keyword must be followed by '('", origin + 1)
    depth = 0
    for k in range(j, len(src)):
        depth += {"(": 1, ")": -1}.get(src[k], 0)
        if depth == 0:
            return k + 1
    raise Cql2Error("geometry literal is missing its closing ')'", origin + 1)


def _geometry_from_wkt(tok: Tok) -> Geom:
    if tok.value in ("BBOX", "ENVELOPE"):
        inner = tok.text[tok.text.index("(") + 1:-1]
        try:
            nums = [float(v) for v in inner.split(",")]
        except ValueError:
            raise Cql2Error("BBOX takes four numbers: BBOX(minx, miny, maxx, maxy)", tok.pos)
        if len(nums) != 4 or not all(map(math.isfinite, nums)) or nums[0] > nums[2] or nums[1] > nums[3]:
            raise Cql2Error("BBOX takes four finite numbers minx, miny, maxx, maxy with min <= max", tok.pos)
        return Geom(shapely.geometry.box(*nums), tok.pos)
    try:
        geom = shapely.from_wkt(tok.text)
    except Exception as exc:  # shapely's GEOS message names the problem
        raise Cql2Error(f"invalid WKT geometry ({str(exc).splitlines()[0]})", tok.pos)
    return _finite_geom(geom, tok.pos)


def _finite_geom(geom: BaseGeometry, pos) -> Geom:
    if not all(map(math.isfinite, shapely.get_coordinates(geom).ravel())):
        raise Cql2Error("the geometry's coordinates must be finite numbers (no NaN or Infinity)", pos)
    return Geom(geom, pos)


class _TextParser:
    def __init__(self, src: str):
        self.toks = _tokens(src)
        self.i = 0
        self.depth = 0

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Cql2Error(f"the filter is nested too deeply (NOT and parentheses: at most {MAX_DEPTH})",
                            self.tok.pos)

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def _kw(self, word: str, offset: int = 0) -> bool:
        t = self.toks[min(self.i + offset, len(self.toks) - 1)]
        return t.kind == "ident" and t.text.upper() == word

    def _op(self, text: str) -> bool:
        return self.tok.kind == "op" and self.tok.text == text

    def _expect_op(self, text: str) -> Tok:
        if not self._op(text):
            raise Cql2Error(f"expected '{text}' but found {self._describe()}", self.tok.pos)
        t = self.tok
        self.i += 1
        return t

    def _describe(self) -> str:
        return "the end of the filter" if self.tok.kind == "end" else f"'{self.tok.text}'"

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise Cql2Error("the filter is empty", 1)
        node = self._or()
        if self.tok.kind != "end":
            raise Cql2Error(f"unexpected {self._describe()} after a complete expression", self.tok.pos)
        return node

    def _or(self) -> Node:
        pos, args = self.tok.pos, [self._and()]
        while self._kw("OR"):
            self.i += 1
            args.append(self._and())
        return args[0] if len(args) == 1 else Node("or", args, pos)

    def _and(self) -> Node:
        pos, args = self.tok.pos, [self._not()]
        while self._kw("AND"):
            self.i += 1
            args.append(self._not())
        return args[0] if len(args) == 1 else Node("and", args, pos)

    def _not(self) -> Node:
        if self._kw("NOT"):
            pos = self.tok.pos
            self.i += 1
            self._deeper()
            node = Node("not", [self._not()], pos)
            self.depth -= 1
            return node
        return self._predicate()

    def _predicate(self) -> Node:
        tok = self.tok
        if self._op("("):
            self.i += 1
            self._deeper()
            node = self._or()
            self._expect_op(")")
            self.depth -= 1
            return node
        if tok.kind == "ident" and tok.text.lower() in SPATIAL:
            self.i += 1
            self._expect_op("(")
            a = self._geom_operand()
            self._expect_op(",")
            b = self._geom_operand()
            self._expect_op(")")
            return Node("spatial", [a, b], tok.pos, name=tok.text.lower())
        if tok.kind == "ident" and tok.text.upper() in ("TRUE", "FALSE") and not self._comparison_follows(1):
            self.i += 1
            return Node("bool", [tok.text.upper() == "TRUE"], tok.pos)
        left = self._scalar()
        negated = False
        if self._kw("NOT") and any(self._kw(w, 1) for w in ("LIKE", "IN", "BETWEEN")):
            negated = True
            self.i += 1
        if self._kw("LIKE"):
            self.i += 1
            return Node("like", [left, self._scalar()], tok.pos, negated=negated)
        if self._kw("IN"):
            self.i += 1
            self._expect_op("(")
            values = [self._scalar()]
            while self._op(","):
                self.i += 1
                values.append(self._scalar())
            self._expect_op(")")
            return Node("in", [left, values], tok.pos, negated=negated)
        if self._kw("BETWEEN"):
            self.i += 1
            low = self._scalar()
            if not self._kw("AND"):
                raise Cql2Error(f"BETWEEN needs 'AND' but found {self._describe()}", self.tok.pos)
            self.i += 1
            return Node("between", [left, low, self._scalar()], tok.pos, negated=negated)
        if self._kw("IS"):
            self.i += 1
            neg = False
            if self._kw("NOT"):
                neg, self.i = True, self.i + 1
            if not self._kw("NULL"):
                raise Cql2Error(f"expected NULL after IS but found {self._describe()}", self.tok.pos)
            self.i += 1
            return Node("isnull", [left], tok.pos, negated=neg)
        if self.tok.kind == "op" and self.tok.text in COMPARISONS:
            op = self.tok.text
            self.i += 1
            return Node("cmp", [left, self._scalar()], tok.pos, name=op)
        if self._op("!="):
            raise Cql2Error("CQL2 writes 'not equal' as '<>'", self.tok.pos)
        raise Cql2Error(f"expected a comparison, LIKE, IN, BETWEEN or IS NULL after '{tok.text}' but found "
                        f"{self._describe()}", self.tok.pos)

    def _comparison_follows(self, offset: int) -> bool:
        t = self.toks[min(self.i + offset, len(self.toks) - 1)]
        return (t.kind == "op" and t.text in COMPARISONS) or (
            t.kind == "ident" and t.text.upper() in ("LIKE", "IN", "BETWEEN", "IS", "NOT"))

    def _geom_operand(self):
        if self.tok.kind == "wkt":
            t = self.tok
            self.i += 1
            return _geometry_from_wkt(t)
        return self._scalar()

    def _scalar(self):
        t = self.tok
        if t.kind == "string":
            self.i += 1
            return Lit(t.text[1:-1].replace("''", "'"), "string", t.pos)
        if t.kind == "number":
            self.i += 1
            value = float(t.text) if any(c in t.text for c in ".eE") else int(t.text)
            return Lit(value, "number", t.pos)
        if t.kind == "qident":
            self.i += 1
            return Prop(t.text[1:-1].replace('""', '"'), t.pos)
        if t.kind == "wkt":
            self.i += 1
            return _geometry_from_wkt(t)
        if t.kind == "ident":
            word = t.text.upper()
            if word in ("TRUE", "FALSE"):
                self.i += 1
                return Lit(word == "TRUE", "boolean", t.pos)
            if word in ("TIMESTAMP", "DATE"):
                self.i += 1
                self._expect_op("(")
                inner = self.tok
                if inner.kind != "string":
                    raise Cql2Error(f"{word} takes a quoted ISO 8601 string", inner.pos)
                self.i += 1
                self._expect_op(")")
                return _temporal(word.lower(), inner.text[1:-1], inner.pos)
            if word in KEYWORDS:
                raise Cql2Error(f"expected a property or a value but found the keyword {word}", t.pos)
            if self.toks[self.i + 1].kind == "op" and self.toks[self.i + 1].text == "(":
                raise Cql2Error(f"unknown function '{t.text}'", t.pos)
            self.i += 1
            return Prop(t.text, t.pos)
        raise Cql2Error(f"expected a property or a value but found {self._describe()}", t.pos)


def _temporal(kind: str, raw: str, pos) -> Lit:
    try:
        if kind == "date":
            return Lit(date.fromisoformat(raw), "date", pos)
        return Lit(datetime.fromisoformat(raw.replace("Z", "+00:00")), "timestamp", pos)
    except ValueError:
        raise Cql2Error(f"'{raw}' is not an ISO 8601 {kind}", pos)


def parse_text(src: str) -> Node:
    return _TextParser(src).parse()


# -- CQL2 JSON ---------------------------------------------------------------------------------
_JSON_OPS = {"and", "or", "not", "=", "<>", "<", "<=", ">", ">=", "like", "in", "between", "isnull",
             *SPATIAL}


def parse_json(src) -> Node:
    if isinstance(src, str):
        try:
            src = json.loads(src, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise Cql2Error(f"not valid JSON ({exc.msg})", exc.pos + 1)
        except RecursionError:
            src = None
    if src is None or _json_depth(src) > MAX_DEPTH:
        raise Cql2Error(f"the filter is nested too deeply (at most {MAX_DEPTH} levels)", "")
    return _json_node(src, "")


def _no_constant(name: str):
    raise Cql2Error(f"{name} is not a number CQL2 accepts; numbers must be finite", "")


def _json_depth(obj) -> int:
    deepest, stack = 0, [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _json_node(obj, path: str) -> Node:
    if isinstance(obj, bool):
        return Node("bool", [obj], path)
    if not isinstance(obj, dict) or "op" not in obj or "args" not in obj:
        raise Cql2Error("expected an object with 'op' and 'args'", path)
    extra = set(obj) - {"op", "args"}
    if extra:
        raise Cql2Error(f"unexpected member(s) {', '.join(sorted(extra))}", path)
    op, args = obj["op"], obj["args"]
    if not isinstance(op, str) or op.lower() not in _JSON_OPS:
        raise Cql2Error(f"unknown operator {op!r}", f"{path}/op")
    op = op.lower()
    if not isinstance(args, list):
        raise Cql2Error("'args' must be an array", f"{path}/args")
    at = [f"{path}/args/{i}" for i in range(len(args))]

    def need(n: int):
        if len(args) != n:
            raise Cql2Error(f"'{op}' takes {n} argument(s), got {len(args)}", f"{path}/args")

    if op in ("and", "or"):
        if len(args) < 2:
            raise Cql2Error(f"'{op}' takes at least two arguments", f"{path}/args")
        return Node(op, [_json_node(a, p) for a, p in zip(args, at)], path)
    if op == "not":
        need(1)
        return Node("not", [_json_node(args[0], at[0])], path)
    if op in COMPARISONS:
        need(2)
        return Node("cmp", [_json_scalar(args[0], at[0]), _json_scalar(args[1], at[1])], path, name=op)
    if op == "like":
        need(2)
        return Node("like", [_json_scalar(args[0], at[0]), _json_scalar(args[1], at[1])], path)
    if op == "in":
        need(2)
        if not isinstance(args[1], list):
            raise Cql2Error("the second argument of 'in' must be an array", at[1])
        return Node("in", [_json_scalar(args[0], at[0]),
                           [_json_scalar(v, f"{at[1]}/{i}") for i, v in enumerate(args[1])]], path)
    if op == "between":
        need(3)
        return Node("between", [_json_scalar(a, p) for a, p in zip(args, at)], path)
    if op == "isnull":
        need(1)
        return Node("isnull", [_json_scalar(args[0], at[0])], path)
    need(2)
    return Node("spatial", [_json_geom_operand(args[0], at[0]), _json_geom_operand(args[1], at[1])], path, name=op)


def _json_scalar(obj, path: str):
    if isinstance(obj, bool):
        return Lit(obj, "boolean", path)
    if isinstance(obj, (int, float)):
        return Lit(obj, "number", path)
    if isinstance(obj, str):
        return Lit(obj, "string", path)
    if isinstance(obj, dict):
        if set(obj) == {"property"} and isinstance(obj["property"], str):
            return Prop(obj["property"], path)
        if set(obj) == {"timestamp"} and isinstance(obj["timestamp"], str):
            return _temporal("timestamp", obj["timestamp"], path)
        if set(obj) == {"date"} and isinstance(obj["date"], str):
            return _temporal("date", obj["date"], path)
        if "type" in obj or "bbox" in obj:
            return _json_geom_operand(obj, path)
    raise Cql2Error("expected a property, a value, a timestamp or a date", path)


def _json_geom_operand(obj, path: str):
    if isinstance(obj, dict) and set(obj) == {"bbox"}:
        b = obj["bbox"]
        if not (isinstance(b, list) and len(b) == 4 and all(isinstance(v, (int, float)) for v in b)
                and all(map(math.isfinite, b)) and b[0] <= b[2] and b[1] <= b[3]):
            raise Cql2Error("bbox must be four numbers minx, miny, maxx, maxy with min <= max", path)
        return Geom(shapely.geometry.box(*b), path)
    if isinstance(obj, dict) and "type" in obj:
        try:
            geom = shapely.geometry.shape(obj)
        except Exception as exc:
            raise Cql2Error(f"invalid GeoJSON geometry ({exc})", path)
        if geom.is_empty:
            raise Cql2Error("the geometry is empty", path)
        return Geom(geom, path)
    return _json_scalar(obj, path)


# -- compiling to SQL --------------------------------------------------------------------------
_NUMERIC = {"integer", "number"}


class Compiler:
    """Turns a syntax tree into a SQL boolean expression over the alias `t`.

    `fields` maps each queryable name to its registry Field (with .type and .expr);
    `to_storage` converts a literal geometry from the filter-crs to WGS84 (shapely in, shapely out).
    """

    def __init__(self, fields: dict, to_storage=lambda g: g, geometry_expr: str = "t.geom"):
        self.fields, self.to_storage, self.geometry_expr = fields, to_storage, geometry_expr
        self.params: dict = {}

    def compile(self, node: Node) -> str:
        return getattr(self, f"_{node.op}")(node)

    def _bind(self, value) -> str:
        name = f"cql{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def _field(self, prop: Prop):
        f = self.fields.get(prop.name)
        if f is None:
            names = ", ".join(sorted([*self.fields, GEOMETRY_PROPERTY]))
            raise Cql2Error(f"'{prop.name}' is not a queryable of this collection (queryables: {names})", prop.pos)
        return f

    def _and(self, node):
        return "(" + " AND ".join(self.compile(a) for a in node.args) + ")"

    def _or(self, node):
        return "(" + " OR ".join(self.compile(a) for a in node.args) + ")"

    def _not(self, node):
        return f"(NOT {self.compile(node.args[0])})"

    def _bool(self, node):
        return "TRUE" if node.args[0] else "FALSE"

    def _value(self, operand, ftype: str, what: str) -> str:
        """A literal bound as a parameter after checking it fits a property of type ftype."""
        if isinstance(operand, Prop):
            other = self._field(operand)
            if other.type != ftype and not (other.type in _NUMERIC and ftype in _NUMERIC):
                raise Cql2Error(f"cannot compare a {ftype} with '{operand.name}' ({other.type})", operand.pos)
            return other.expr
        if isinstance(operand, Geom):
            raise Cql2Error(f"a geometry cannot be used in {what}", operand.pos)
        ok = {"string": ("string",), "integer": ("number",), "number": ("number",), "boolean": ("boolean",),
              "datetime": ("timestamp", "date"), "array": ("string",)}.get(ftype, ())
        if operand.kind not in ok:
            raise Cql2Error(f"{what} needs a {ftype} value, got the {operand.kind} {operand.value!r}", operand.pos)
        return self._bind(operand.value)

    def _sides(self, node) -> tuple:
        left, right = node.args[0], node.args[1]
        if isinstance(left, Prop):
            return left, right
        if isinstance(right, Prop):
            return right, left
        raise Cql2Error("a comparison needs a property on one side", node.pos)

    def _cmp(self, node):
        prop, other = self._sides(node)
        f = self._field(prop)
        swapped = prop is not node.args[0]
        op = node.name
        if f.type == "array":
            if op not in ("=", "<>"):
                raise Cql2Error(f"'{prop.name}' is a list: compare it with = (contains) or <>", node.pos)
            value = self._value(other, f.type, f"'{prop.name}'")
            sql = f"({value} = ANY({f.expr}))"
            return sql if op == "=" else f"(NOT {sql})"
        if f.type == "boolean" and op not in ("=", "<>"):
            raise Cql2Error(f"'{prop.name}' is a boolean: only = and <> apply", node.pos)
        value = self._value(other, f.type, f"'{prop.name}'")
        left, right = (value, f.expr) if swapped else (f.expr, value)
        return f"({left} {COMPARISONS[op]} {right})"

    def _like(self, node):
        prop, pattern = node.args
        if not isinstance(prop, Prop):
            raise Cql2Error("LIKE needs a property on its left", node.pos)
        f = self._field(prop)
        if f.type != "string":
            raise Cql2Error(f"LIKE applies to text; '{prop.name}' is {f.type}", prop.pos)
        if not (isinstance(pattern, Lit) and pattern.kind == "string"):
            raise Cql2Error("LIKE needs a quoted pattern", getattr(pattern, "pos", node.pos))
        sql = f"({f.expr} LIKE {self._bind(pattern.value)})"
        return f"(NOT {sql})" if node.negated else sql

    def _in(self, node):
        prop, values = node.args
        if not isinstance(prop, Prop):
            raise Cql2Error("IN needs a property on its left", node.pos)
        f = self._field(prop)
        if not values:
            raise Cql2Error("IN needs at least one value", node.pos)
        bound = [self._value(v, f.type, f"'{prop.name}' IN") for v in values]
        if f.type == "array":
            sql = f"({f.expr} && ARRAY[{', '.join(bound)}]::text[])"
        else:
            sql = f"({f.expr} IN ({', '.join(bound)}))"
        return f"(NOT {sql})" if node.negated else sql

    def _between(self, node):
        prop, low, high = node.args
        if not isinstance(prop, Prop):
            raise Cql2Error("BETWEEN needs a property on its left", node.pos)
        f = self._field(prop)
        if f.type not in (*_NUMERIC, "datetime", "string"):
            raise Cql2Error(f"BETWEEN does not apply to '{prop.name}' ({f.type})", prop.pos)
        sql = (f"({f.expr} BETWEEN {self._value(low, f.type, 'BETWEEN')} "
               f"AND {self._value(high, f.type, 'BETWEEN')})")
        return f"(NOT {sql})" if node.negated else sql

    def _isnull(self, node):
        prop = node.args[0]
        if not isinstance(prop, Prop):
            raise Cql2Error("IS NULL needs a property", node.pos)
        expr = self.geometry_expr if prop.name == GEOMETRY_PROPERTY else self._field(prop).expr
        return f"({expr} IS {'NOT ' if node.negated else ''}NULL)"

    def _geometry_sql(self, operand) -> str:
        if isinstance(operand, Prop):
            if operand.name != GEOMETRY_PROPERTY:
                self._field(operand)  # unknown names get the queryables message
                raise Cql2Error(f"'{operand.name}' is not a geometry; the geometry is '{GEOMETRY_PROPERTY}'",
                                operand.pos)
            return self.geometry_expr
        if isinstance(operand, Geom):
            try:
                geom = self.to_storage(operand.geom)
            except Exception as exc:
                raise Cql2Error(f"the geometry cannot be converted to WGS84 ({exc})", operand.pos)
            return f"ST_GeomFromWKB({self._bind(shapely.to_wkb(geom))}, 4326)"
        raise Cql2Error("a spatial function takes geometries: the property "
                        f"'{GEOMETRY_PROPERTY}' or a WKT/GeoJSON literal", operand.pos)

    def _spatial(self, node):
        a, b = (self._geometry_sql(x) for x in node.args)
        if self.geometry_expr not in (a, b):
            raise Cql2Error(f"a spatial function needs the property '{GEOMETRY_PROPERTY}' as one argument", node.pos)
        return f"{SPATIAL[node.name]}({a}, {b})"


def parse(src: str, lang: str) -> Node:
    if lang == "cql2-text":
        return parse_text(src)
    if lang == "cql2-json":
        return parse_json(src)
    raise ValueError(f"unknown filter-lang {lang}")
