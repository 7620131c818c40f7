"""Runs review-store work in a loop until killed (tests/test_review_durability.py kills it with SIGKILL at
random moments). Usage: python review_worker.py save|export DB_URL MEDIA_ROOT WORK_DIR"""

from __future__ import annotations

import sys
from pathlib import Path

from reelcraft.plan import Draft, DraftOutputs, VideoPlan
from reelcraft.review.export import export_version
from reelcraft.review.service import ReviewService

sys.path.insert(0, str(Path(__file__).parent))
from helpers import EN_PLAN  # noqa: E402

PASSWORD = "correct horse battery"


def big_draft(folder: Path, tag: int, timeline: Path) -> Draft:
    """A draft whose files take a while to copy and sync, so a kill lands mid-save often enough."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {"video.mp4": 6 << 20, "captions.srt": 2000, "captions.vtt": 2000, "thumbnail.jpg": 50_000,
             "plan.json": 3000}  # fmt: skip
    for name, size in names.items():
        (folder / name).write_bytes(f"{name} {tag} ".encode() * (size // 16))
    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30, "title": f"take {tag}"})
    outputs = DraftOutputs(video=folder / "video.mp4", srt=folder / "captions.srt", vtt=folder / "captions.vtt",
                           thumbnail=folder / "thumbnail.jpg", plan_json=folder / "plan.json", timeline_json=timeline)
    return Draft(id="durable", version=1, plan=plan, outputs=outputs)


def main() -> None:
    mode, url, media, work = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    review = ReviewService.open(url, media)
    editor = review.login("eddie", PASSWORD)
    project = review.projects(editor)[0][0]
    timeline = work / "timeline.json"
    tag = 0
    while True:
        tag += 1
        if mode == "save":
            head = max((d.head for d in review.drafts(editor)), default=0)
            review.save_version(editor, project, big_draft(work / f"take{tag % 2}", tag, timeline),
                                based_on=head or None)  # fmt: skip
            print(f"saved {head + 1}", flush=True)
        else:
            export_version(review, editor, "durable", 1, work / "out")
            print("exported", flush=True)


if __name__ == "__main__":
    main()
