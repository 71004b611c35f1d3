"""Where ``shared/`` is: beside the checkout (as CI lays it out), or beside the main checkout of this git repository
(a worktree elsewhere), or ``LOSSDOC_SHARED``. Tests that read it fail when it is missing: a test that skips
its inputs passes having checked nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    candidates = []
    if os.environ.get("LOSSDOC_SHARED"):
        candidates.append(Path(os.environ["LOSSDOC_SHARED"]))
    candidates.append(ROOT.parent / "shared")
    try:
        common = subprocess.run(
            ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
            check=False, cwd=ROOT, capture_output=True, text=True, timeout=10,
        ).stdout.strip()
        if common:
            candidates.append(Path(common).parent.parent / "shared")
    except (OSError, subprocess.SubprocessError):
        pass
    for c in candidates:
        if (c / "real-logs").is_dir():
            return c
    raise FileNotFoundError(
        f"shared/ not found (looked at {', '.join(map(str, candidates))}); set LOSSDOC_SHARED to its path"
    )
