"""Where a scene's pictures sit: between the on-screen headline (top of the safe area) and the spoken captions
(bottom of it), never outside the safe area, the same way in every scene of a video."""

from __future__ import annotations

from dataclasses import dataclass

PICTURE_ZONE = (0.32, 0.83)
"""The part of the safe area's height pictures may use: below a headline of up to three lines, above two lines
of captions."""
MAIN_SHARE = 0.5
"""A lone picture's width, as a share of the frame's width (at 9:16)."""


@dataclass(frozen=True)
class Slot:
    x: float
    """Centre, as a share of the frame's width."""
    y: float
    width: float
    """As a share of the frame's width; the height follows the picture's aspect."""
    aspect: float = 1.0
    """Height over width of what goes in it (a square picture: 1)."""


def picture_slots(count: int, safe_box: tuple[int, int, int, int], width: int, height: int,
                  figure_aspect: float | None = None, bob: float = 0.0,
                  zone: tuple[float, float] | None = None) -> list[Slot]:  # fmt: skip
    """Slots for `count` pictures (1–3), then one for the key figure when `figure_aspect` is given: the first
    picture is the biggest and leads; the others sit beside it, smaller, so the eye reads one thing first.
    `bob` (a share of the height) is kept free above and below, so floating never leaves the safe area. `zone`
    (top, bottom pixels) replaces the default band, e.g. above a caption style's bigger block."""
    left, top, right, bottom = safe_box
    zone_top = top + PICTURE_ZONE[0] * (bottom - top)
    zone_bottom = top + PICTURE_ZONE[1] * (bottom - top)
    if zone is not None:
        zone_top, zone_bottom = max(top, zone[0]), min(bottom, zone[1])
        if zone_bottom - zone_top < 0.2 * (bottom - top):  # too little room: pictures keep a fifth of the safe area
            zone_top = min(zone_top, bottom - 0.2 * (bottom - top))
            zone_bottom = zone_top + 0.2 * (bottom - top)
    zone_h = zone_bottom - zone_top
    centre_y = (zone_top + zone_bottom) / 2 / height
    # the biggest square that fits the zone's height (landscape frames) or MAIN_SHARE of the width (portrait)
    main = min(MAIN_SHARE, 0.9 * zone_h / width)
    items = count + (1 if figure_aspect else 0)
    dy = zone_h / height
    layouts: dict[int, list[tuple[float, float, float]]] = {
        1: [(0.5, centre_y, main)],
        2: [(0.35, centre_y - 0.1 * dy, main * 0.86), (0.71, centre_y + 0.22 * dy, main * 0.6)],
        3: [(0.33, centre_y, main * 0.8), (0.73, centre_y - 0.24 * dy, main * 0.52),
            (0.73, centre_y + 0.26 * dy, main * 0.52)],
    }  # fmt: skip
    chosen = layouts[max(1, min(3, items))]
    slots = [Slot(x, y, w) for x, y, w in chosen[:count]]
    if figure_aspect:
        x, y, w = chosen[min(count, len(chosen) - 1)]
        slots.append(Slot(x, y, w * 1.25, figure_aspect))
    return [_inside(slot, safe_box, width, height, bob) for slot in slots]


def _inside(slot: Slot, safe_box: tuple[int, int, int, int], width: int, height: int, bob: float) -> Slot:
    """The slot shrunk and moved just enough to keep its box (and its float) inside the safe area."""
    left, top, right, bottom = safe_box
    top, bottom = top + bob * height, bottom - bob * height
    w = min(slot.width, (right - left) / width)
    h = w * slot.aspect * width / height
    if h > (bottom - top) / height:
        w *= (bottom - top) / height / h
        h = (bottom - top) / height
    x = min(max(slot.x, left / width + w / 2), right / width - w / 2)
    y = min(max(slot.y, top / height + h / 2), bottom / height - h / 2)
    return Slot(round(x, 4), round(y, 4), round(w, 4), slot.aspect)
