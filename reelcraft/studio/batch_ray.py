"""Batches on a Ray cluster (`reelcraft batch FILE --out DIR --ray auto|HOST:PORT`, or `[batch] ray_address`).

Each item's two stages run as Ray tasks with resource labels: the writer on a node started with the `llm`
resource, the render on any node with `render` (`ray start --resources '{"llm": 1, "render": 1}'`). The process
that runs the batch is the only writer of the job store; tasks return what they made and never touch it, so a
task Ray retries cannot record an item twice.

Assets move through a folder every node sees: the data directory (`REELCRAFT_HOME`, an NFS or other shared
mount on a real cluster) holds the asset cache and the drafts, so a render retried on another node finds the
voice, music and pictures the first one finished, and the draft id fixed in the store means a retry finds or
makes the one draft (docs/scale.md says why a shared folder and not an object store).

A node that dies takes its running tasks with it; Ray runs them again elsewhere (`max_retries`). A task that
fails for the item's own reason (a blocked brief, a bad file) returns the error instead of raising it, so Ray
does not retry what would fail again.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelcraft.config import Settings
from reelcraft.errors import BatchError
from reelcraft.review.batches import ItemInfo, ItemStatus
from reelcraft.studio.batch import BatchItem, _Runner, plan_item, render_item

if TYPE_CHECKING:
    from reelcraft.studio.studio import Studio

CONNECT_TIMEOUT_S = 20.0
TASK_RETRIES = 3
LABELS = ("llm", "render")


def cluster_address(address: str) -> str:
    """The GCS address to join: as given, or with `auto` the one `ray start` left on this machine (or
    RAY_ADDRESS). Checked with a plain TCP connect first, so nobody listening is an error in seconds, not a hang."""
    target = address.strip()
    if target == "auto":
        current = Path(os.environ.get("RAY_TMPDIR", "/tmp")) / "ray" / "ray_current_cluster"  # noqa: S108 - Ray's own
        target = os.environ.get("RAY_ADDRESS", "") or (current.read_text().strip() if current.is_file() else "")
        if not target:
            raise BatchError("no Ray cluster is running on this machine (--ray auto found none)",
                             "start one with `ray start --head --resources '{\"llm\": 1, \"render\": 1}'`, "
                             "or pass --ray HOST:PORT")  # fmt: skip
    host, _, port = target.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise BatchError(f"{address!r} is not a Ray address", "pass HOST:PORT (what `ray start --head` printed)")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise BatchError(f"no Ray cluster answers at {target} ({exc.strerror or exc})",
                         f"check the address (`ray status` on the head prints it) and that port {port} is open"
                         ) from exc  # fmt: skip
    return target


def connect(address: str) -> Any:  # noqa: ANN401 - the ray module
    """Join the cluster (once per process), or a BatchError within CONNECT_TIMEOUT_S."""
    try:
        import ray
    except ImportError as exc:
        raise BatchError("Ray is not installed", "pip install 'ray==2.60.0' (make install does)") from exc
    if ray.is_initialized():
        return ray
    target = cluster_address(address)
    failure: list[BaseException] = []

    def join() -> None:
        try:
            ray.init(address=target, namespace="reelcraft", logging_level="ERROR", log_to_driver=False,
                     configure_logging=False)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - reported below with the address
            failure.append(exc)

    thread = threading.Thread(target=join, name="reelcraft-ray-join", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT_S)
    if thread.is_alive() or failure:
        why = f"{type(failure[0]).__name__}: {failure[0]}" if failure else f"no answer in {CONNECT_TIMEOUT_S:.0f} s"
        raise BatchError(f"could not join the Ray cluster at {target}: {why}",
                         "check that it is a Ray head (`ray status --address ...`) and runs the same Ray version")
    return ray


_STUDIOS: dict[str, Studio] = {}


def _studio(settings: dict[str, Any]) -> Studio:
    """One Studio per worker process and settings: a worker Ray reuses keeps its loaded models. The settings come
    as a dict (Ray pickles it, secrets included: JSON would mask an API key)."""
    key = json.dumps(settings, sort_keys=True, default=str)
    if key not in _STUDIOS:
        from reelcraft.studio.studio import Studio

        _STUDIOS[key] = Studio(Settings.model_validate(settings))
    return _STUDIOS[key]


GPU_ENCODERS = ("h264_nvenc", "h264_qsv", "h264_vaapi")


def render_resources(settings: Settings, cluster: dict[str, float]) -> dict[str, Any]:
    """Ray options for a render task: the `render` label, and a GPU when the settings ask for a hardware encoder
    and the cluster has GPUs (the renders then go to the GPU nodes). The writer asks for no GPU: the embedded
    llama.cpp build is CPU-only, and a GPU model server is reached through `llm.provider = "openai"`."""
    options: dict[str, Any] = {"resources": {"render": 1}, "num_cpus": 1}
    if settings.encoder in GPU_ENCODERS and cluster.get("GPU", 0) >= 1:
        options["num_gpus"] = 1
    return options


def plan_task(settings: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The writer's stage on a worker (`plan_item`), with the worker's host."""
    return {**plan_item(_studio(settings), BatchItem.model_validate(spec)), "host": socket.gethostname()}


