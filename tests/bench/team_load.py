"""Four people on one team server at once, with the embedded LLM (a script, not a test).

Starts `reelcraft ui` on 127.0.0.1 with sign-in on, a fresh data directory (sharing only the installed model
files) and four accounts. Each user, in their own Chromium context (their own cookie), signs in and sends, one
after another and at the same time as the others: a brief, two edits, and "final". Every message is a job in the
server's queue; the script waits, as a person would, for the reply to appear on the page before sending the next.

Then it checks what each user got: every job done, one draft per user (its versions counted), no draft shared or
mixed up, each page showing its own title, and each user refused another's chat link. It stops the server (and
everything it started) by itself, and never leaves loopback.

Last line: {"users", "jobs", "failed", "p50_job_s", "p95_job_s", "peak_rss_gib"}; targets failed = 0 and
peak RSS ≤ 8 GiB (the server and everything under it).

    python tests/bench/team_load.py [--users 4] [--duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reelcraft.config import Settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "bench"))
from batch import PeakRss  # noqa: E402
from ui_server import launch_chromium, start_ui, stop_ui  # noqa: E402

PASSWORD = "load test password"
USERS = [
    ("ann", "en", "{d} s TikTok: three cheap lunches a student can make in ten minutes",
     ["make scene 2 funnier", "calmer music", "final"]),
    ("bob", "zh", "{d}秒抖音：宿舍里十分钟做好的省钱晚餐",
     ["把第二个场景改得更有趣", "音乐换成更平静的", "final"]),
    ("cat", "en", "{d} s Reel: a five-minute desk stretch for long study days",
     ["make the hook punchier", "calmer music", "final"]),
    ("dan", "zh", "{d}秒视频：周末在城市里免费好玩的三个地方",
     ["第一个场景更吸引人一点", "音乐换成更平静的", "final"]),
]  # fmt: skip

WAIT_MS = 20 * 60 * 1000
SETTLED = """([count]) => {
  const assistant = document.querySelectorAll('[data-testid="stChatMessageAvatarAssistant"]').length;
  const panels = document.querySelectorAll('[class*="st-key-job-panel"]').length;
  return panels === 0 && assistant >= count;
}"""


async def one_user(browser, url: str, name: str, brief: str, edits: list[str], shots: Path) -> dict:  # noqa: ANN001
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await page.goto(f"{url}/?session=load-{name}")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    box = page.get_by_test_id("stChatInputTextArea")
    await box.wait_for(timeout=120_000)
    seen = []
    for turn, text in enumerate([brief, *edits], start=1):
        await box.fill(text)
        began = time.perf_counter()
        await box.press("Enter")
        await page.wait_for_function(SETTLED, arg=[turn], timeout=WAIT_MS)
        seen.append(round(time.perf_counter() - began, 1))
        with contextlib.suppress(Exception):  # the storyboard and the video fill in after the reply
            await page.get_by_text("Storyboard").first.wait_for(timeout=60_000)
            await page.wait_for_function("() => { const v = document.querySelector('video');"
                                         " return v && v.duration > 0; }", timeout=60_000)  # fmt: skip
        print(f"  {name}: turn {turn} on the page after {seen[-1]} s", flush=True)
        titles = await page.locator("h3").all_inner_texts()
        await page.screenshot(path=str(shots / f"{name}-{turn}.png"), full_page=True)
    return {"name": name, "page_seconds": seen, "page": page, "context": context, "titles": " ".join(titles)}


async def refused(page, url: str, other: str) -> bool:  # noqa: ANN001
    await page.goto(f"{url}/?session=load-{other}")
    try:
        await page.get_by_text(f"no chat 'load-{other}'").wait_for(timeout=60_000)
    except Exception:  # noqa: BLE001 - not refused: reported as a failure below
        return False
    return await page.get_by_test_id("stChatInputTextArea").count() == 0


async def run(url: str, users: list[tuple[str, str, str, list[str]]], duration: int, shots: Path) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = launch_chromium(playwright)
        browser = await browser
        results = await asyncio.gather(*(one_user(browser, url, name, brief.format(d=duration), edits, shots)
                                         for name, _, brief, edits in users))  # fmt: skip
        for i, result in enumerate(results):
            other = users[(i + 1) % len(users)][0]
            result["refused_other"] = await refused(result["page"], url, other)
            await result["context"].close()
            del result["page"], result["context"]
        await browser.close()
    return results


def main() -> None:
    from reelcraft.review.jobs import JobStatus, JobStore
    from reelcraft.review.service import ReviewService
    from reelcraft.studio import Studio

    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=len(USERS))
    parser.add_argument("--duration", type=int, default=20)
    args = parser.parse_args()
    users = USERS[: args.users]
    work = Path(tempfile.mkdtemp(prefix="reelcraft-team-load-"))
    shots = work / "screens"
    shots.mkdir()
    settings = Settings(home=work / "home", models_home=Settings().models_dir)
    review = ReviewService.from_settings(settings)
    for name, *_ in users:
        review.create_user(name, PASSWORD)
    env = {**os.environ, "REELCRAFT_HOME": str(settings.home), "REELCRAFT_MODELS_HOME": str(settings.models_dir),
           "REELCRAFT_SERVER__SIGN_IN": "on"}  # fmt: skip
    env.pop("REELCRAFT_LLM__PROVIDER", None)
    print(f"work folder: {work}", flush=True)
    process, url = start_ui(env, work / "server.log", timeout_s=300)
    started = time.perf_counter()
    try:
        with PeakRss(process.pid) as rss:
            results = asyncio.run(run(url, users, args.duration, shots))
    finally:
        stopped_in = stop_ui(process)
    wall = time.perf_counter() - started

    jobs = [job for name, *_ in users for job in JobStore(settings.review_db_url).for_user(name)]
    failed = [j for j in jobs if j.status != JobStatus.DONE]
    seconds = sorted((j.finished_at - j.created_at).total_seconds() for j in jobs if j.finished_at)
    studio = Studio(settings)
    problems = []
    drafts_seen: dict[str, str] = {}
    for (name, *_), result in zip(users, results, strict=True):
        session = studio.sessions.load(f"load-{name}")
        if session.owner != name:
            problems.append(f"{name}: the chat belongs to {session.owner}")
        ids = {m.draft_id for m in session.messages if m.draft_id}
        if len(ids) != 1:
            problems.append(f"{name}: {len(ids)} drafts in one chat")
        for draft_id in ids:
            if draft_id in drafts_seen:
                problems.append(f"{name} and {drafts_seen[draft_id]} share draft {draft_id}")
            drafts_seen[draft_id] = name
            result["versions"] = studio.store.load(draft_id).version
            if studio.store.load(draft_id).plan.title not in result["titles"]:
                problems.append(f"{name}: the page did not show the draft's own title")
        if not result["refused_other"]:
            problems.append(f"{name} could open another user's chat")
    print("\n| user | seconds per turn on the page | versions |\n|---|---|---|")
    for result in results:
        print(f"| {result['name']} | {', '.join(map(str, result['page_seconds']))} | {result.get('versions')} |")
    print(f"\nwall {wall:.0f} s; server stopped in {stopped_in:.1f} s; screenshots in {shots}")
    for job in failed:
        print(f"FAILED job {job.id} of {job.user}: {job.status} {job.error_stage} {job.error} {job.request}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(json.dumps({"users": len(users), "jobs": len(jobs), "failed": len(failed) + len(problems),
                      "p50_job_s": round(statistics.median(seconds), 1) if seconds else None,
                      "p95_job_s": round(seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))], 1)
                      if seconds else None, "peak_rss_gib": round(rss.peak / 2**30, 2)}))  # fmt: skip


if __name__ == "__main__":
    main()
