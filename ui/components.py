"""Custom Streamlit components of the pages (declared in an importable module, as Streamlit requires)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit.components.v1 as components

if TYPE_CHECKING:
    from reelcraft.plan import DraftSceneVisual
    from reelcraft.studio import DraftScore

review_player = components.declare_component("review_player", path=str(Path(__file__).parent / "player"))
"""A <video> with a "comment at this moment" button; its value is {seconds, clicked} once pressed."""


def show_score(score: DraftScore, *, key: str) -> None:
    """The draft score: the total, and each part's score and reason (weakest first), as a table with bars."""
    import streamlit as st

    parts = sorted((p for p in score.parts if p.score is not None), key=lambda p: p.score or 0)
    weakest = f" · weakest: **{score.weakest}**" if score.weakest else ""
    st.markdown(f"**Score {score.total}/100**{weakest}")
    rows = [{"part": p.name, "score": p.score, "scene": p.scene, "reason": p.reason} for p in parts]
    rows += [{"part": p.name, "score": None, "scene": None, "reason": p.reason} for p in score.parts if p.score is None]
    st.dataframe(rows, hide_index=True, key=key, width="stretch", column_config={
        "score": st.column_config.ProgressColumn("score", min_value=0, max_value=100, format="%d"),
        "reason": st.column_config.TextColumn("reason", width="large"),
    })  # fmt: skip


def scene_flags(score: DraftScore, scene: int) -> list[str]:
    """The score's reasons that concern one scene, for its storyboard frame."""
    return [f"{p.name}: {p.reason}" for p in score.parts if p.scene == scene and (p.score or 0) < 100]


def picture_fit(shown: DraftSceneVisual, scene: int) -> str:
    """What a storyboard frame shows and how well it fits its line, with the chat words that change it."""
    if shown.origin in ("media", "stock", "ai_image"):
        kind = {"media": "your media", "stock": "stock", "ai_image": "generated image"}[shown.origin]
        score = "" if shown.relevance is None else f" · fit {shown.relevance:.2f}"
        return f"📷 {kind}: {shown.source}{score}"
    pictures = " ".join(f"{p.emoji} {p.label}" for p in shown.pictures) or shown.source
    if shown.relevance is None:
        return f"🖼️ {pictures}"
    if shown.relevance >= 0.5:
        return f"🖼️ {pictures} · fit {shown.relevance:.2f}"
    return f"⚠️ {pictures} · weak fit {shown.relevance:.2f}: say “another picture for scene {scene}”"
