"""The CQL2 parser and compiler: what parses, what SQL it becomes, and where errors point."""
import pytest
import shapely

from app.ogc.cql2 import Compiler, Cql2Error, parse_json, parse_text
from layers.registry import LAYERS

ENT = {f.name: f for f in LAYERS["enterprises"].fields_for("public") if f.queryable}


def compile_text(src, fields=ENT):
    c = Compiler(fields)
    return c.compile(parse_text(src)), c.params


def test_comparison_like_in_between_and_null_compile_to_bound_sql():
    sql, params = compile_text("name LIKE '%物流%' AND employees >= 10 AND established BETWEEN 2000 AND 2010 "
                               "AND industry_code IN ('5429', '3973') AND town IS NULL")
    assert "t.name LIKE :cql0" in sql and params["cql0"] == "%物流%"
    assert "t.employees >= :cql1" in sql and params["cql1"] == 10
    assert "BETWEEN :cql2 AND :cql3" in sql
    assert "t.industry_code IN (:cql4, :cql5)" in sql
    assert "t.town IS NULL" in sql
    assert "'" not in sql.replace("'{}'", "")  # values never inlined


def test_or_not_and_precedence():
    node = parse_text("NOT employees > 5 OR name = 'a' AND town = 'b'")
    assert node.op == "or" and node.args[0].op == "not" and node.args[1].op == "and"


def test_quoted_strings_escape_and_text_is_unicode():
    sql, params = compile_text("name = 'O''Brien 青浦'")
    assert params["cql0"] == "O'Brien 青浦"


def test_spatial_functions_take_wkt_bbox_and_geojson():
    sql, params = compile_text("S_INTERSECTS(geometry, POLYGON((121 31, 121.1 31, 121.1 31.1, 121 31)))")
    assert sql.startswith("ST_Intersects(t.geom, ST_GeomFromWKB(")
    assert shapely.from_wkb(params["cql0"]).geom_type == "Polygon"
    sql, _ = compile_text("S_WITHIN(geometry, BBOX(121, 31, 121.2, 31.2))")
    assert sql.startswith("ST_Within(t.geom")
    c = Compiler(ENT)
    sql = c.compile(parse_json({"op": "s_contains", "args": [{"property": "geometry"},
                                                             {"type": "Point", "coordinates": [121, 31]}]}))
    assert sql.startswith("ST_Contains(t.geom")


def test_array_property_equality_means_contains():
    sql, params = compile_text("zones = 'core'")
    assert sql == "(:cql0 = ANY(t.zones))" and params == {"cql0": "core"}
    sql, _ = compile_text("zones IN ('core', 'corridor')")
    assert "t.zones && ARRAY[" in sql


def test_json_and_text_give_the_same_sql():
    text_sql, text_params = compile_text("employees > 10 AND NOT name LIKE 'x%'")
    c = Compiler(ENT)
    json_sql = c.compile(parse_json({"op": "and", "args": [
        {"op": ">", "args": [{"property": "employees"}, 10]},
        {"op": "not", "args": [{"op": "like", "args": [{"property": "name"}, "x%"]}]}]}))
    assert json_sql == text_sql and c.params == text_params


def test_timestamp_literal_against_datetime_property():
    zones = {f.name: f for f in LAYERS["zones"].fields_for("public") if f.queryable}
    sql, params = compile_text("updated_at > TIMESTAMP('2020-01-01T00:00:00Z')", zones)
    assert params["cql0"].year == 2020


@pytest.mark.parametrize("src, position, fragment", [
    ("employees >", 12, "expected a property or a value"),
    ("employees > 5 AND", 18, "expected a property or a value"),
    ("name = 'unterminated", 8, "unexpected character"),
    ("output_value > 1", 1, "not a queryable"),
    ("nosuch = 1", 1, "not a queryable"),
    ("employees = 'many'", 13, "needs a integer value"),
    ("name LIKE 5", 11, "LIKE needs a quoted pattern"),
    ("employees != 3", 11, "'<>'"),
    ("S_INTERSECTS(geometry, POLYGON((1 2)))", 24, "invalid WKT"),
    ("S_INTERSECTS(name, POINT(1 2))", 14, "not a geometry"),
    ("employees > 5 employees", 15, "after a complete expression"),
    ("(employees > 5", 15, "expected ')'"),
    ("FOO(employees)", 1, "unknown function"),
    ("", 1, "empty"),
])
def test_errors_name_the_character_position(src, position, fragment):
    with pytest.raises(Cql2Error) as err:
        compile_text(src)
    assert err.value.position == position, str(err.value)
    assert fragment in str(err.value)
    assert f"at character {position}" in str(err.value)


@pytest.mark.parametrize("doc, pointer", [
    ({"op": "and", "args": [{"op": "=", "args": [{"property": "employees"}, 1]}]}, "/args"),
    ({"op": "=", "args": [{"property": "nosuch"}, 1]}, "/args/0"),
    ({"op": "frobnicate", "args": []}, "/op"),
    ({"op": "in", "args": [{"property": "name"}, "x"]}, "/args/1"),
    ({"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [[[1]]]}]},
     "/args/1"),
])
def test_json_errors_name_the_json_pointer(doc, pointer):
    with pytest.raises(Cql2Error) as err:
        Compiler(ENT).compile(parse_json(doc))
    assert err.value.position == pointer, str(err.value)


def test_invalid_json_reports_the_character():
    with pytest.raises(Cql2Error) as err:
        parse_json('{"op": "=", ')
    assert isinstance(err.value.position, int)
