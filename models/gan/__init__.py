"""Our own conditional GAN for animated backgrounds (work in progress: see docs/models.md and the notes).

network (generator + projection discriminator), augment (DiffAugment), data (image folders with
bad-file skipping, procedural backgrounds), train (hinge + EMA + resumable checkpoints), sample (latent walks).
"""

from pathlib import Path

DEFAULT_CHECKPOINT = Path(__file__).with_name("data") / "default.pt"
"""The shipped generator (EMA weights only), made by the command in docs/models.md."""
