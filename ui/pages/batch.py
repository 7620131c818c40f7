"""Batches: what `reelcraft batch` (or `Studio.batch`) is doing and did, read from the same job store.

Pick a batch: how many items are done, failed, waiting; a row per line of its file (status, draft, score,
seconds per stage, the error with its stage); the finished videos' thumbnails. The page only reads the store, so
it is safe to keep open beside a running batch ("Refresh" re-reads it).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError
from reelcraft.review.batches import BatchInfo, BatchStore, ItemStatus
from reelcraft.storage.drafts import DraftStore

BADGES = {ItemStatus.PENDING: "⏳ waiting", ItemStatus.PLANNED: "📝 planned", ItemStatus.RENDERING: "🎬 rendering",
          ItemStatus.DONE: "✅ done", ItemStatus.FAILED: "❌ failed"}  # fmt: skip


@st.cache_resource
def get_store() -> BatchStore:
    settings = Settings()
    url = settings.batch_db_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return BatchStore(url)


def show(info: BatchInfo, drafts: DraftStore) -> None:
    problems = info.options.get("problems", [])
    done, failed = info.count(ItemStatus.DONE), info.count(ItemStatus.FAILED)
    columns = st.columns(4)
    columns[0].metric("done", f"{done} / {len(info.items)}")
    columns[1].metric("failed", failed)
    columns[2].metric("waiting", len(info.items) - done - failed)
    columns[3].metric("bad lines", len(problems))
    st.progress((done + failed) / max(1, len(info.items)))
    rows = [{"line": item.line, "id": item.item_id, "status": BADGES[item.status],
             "draft": f"{item.draft_id}@{item.version}" if item.version else "",
             "score": item.score, "tries": item.attempts,
             "seconds": " · ".join(f"{k} {v:.0f}" for k, v in item.stage_seconds.items()),
             "error": f"[{item.error_stage}] {item.error}" if item.error else ""} for item in info.items]  # fmt: skip
    rows += [{"line": p["line"], "id": "", "status": "⚠️ not run", "draft": "", "score": None, "tries": 0,
              "seconds": "", "error": f"[batch] {p['message']}"} for p in problems]  # fmt: skip
    st.dataframe(sorted(rows, key=lambda r: r["line"]), hide_index=True, use_container_width=True)
    finished = [item for item in info.items if item.status == ItemStatus.DONE and item.version]
    if finished:
        st.subheader("Finished videos")
        grid = st.columns(4)
        for index, item in enumerate(finished):
            thumbnail = drafts.version_dir(item.draft_id, item.version or 1) / "cover.jpg"
            with grid[index % 4]:
                score = "–" if item.score is None else item.score
                if thumbnail.is_file():
                    st.image(str(thumbnail), caption=f"{item.item_id} · score {score}")
                else:
                    st.caption(f"{item.item_id}: {thumbnail.parent}")


def main() -> None:
    st.set_page_config(page_title="reelcraft · batches", page_icon="🎬", layout="wide")
    st.title("Batches")
    try:
        store = get_store()
        batches = store.batches()
    except ReelcraftError as exc:
        st.error(f"{exc.message} — {exc.fix}")
        return
    if not batches:
        st.info("No batches yet. Start one with `reelcraft batch briefs.jsonl --out out/batch`.")
        return
    labels = {f"{batch_id} · {created:%Y-%m-%d %H:%M} · {Path(source).name}": batch_id
              for batch_id, created, source in batches}  # fmt: skip
    chosen = st.selectbox("Batch", list(labels))
    st.button("Refresh")
    try:
        info = store.batch(labels[chosen])
    except ReelcraftError as exc:
        st.error(f"{exc.message} — {exc.fix}")
        return
    st.caption(f"from {info.source} · manifest in {info.out_dir}")
    show(info, DraftStore(Settings().drafts_dir))


main()
