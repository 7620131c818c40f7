"""The trends store: idempotent ingest of the real exports, filters, momentum stored per item, and
bilingual retrieval with the real multilingual embedder."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from helpers import shared_dir
from reelcraft.errors import TrendsError
from reelcraft.language import label as language_of
from reelcraft.models.embeddings import embedder_choice
from reelcraft.trends.ingest import TrendMapping, TrendRow, read_trends
from reelcraft.trends.store import TrendStore
from reelcraft.trends.types import Filters

SHARED = shared_dir() / "data" / "trends"
MAPS = Path(__file__).resolve().parents[1] / "docs" / "trend-maps"
DATA = Path(__file__).parent / "data"

HASHING = embedder_choice("hashing")


def _mapping(region: str) -> TrendMapping:
    mapping = TrendMapping.load(MAPS / "youtube_kaggle.toml")
    return mapping.model_copy(update={"meta": mapping.meta.model_copy(update={"region": region})})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> TrendStore:
    store = TrendStore(tmp_path_factory.mktemp("trends"), embedder=HASHING)
    for region in ("GB", "CA"):
        store.ingest(read_trends(SHARED / f"youtube_trending_{region}.csv", _mapping(region)))
    return store


def test_ingesting_the_same_rows_again_adds_nothing(store: TrendStore) -> None:
    before = store.count()
    assert before["snapshots"] == 760 + 786
    again = store.ingest(read_trends(SHARED / "youtube_trending_GB.csv", _mapping("GB")))
    assert (again.rows, again.new_snapshots, again.titles_embedded) == (760, 0, 0)
    assert store.count() == before


def test_filters_and_momentum_come_with_every_neighbour(store: TrendStore) -> None:
    found = store.neighbours("Christmas advert", k=8, filters=Filters(region="GB", category="26"))
    assert found and all(n.region == "GB" and n.category == "26" for n in found)
    assert any("christmas" in n.title.lower() for n in found[:3])
    grown = [n for n in found if n.momentum_basis == "growth"]
    assert grown and all(n.views_per_day is not None for n in grown)
    late = store.neighbours("music video", k=5, filters=Filters(since=date(2017, 11, 17)))
    assert all(n.last_seen >= date(2017, 11, 17) for n in late)


def test_an_empty_store_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(TrendsError, match="empty") as caught:
        TrendStore(tmp_path, embedder=HASHING).neighbours("anything")
    assert "trends ingest" in caught.value.fix


def test_language_labels() -> None:
    assert language_of("大学生一周早餐只花20块") == "zh" and language_of("Dorm Room Makeover") == "en"
    assert language_of("2017.11.13新聞深喉嚨 請教蔡總統") == "zh" and language_of("1234") == "und"
    assert language_of("मेरी सुबह की दिनचर्या") == "other"
    assert language_of("東京の朝ごはんルーティン") == "other" and language_of("서울 아침 루틴") == "other"


def test_hindi_and_mixed_scripts_ingest_and_search_without_breaking(tmp_path: Path) -> None:
    store = TrendStore(tmp_path, embedder=embedder_choice())  # the real embedder
    titles = ["मेरी सुबह की दिनचर्या | Morning Routine", "صباح الخير روتين", "早晨日常 vlog", "Morning routine 2024"]
    store.ingest(TrendRow(platform="yt", region="IN", id=f"h{i}", title=t, date=date(2024, 5, 1), views=10)
                 for i, t in enumerate(titles))  # fmt: skip
    found = store.neighbours("सुबह की दिनचर्या", k=4)
    assert len(found) == 4 and found[0].title == titles[0]


def test_chinese_briefs_find_chinese_items_first_and_english_briefs_english(tmp_path: Path) -> None:
    check = json.loads((DATA / "bilingual_retrieval.json").read_text(encoding="utf-8"))
    titles = [p["en_doc"] for p in check["pairs"]] + [p["zh_doc"] for p in check["pairs"]] + check["distractors"]
    store = TrendStore(tmp_path, embedder=embedder_choice())  # the real multilingual embedder
    store.ingest(TrendRow(platform="mixed", region="XX", id=f"t{i}", title=t, date=date(2024, 5, 1), views=1000)
                 for i, t in enumerate(titles))  # fmt: skip
    for pair in check["pairs"][:8]:
        zh = store.neighbours(pair["zh_query"], k=3)
        en = store.neighbours(pair["en_query"], k=3)
        assert zh[0].title == pair["zh_doc"] and zh[0].language == "zh", (pair["zh_query"], zh[0].title)
        assert en[0].title == pair["en_doc"] and en[0].language == "en", (pair["en_query"], en[0].title)


def test_the_ingest_cli_is_idempotent_and_fails_clearly(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "REELCRAFT_HOME": str(tmp_path), "REELCRAFT_TRENDS__EMBEDDER": "hashing", "COLUMNS": "200"}
    cli = [sys.executable, "-m", "reelcraft.cli", "trends", "ingest"]
    export = str(SHARED / "youtube_trending_CA.csv")
    first = subprocess.run([*cli, export, "--map", str(MAPS / "youtube_kaggle.toml"), "--region", "CA"],
                           capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    again = subprocess.run([*cli, export, "--map", str(MAPS / "youtube_kaggle.toml"), "--region", "CA"],
                           capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert first.returncode == again.returncode == 0, first.stderr
    assert "577 items, 786 snapshots" in first.stdout and "577 items, 786 snapshots" in again.stdout
    semi = tmp_path / "semi.csv"
    semi.write_text("video_id;title;views\nx;y;1\n", encoding="utf-8")
    bad = subprocess.run([*cli, str(semi), "--map", str(MAPS / "youtube_kaggle.toml")], capture_output=True,
                         text=True, env=env, timeout=300)  # fmt: skip
    assert bad.returncode == 2 and "trends failed" in bad.stderr and 'set [parse] delimiter = ";"' in bad.stderr


def test_a_chromadb_server_works_as_the_vector_store(tmp_path: Path) -> None:
    """REELCRAFT_TRENDS__CHROMA_URL: the same store against `chroma run` on localhost."""
    import shutil
    import socket
    import subprocess
    import sys
    import time

    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        store = TrendStore(tmp_path / "local", chroma_url=f"http://127.0.0.1:{port}", embedder=HASHING)
        store.ingest(read_trends(SHARED / "youtube_trending_GB.csv", _mapping("GB")))
        assert store.count()["titles"] == 298
        found = store.neighbours("John Lewis Christmas advert", k=3)
        assert any("john lewis" in n.title.lower() for n in found)
        assert not (tmp_path / "local" / "chroma").exists()  # the vectors went to the server
    finally:
        server.terminate()
        server.wait(timeout=30)
    with pytest.raises(TrendsError, match="vector store") as caught:
        TrendStore(tmp_path / "other", chroma_url=f"http://127.0.0.1:{port}", embedder=HASHING).count()
    assert "CHROMA_URL" in caught.value.fix
