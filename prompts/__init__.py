"""Prompt templates as files, one per task and language (`script.en.md`, `script.zh.md`, …).

A file has a `## system` and a `## user` section; `$name` placeholders are filled with
`string.Template`, so JSON braces in a prompt need no escaping.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from string import Template


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str

    def render(self, **values: object) -> tuple[str, str]:
        text = {k: str(v) for k, v in values.items()}
        return Template(self.system).substitute(text), Template(self.user).substitute(text)


def load_prompt(task: str, language: str) -> Prompt:
    """Read `prompts/<task>.<language>.md`; raises FileNotFoundError naming the missing file."""
    name = f"{task}.{language}.md"
    path = resources.files(__name__) / name
    if not path.is_file():
        raise FileNotFoundError(f"no prompt file {name} in reelcraft.prompts")
    sections: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## ") and line[3:].strip() in ("system", "user"):
            current = line[3:].strip()
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    if set(sections) != {"system", "user"}:
        raise ValueError(f"prompt {name} needs a '## system' and a '## user' section")
    return Prompt(system="\n".join(sections["system"]).strip(), user="\n".join(sections["user"]).strip())


def load_fragment(task: str, language: str, **values: object) -> str:
    """A piece of a prompt that is only sometimes included (`prompts/<task>.<language>.md`, no sections),
    with its `$name` placeholders filled."""
    name = f"{task}.{language}.md"
    path = resources.files(__name__) / name
    if not path.is_file():
        raise FileNotFoundError(f"no prompt file {name} in reelcraft.prompts")
    return Template(path.read_text(encoding="utf-8").strip()).substitute({k: str(v) for k, v in values.items()})
