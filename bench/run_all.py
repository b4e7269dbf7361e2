"""Run every benchmark script in bench/ (each a module with ``main()``), one after another.

Scripts are discovered, so a benchmark added later (e.g. bench/synth_scale.py) runs too.
Each script runs with its defaults (``main([])``, or ``main()`` if it takes no arguments).
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    return sorted(path for path in HERE.glob("*.py") if path.name != Path(__file__).name)


def main() -> int:
    failed = []
    for path in scripts():
        spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, "main"):
            continue
        print(f"\n=== {path.name}", flush=True)
        started = time.perf_counter()
        takes_argv = bool(inspect.signature(module.main).parameters)
        status = module.main([]) if takes_argv else module.main()
        print(
            f"=== {path.name}: status {status}, {time.perf_counter() - started:.0f} s", flush=True
        )
        if status:
            failed.append(path.name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
