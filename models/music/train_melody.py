"""Train the melody model from folk-tune scores in music21's corpus (shipped in its PyPI wheel).

What is learned: how melodies move (P(next interval | previous interval), in scale steps) and how
their bars are rhythmed (onsets on the 8th-note grid of 4/4). Two models: western folk tunes
(ryansMammoth) for most moods and Han Chinese folk songs (essenFolksong han1/han2, measured in
pentatonic steps) for 中国风.

    python -m reelcraft.models.music.train_melody [--style folk|han] [--limit N] [-o FILE]

Parsing is the slow part (music21 reads ABC at ~1 s per file), so this runs once and the small JSON
result ships in `models/music/data/`. Needs the `train` extra (music21).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from reelcraft.models.music.melody import MODEL_PATH, ZH_MODEL_PATH

MAX_INTERVAL = 5
PENTATONIC_PCS = (0, 2, 4, 7, 9)


def _tunes(style: str, limit: int | None) -> Iterator[object]:
    from music21 import corpus, stream

    if style == "han":
        for name in ("essenFolksong/han1", "essenFolksong/han2"):
            opus = corpus.parse(name)
            for score in opus.scores if isinstance(opus, stream.Opus) else [opus]:
                yield score
    else:
        paths = sorted(p for p in corpus.getPaths() if "ryansMammoth" in str(p))
        for path in paths[:limit]:
            parsed = corpus.parse(path)
            for score in parsed.scores if isinstance(parsed, stream.Opus) else [parsed]:
                yield score


def _steps(score: object, style: str) -> tuple[list[int], list[tuple[float, float]]]:
    """Scale-step numbers of the melody's notes, and (offset in bar, bar length) of each onset."""
    notes = [n for n in score.flatten().notes if n.isNote]  # type: ignore[attr-defined]
    if style != "han":
        steps = [n.pitch.diatonicNoteNum for n in notes]
    else:
        signature = next(iter(score.flatten().getElementsByClass("KeySignature")), None)  # type: ignore[attr-defined]
        gong = signature.asKey("major").tonic.pitchClass if signature is not None else 0
        steps = []
        for n in notes:
            rel = (n.pitch.midi - gong) % 12
            octave = (n.pitch.midi - gong) // 12
            index = min(range(5), key=lambda i: min(abs(PENTATONIC_PCS[i] - rel), 12 - abs(PENTATONIC_PCS[i] - rel)))
            steps.append(octave * 5 + index)
    onsets = []
    for n in notes:
        measure = n.getContextByClass("Measure")
        meter = n.getContextByClass("TimeSignature")
        if measure is None or meter is None:
            continue
        onsets.append((measure.number, float(n.getOffsetBySite(measure)) if n.activeSite is not measure
                       else float(n.offset), float(meter.barDuration.quarterLength)))
    return steps, onsets  # type: ignore[return-value]


def _bar_rhythms(onsets: list[tuple[int, float, float]]) -> Iterator[tuple[int, ...]]:
    """8-slot onset patterns, one per bar of 4/4 or 2/2 — or of 2/4 read at double length, since a
    reel's 2/4 bar of 16ths is, in feel, a bar of 8ths. Bars with onsets off that grid are skipped."""
    by_bar: dict[int, list[float]] = defaultdict(list)
    lengths: dict[int, float] = {}
    for bar, offset, length in onsets:
        by_bar[bar].append(offset)
        lengths[bar] = length
    for bar, offsets in by_bar.items():
        scale = {4.0: 1.0, 2.0: 2.0}.get(lengths[bar])
        if scale is None:
            continue
        scaled = [o * scale for o in offsets]
        if any((o * 2) % 1 or not 0 <= o < 4.0 for o in scaled):
            continue
        slots = [0] * 8
        for o in scaled:
            slots[int(o * 2)] = 1
        if sum(slots) >= 2:
            yield tuple(slots)


def train(style: str = "folk", limit: int | None = None) -> dict[str, object]:
    transitions: dict[int, Counter[int]] = defaultdict(Counter)
    rhythms: Counter[tuple[int, ...]] = Counter()
    tunes = notes = 0
    for score in _tunes(style, limit):
        steps, onsets = _steps(score, style)
        if len(steps) < 8:
            continue
        tunes += 1
        notes += len(steps)
        intervals = [max(-MAX_INTERVAL, min(MAX_INTERVAL, b - a)) for a, b in zip(steps, steps[1:], strict=False)]
        for previous, current in zip(intervals, intervals[1:], strict=False):
            transitions[previous][current] += 1
        rhythms.update(_bar_rhythms(onsets))  # type: ignore[arg-type]
    table = {
        str(prev): {str(i): round(c / sum(row.values()), 5) for i, c in sorted(row.items())}
        for prev, row in sorted(transitions.items())
    }
    total = sum(rhythms.values()) or 1
    common = {"".join(map(str, p)): round(c / total, 5) for p, c in rhythms.most_common(64)}
    corpus_name = "essenFolksong han1+han2 (pentatonic steps)" if style == "han" else "ryansMammoth"
    return {"source": f"music21 corpus {corpus_name}: {tunes} tunes, {notes} notes", "style": style,
            "transitions": table, "rhythms": common}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--style", choices=["folk", "han"], default="folk")
    parser.add_argument("--limit", type=int, default=None, help="files to read (folk); default all")
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    out = args.output or (ZH_MODEL_PATH if args.style == "han" else MODEL_PATH)
    started = time.perf_counter()
    model = train(args.style, args.limit)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(json.dumps(model, indent=1, ensure_ascii=False), encoding="utf-8")
    partial.replace(out)
    print(f"{model['source']} → {out} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
