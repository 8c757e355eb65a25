"""Where a zone edit can change placements, before any enterprise is read."""
from shapely.geometry import box

from gis.assign import changed_area


def test_the_gained_and_lost_parts_and_with_whole_everything_either_outline_covers():
    old, new = box(0, 0, 2, 2), box(1, 0, 3, 2)
    assert changed_area(old, new, False, []).equals(box(0, 0, 1, 2).union(box(2, 0, 3, 2)))
    assert changed_area(old, new, True, []).equals(box(0, 0, 3, 2))


def test_a_zone_whose_order_flipped_adds_where_it_meets_the_edited_zone():
    old, new, other = box(0, 0, 2, 2), box(0, 0, 2.5, 2), box(1.5, 1, 5, 5)
    area = changed_area(old, new, False, [other])
    assert area.equals(box(2, 0, 2.5, 2).union(box(1.5, 1, 2.5, 2)))


def test_a_created_or_deleted_zone_is_its_whole_outline_and_no_change_is_nothing():
    square = box(0, 0, 1, 1)
    assert changed_area(None, square, False, []).equals(square)
    assert changed_area(square, None, False, []).equals(square)
    assert changed_area(square, square, False, []) is None
