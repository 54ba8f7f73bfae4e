"""Turn requirements.txt into pip constraints that pin every requirement to its declared lower bound.

    python .ci/lower_bounds.py [requirements.txt] > constraints.txt

Each requirement line must name a lower bound (`name>=X`, or `name==X`), so that the oldest versions the
project claims to support can be installed and run (.ci/lower_bounds.sh). A line without one, an option
line (`-r`, `--index-url`, ...) or a line that is not a requirement raises ValueError naming the line:
a declared range that nothing can check is not declared.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# name, optional [extras], then the specifiers up to an optional `; environment marker`.
REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<specs>[^;]*?)\s*(?:;.*)?$")
SPECIFIER = re.compile(r"^(?P<op>===|==|>=|<=|~=|!=|<|>)\s*(?P<version>[A-Za-z0-9.*+!_-]+)$")


def lower_bounds(text: str) -> dict[str, str]:
    """Requirement name (as written) -> its lower bound, for every requirement in `text`.

    `>=X`, `~=X` and `==X` give X; comments and blank lines are skipped.
    """
    bounds: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            raise ValueError(f"line {number}: {raw.strip()!r}: options have no lower bound to pin")
        match = REQUIREMENT.match(line)
        if not match or not match["specs"]:
            raise ValueError(f"line {number}: {raw.strip()!r} declares no version range")
        lowest = None
        for part in match["specs"].split(","):
            spec = SPECIFIER.match(part.strip())
            if not spec:
                raise ValueError(f"line {number}: cannot read the specifier {part.strip()!r}")
            if spec["op"] in (">=", "~=", "==", "==="):
                if lowest is not None:
                    raise ValueError(f"line {number}: {raw.strip()!r} has more than one lower bound")
                lowest = spec["version"]
        if lowest is None or "*" in lowest:
            raise ValueError(f"line {number}: {raw.strip()!r} has no lower bound (write name>=X)")
        name = match["name"]
        if name.lower() in (known.lower() for known in bounds):
            raise ValueError(f"line {number}: {name} is required twice")
        bounds[name] = lowest
    return bounds


def constraints(text: str) -> str:
    """pip constraints, one `name==<lower bound>` a line."""
    return "".join(f"{name}=={version}\n" for name, version in lower_bounds(text).items())


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "requirements.txt"
    sys.stdout.write(constraints(path.read_text(encoding="utf-8")))
