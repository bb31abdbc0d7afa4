"""Code generation speed: contractkit vs OpenAPI Generator, cold processes, same contract.

    python benchmarks/codegen/run.py [--runs 7] [--json out.json]

Every measurement is a fresh process (nothing imported in advance). Runs are interleaved
(one of each tool per round) so machine load hits every tool alike. Measured:

- `contractkit generate` (all targets) into a scratch project, with a warm cache
  (contract validation and datamodel-code-generator output memoised on content hashes, the
  normal developer loop) and with the cache off (a fresh CI clone);
- `contractkit check` on this repository (warm cache; includes importing the implementation);
- `openapi-generator-cli generate -g python` on the same OpenAPI contract (its validator
  rejects our link `requestBody` object, which OpenAPI 3.0.3 allows: `--skip-validate-spec`).

Prints medians and the ratio contractkit / OpenAPI Generator (goal: <= 0.3).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONTRACTKIT = [str(BIN / "contractkit")]
OAG = [str(BIN / "openapi-generator-cli")]


CPU: dict[str, list[float]] = {}  # command label -> CPU seconds (user + sys, children included)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall seconds of one run; its CPU seconds are recorded in CPU under the command."""
    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    CPU.setdefault(LABEL[0], []).append(_children_cpu() - cpu)
    if proc.returncode not in (0, 1):  # `check` exits 1 on drift; still a complete run
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


LABEL = ["setup"]


def scratch_project(base: Path) -> Path:
    root = Path(tempfile.mkdtemp(dir=base))
    shutil.copytree(ROOT / "contracts", root / "contracts")
    shutil.copy(ROOT / "contractkit.yaml", root / "contractkit.yaml")
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if shutil.which(OAG[0]) is None:
        print("openapi-generator-cli is not installed (pip install '.[dev]')", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ck-bench-") as tmp:
        base = Path(tmp)
        warm = scratch_project(base)
        timed([*CONTRACTKIT, "generate"], warm)  # fills the warm project's cache
        timed([*CONTRACTKIT, "check"], ROOT)
        no_cache = {"CONTRACTKIT_CACHE_DIR": "off"}
        contract = str(ROOT / "contracts" / "meeting.openapi.yaml")

        def oag() -> float:
            out = Path(tempfile.mkdtemp(dir=base))
            cmd = [
                *OAG,
                "generate",
                "-g",
                "python",
                "-i",
                contract,
                "-o",
                str(out),
                "--skip-validate-spec",
            ]
            return timed(cmd, base)

        cases: dict[str, Callable[[], float]] = {
            "contractkit generate (warm cache)": lambda: timed([*CONTRACTKIT, "generate"], warm),
            "contractkit generate (no cache)": lambda: timed(
                [*CONTRACTKIT, "generate"], scratch_project(base), no_cache
            ),
            "contractkit check (warm cache)": lambda: timed([*CONTRACTKIT, "check"], ROOT),
            "openapi-generator python": oag,
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, run in cases.items():
                LABEL[0] = name
                samples[name].append(run())
    medians = {name: statistics.median(values) for name, values in samples.items()}
    cpu = {name: statistics.median(CPU[name]) for name in cases}
    reference, cpu_reference = medians["openapi-generator python"], cpu["openapi-generator python"]
    load = os.getloadavg()[0]
    print(f"median of {args.runs} cold-process runs ({os.cpu_count()} CPUs, load {load:.2f})")
    print(f"  {'':36s} {'wall':>7s} {'ratio':>6s} {'cpu':>7s} {'ratio':>6s}")
    for name, value in medians.items():
        print(
            f"  {name:36s} {value:6.2f}s {value / reference:5.2f}x"
            f" {cpu[name]:6.2f}s {cpu[name] / cpu_reference:5.2f}x"
        )
    ratio = medians["contractkit generate (warm cache)"] / reference
    print(f"ratio generate (warm) / OpenAPI Generator, wall: {ratio:.2f} (goal <= 0.30)")
    if args.json:
        data = {
            "runs": args.runs,
            "samples": samples,
            "medians": medians,
            "cpu_medians": cpu,
            "ratio": ratio,
        }
        args.json.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
