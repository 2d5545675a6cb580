"""Issue 14 item 6: the labels drawn at the right edge of a chart panel (bands, reference
lines, projections) never overlap: a label that would cover another moves along its own line,
and below the others only when its line has no room left."""

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from therapy.pages.chart_svg import (
    LABEL_ABOVE,
    LABEL_GAP,
    LABEL_TOP,
    LEFT,
    LabelBox,
    Line,
    Panel,
    Projection,
    Rect,
    label_width,
    place_labels,
)

EDGE, BOTTOM = 702.0, 150.0


def test_labels_far_apart_stay_where_they_are_wanted():
    wanted = [LabelBox(EDGE, 40.0, 50.0), LabelBox(EDGE, 100.0, 60.0)]

    assert place_labels(wanted, left=LEFT, bottom=BOTTOM) == wanted


def test_a_label_on_the_same_level_moves_left_along_its_own_line():
    stop, hold = LabelBox(EDGE, 60.0, 47.0), LabelBox(EDGE, 62.0, 97.0)

    placed = place_labels([stop, hold], left=LEFT, bottom=BOTTOM)

    assert placed == [stop, LabelBox(EDGE - 47.0 - LABEL_GAP, 62.0, 97.0)]


def test_with_no_room_on_its_line_a_label_goes_under_the_one_it_meets():
    wide = LabelBox(EDGE, 60.0, EDGE - LEFT - 20)  # almost the whole plot

    placed = place_labels([wide, LabelBox(EDGE, 60.0, 50.0)], left=LEFT, bottom=BOTTOM)

    assert placed[1].right == EDGE and placed[1].baseline > 60.0 + LABEL_ABOVE
    assert not placed[0].hits(placed[1])


def test_a_label_at_the_top_keeps_its_words_inside_the_panel():
    assert place_labels([LabelBox(EDGE, 2.0, 40.0)], left=LEFT, bottom=BOTTOM)[0].baseline == (
        LABEL_TOP
    )


def test_the_estimate_errs_wide_of_what_chromium_draws():
    # Widths measured in Chromium (DejaVu Sans Bold 12 px), viewBox units.
    for text, drawn in (("3: stop", 47.0), ("1.5 × baseline", 96.5), ("Medium 5–6", 80.7)):
        assert label_width(text) >= drawn


def test_a_label_moved_down_never_lands_on_the_edge_it_left():
    """Found by the property test below: a sum of floats left the moved label touching the
    one above by a rounding error, and it moved to the same place again forever."""
    wanted = [
        LabelBox(702.0, 57.19281233970174, 330.0),
        LabelBox(533.8927762907417, 0.0, 10.0),
        LabelBox(300.0, 56.655078204374014, 10.0),
        LabelBox(469.0778095834859, 45.523397693558415, 330.0),
    ]

    placed = place_labels(wanted, left=LEFT, bottom=BOTTOM)

    for a, b in combinations(placed, 2):
        assert not a.hits(b)


labels = st.builds(
    LabelBox,
    right=st.floats(min_value=300, max_value=EDGE),
    baseline=st.floats(min_value=0, max_value=180),
    width=st.floats(min_value=10, max_value=330),
)


@given(st.lists(labels, max_size=6))
def test_no_two_labels_overlap(wanted):
    placed = place_labels(wanted, left=LEFT, bottom=BOTTOM)

    assert len(placed) == len(wanted)
    for a, b in combinations(placed, 2):
        assert not a.hits(b)


def test_a_panel_places_bands_lines_and_projections_together():
    panel = Panel(
        "creatinine",
        "Creatinine",
        "mg/dL",
        [],
        lines=[Line(60.0, "3: stop", "ref-alarm"), Line(60.0, "1.5 × baseline", "ref-warn")],
        bands=[Rect(56, 50.0, 600, 40, "zone", "", "Medium 5–6")],
        projections=[Projection(100, 90, 600, 66.0, 60.0, "→ 3.4 mg/dL by next dose", "")],
    )

    panel.place_labels()

    items = [panel.bands[0], *panel.lines, panel.projections[0]]
    boxes = [LabelBox(i.label_x, i.label_y, label_width(i.label)) for i in items]
    for a, b in combinations(boxes, 2):
        assert not a.hits(b)
    assert {line.label_y for line in panel.lines} == {56.0}  # both on their own line
