"""Peak resident memory, shared by the benchmarks that report it."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak RSS of ``pid`` (this process when None), in MB.

    VmHWM, not getrusage: Linux keeps ru_maxrss across exec, so a child started from a big
    parent would report the parent's peak. getrusage is the fallback for this process only.
    """
    status = Path(f"/proc/{pid if pid is not None else 'self'}/status")
    try:
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return float("nan")
