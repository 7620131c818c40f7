"""Our own conditional GAN for animated backgrounds (design and measurements: docs/models.md).

network (generator + projection discriminator), augment (DiffAugment), data (image folders with
bad-file skipping, scene-aware video frames, procedural backgrounds), train (hinge + EMA + resumable
checkpoints, FreezeD for fine-tuning), sample (latent walks), frames (the renderer's "gan" source).
"""

from pathlib import Path

DEFAULT_CHECKPOINT = Path(__file__).with_name("data") / "default.pt"
"""The shipped generator (EMA weights only), made by the command in docs/models.md."""
