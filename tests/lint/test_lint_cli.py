"""The real `contractkit lint` CLI, run as a subprocess: exit codes and output shapes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lint.lint_support import AAS_FILE, OAS_FILE, ROOT

GITHUB_LINE = re.compile(
    r"^::(error|warning|notice) file=[^,:]+,line=\d+,title=(CK|OAS|AAS)\d{3}::"
    r"(CK|OAS|AAS)\d{3} (/\S*)?: .+$"
)


def contractkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("contractkit")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]
    return subprocess.run(
        [*command, "lint", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def explicit(tmp_path: Path) -> list[str]:
    return ["--openapi", str(tmp_path / OAS_FILE), "--asyncapi", str(tmp_path / AAS_FILE)]


def test_clean_contracts_exit_0(tmp_path, write_mutated):
    write_mutated()
    done = contractkit(*explicit(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 error(s), 0 warning(s)" in done.stderr
    assert contractkit(*explicit(tmp_path), "--strict", cwd=tmp_path).returncode == 0


def unused_schema(oas, aas):
    aas["components"]["schemas"]["Unused"] = {"type": "object", "description": "unused"}


def test_a_warning_exits_0_and_strict_fails_on_it(tmp_path, write_mutated):
    write_mutated(unused_schema)
    done = contractkit(*explicit(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning CK161" in done.stdout
    assert "0 error(s), 1 warning(s)" in done.stderr
    assert contractkit(*explicit(tmp_path), "--strict", cwd=tmp_path).returncode == 1


def broken(oas, aas):
    oas["paths"]["/health"]["get"].pop("summary")
    aas["components"]["messages"]["Ping"]["examples"][0]["payload"]["seq"] = "five"


def test_lint_errors_exit_1_with_json_output(tmp_path, write_mutated):
    write_mutated(broken)
    done = contractkit(*explicit(tmp_path), "--format", "json", cwd=tmp_path)
    assert done.returncode == 1
    items = json.loads(done.stdout)
    assert all(set(item) == {"file", "pointer", "code", "severity", "message"} for item in items)
    found = {(i["code"], i["file"], i["pointer"], i["severity"]) for i in items}
    assert ("CK105", OAS_FILE, "/paths/~1health/get", "error") in found
    ping_seq = "/components/messages/Ping/examples/0/payload/seq"
    assert ("CK154", AAS_FILE, ping_seq, "error") in found


def test_github_annotations_carry_file_line_and_rule(tmp_path, write_mutated):
    oas_path, _ = write_mutated(broken)
    done = contractkit(*explicit(tmp_path), "--format", "github", cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines and all(GITHUB_LINE.match(line) for line in lines), lines
    summary = next(line for line in lines if "title=CK105" in line)
    line_no = int(re.search(r"line=(\d+)", summary).group(1))
    assert oas_path.read_text(encoding="utf-8").splitlines()[line_no - 1].strip() == "get:"


def test_unreadable_contracts_exit_2(tmp_path, write_mutated):
    write_mutated()
    missing = contractkit("--openapi", "nope.yaml", "--asyncapi", AAS_FILE, cwd=tmp_path)
    assert missing.returncode == 2
    assert "CK001" in missing.stdout
    (tmp_path / "bad.yaml").write_text("openapi: [3.0.3\n", encoding="utf-8")
    bad = contractkit("--openapi", "bad.yaml", "--asyncapi", AAS_FILE, cwd=tmp_path)
    assert bad.returncode == 2
    assert "CK002" in bad.stdout


def test_contracts_named_by_contractkit_yaml(tmp_path, write_mutated):
    write_mutated(broken)
    (tmp_path / "contractkit.yaml").write_text(
        f"version: 1\ncontracts:\n  openapi: {OAS_FILE}\n  asyncapi: {AAS_FILE}\ntargets: {{}}\n",
        encoding="utf-8",
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    done = contractkit("--format", "json", cwd=sub)  # found upwards; names relative to it
    assert done.returncode == 1
    assert {i["file"] for i in json.loads(done.stdout)} == {OAS_FILE, AAS_FILE}


def test_unusable_config_exits_2(tmp_path):
    (tmp_path / "contractkit.yaml").write_text("version: 9\n", encoding="utf-8")
    done = contractkit(cwd=tmp_path)
    assert done.returncode == 2
    assert "CFG005" in done.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_repo_contracts_from_the_repo_root(fmt):
    done = contractkit("--format", fmt, cwd=ROOT)
    assert done.returncode in (0, 1), done.stderr
    errors = re.search(r"(\d+) error\(s\)", done.stderr)
    assert errors is not None
    assert (done.returncode == 1) == (int(errors.group(1)) > 0)
    if fmt == "json":
        files = {i["file"] for i in json.loads(done.stdout)}
        assert files <= {"contracts/meeting.openapi.yaml", "contracts/meeting.asyncapi.yaml"}
