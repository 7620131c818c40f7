"""Trending exports as a service: ingest them into the store, count, suggest from them, plot momentum.
`Studio.trends_service` hands it out, so the CLI and the UI share one way into the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reelcraft.errors import TrendsError, validation_problems

if TYPE_CHECKING:
    from reelcraft.tools.deps import Deps
    from reelcraft.tools.trends import TrendsOutput
    from reelcraft.trends.ingest import ReadReport, TrendMapping
    from reelcraft.trends.store import IngestStats


@dataclass(frozen=True)
class IngestResult:
    """One file's ingest: what the store took (`stats`) and which rows were bad (`report`)."""

    file: str
    stats: IngestStats
    report: ReadReport

    @property
    def rows_per_second(self) -> float:
        return self.stats.rows / self.stats.seconds if self.stats.seconds else 0.0


class TrendsService:
    """`studio.trends_service`: the store `Deps.trend_store()` opens, with the configured embedder."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def mapping(self, path: Path, *, region: str | None = None, platform: str | None = None) -> TrendMapping:
        """A mapping file (TOML or JSON), with `[meta]` region/platform overridden when given."""
        from reelcraft.trends.ingest import TrendMapping

        mapping = TrendMapping.load(path)
        overrides = {k: v for k, v in (("region", region), ("platform", platform)) if v}
        if overrides:
            mapping = mapping.model_copy(update={"meta": mapping.meta.model_copy(update=overrides)})
        return mapping

    def ingest(
        self, path: Path, mapping: TrendMapping, *, fixed_date: date | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> IngestResult:  # fmt: skip
        """Load one export; the same rows again change nothing. Bad rows land in the report with their
        line numbers and are skipped; `progress(rows)` is called as batches land."""
        from reelcraft.trends.ingest import ReadReport, read_trends

        report = ReadReport(path.name)
        stats = self.deps.trend_store().ingest(read_trends(path, mapping, fixed_date=fixed_date, report=report),
                                               progress=progress)  # fmt: skip
        return IngestResult(file=path.name, stats=stats, report=report)

    def count(self) -> dict[str, int]:
        """Items, snapshots and embedded titles in the store."""
        return self.deps.trend_store().count()

    def suggest(
        self, brief: str, *, k: int = 12, region: str | None = None, platform: str | None = None,
        category: str | None = None, since: date | None = None, titles: bool = False,
    ) -> TrendsOutput:  # fmt: skip
        """The trending items nearest an idea, with momentum and the hashtags, category and length they
        suggest, each with its evidence; `titles` also asks the LLM for title ideas."""
        from pydantic import ValidationError

        from reelcraft.tools.trends import TrendsInput, suggest_trends

        try:
            inp = TrendsInput(brief=brief, k=k, region=region, platform=platform, category=category, since=since,
                              titles=titles)  # fmt: skip
        except ValidationError as exc:
            problems = "; ".join(validation_problems(exc))
            raise TrendsError(f"cannot search for that ({problems})", "give a brief of 2–2000 characters and "
                              "1–100 neighbours") from exc  # fmt: skip
        return suggest_trends(inp, self.deps)

    def plot(self, result: TrendsOutput, path: Path) -> Path:
        """A PNG of the neighbours' momentum (see `write_momentum_plot`)."""
        write_momentum_plot(result, path)
        return path


def write_momentum_plot(result: TrendsOutput, path: Path) -> None:
    """Horizontal bars: each neighbour's expected views over the next day, coloured by how it was
    estimated (measured growth vs prior)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reelcraft.media.fonts import find_caption_font

    neighbours = result.neighbours
    try:  # CJK titles need a CJK font
        from matplotlib import font_manager

        font = find_caption_font(None)
        font_manager.fontManager.addfont(str(font.path))
        plt.rcParams["font.family"] = font_manager.FontProperties(fname=str(font.path)).get_name()
    except Exception:  # noqa: BLE001 - a plot with boxes for CJK beats no plot
        pass
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(neighbours) + 1.5), dpi=120)
    labels = [f"{n.title[:42]} ({n.region})" for n in neighbours][::-1]
    values = [n.predicted_growth for n in neighbours][::-1]
    colours = ["#e4572e" if n.momentum_basis == "growth" else "#a0a0a0" for n in neighbours][::-1]
    alphas = [1.0 if n.relevant else 0.35 for n in neighbours][::-1]
    for label, value, colour, alpha in zip(labels, values, colours, alphas, strict=True):
        ax.barh(label, value, color=colour, alpha=alpha)
    ax.set_xlabel("expected views over the next day (red: measured growth, grey: category prior; "
                  "faded: too far from the idea to count)")
    ax.set_title("Momentum of the nearest trending items")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
