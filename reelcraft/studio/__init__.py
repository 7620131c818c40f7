"""The API layer: `Studio` (everything the chat, the CLI and the review page can do) and the pipeline
that turns a plan into a draft. It is the one place that wires models into the core's protocols."""

from reelcraft.studio.studio import Studio
from reelcraft.tools.score import DraftScore, ScorePart

__all__ = ["DraftScore", "ScorePart", "Studio"]