def render_task(settings: dict[str, Any], spec: dict[str, Any], prepared: dict[str, Any], draft_id: str,
                profile: str) -> dict[str, Any]:  # fmt: skip
    """The render stage on a worker (`render_item`), with the worker's host."""
    result = render_item(_studio(settings), BatchItem.model_validate(spec), prepared, draft_id, profile)
    return {**result, "host": socket.gethostname()}


class RayRunner(_Runner):
    """The batch's items as Ray tasks: every pending item's plan is submitted at once (the `llm` resource lets
    as many run as there are writers), and each plan's render as soon as the plan is back."""

    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self.address = address

    def run(self, *, overlap: bool) -> None:
        del overlap  # Ray overlaps the stages across the cluster
        ray = connect(self.address)
        resources = ray.cluster_resources()
        missing = [label for label in LABELS if label not in resources]
        if missing:
            raise BatchError(f"no node of the Ray cluster offers the {' or '.join(missing)} resource",
                             "start the nodes with e.g. `ray start ... --resources '{\"llm\": 1, \"render\": 1}'` "
                             "(llm on the node for the writer, render on every node that renders)")  # fmt: skip
        settings = self.studio.settings.model_dump(mode="python")
        plan_remote = ray.remote(plan_task).options(resources={"llm": 1}, num_cpus=1, max_retries=TASK_RETRIES)
        render_remote = ray.remote(render_task).options(**render_resources(self.studio.settings, resources),
                                                         max_retries=TASK_RETRIES)  # fmt: skip
        running: dict[Any, tuple[str, ItemInfo, int]] = {}

        def render(item: ItemInfo) -> None:
            item, attempt, prepared = self.begin_render(item)
            ref = render_remote.remote(settings, item.spec, prepared, item.draft_id, self.profile)
            running[ref] = ("render", item, attempt)

        for item in self.info.items:
            if item.status in (ItemStatus.PLANNED, ItemStatus.RENDERING):
                render(item)
            elif item.status == ItemStatus.PENDING:
                attempt = self.store.begin_attempt(self.batch_id, item.item_id, "plan")
                running[plan_remote.remote(settings, item.spec)] = ("plan", item, attempt)
        while running:
            (ref,), _ = ray.wait(list(running), num_returns=1)
            stage, item, attempt = running.pop(ref)
            try:
                result = ray.get(ref)
            except Exception as exc:  # noqa: BLE001 - the task's node or worker died more often than it is retried
                result = {"error_stage": f"ray {stage}", "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
            where = f" on {result['host']}" if "host" in result else ""
            if stage == "render":
                self.record_render(item, attempt, result, where)
            elif self.record_plan(item, attempt, result, where):
                render(self._reload(item.item_id))
