"""Custom Streamlit components of the pages (declared in an importable module, as Streamlit requires)."""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

review_player = components.declare_component("review_player", path=str(Path(__file__).parent / "player"))
"""A <video> with a "comment at this moment" button; its value is {seconds, clicked} once pressed."""
