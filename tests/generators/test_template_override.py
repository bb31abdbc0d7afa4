"""A user template directory (`templates_dir`) overrides single built-in templates."""

from __future__ import annotations

from pathlib import Path

from generators.pipeline import load_ir, read_config, render
from tests.generators.project import contractkit, make_project, write_config

OVERRIDE = '''{% include "server_stubs/_header.jinja" %}
"""Custom server package for {{ ctx.ir.title }} ({{ ctx.extra.ops | length }} operations)."""
'''


def test_override_replaces_one_template(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    builtin = (root / "generated/server/__init__.py").read_text(encoding="utf-8")
    custom = root / "my_templates" / "server_stubs" / "server"
    custom.mkdir(parents=True)
    (custom / "__init__.py.jinja").write_text(OVERRIDE, encoding="utf-8")
    write_config(
        root,
        templates_dir="my_templates",
        implementation={"package": "impl_pkg", "missing": "warning"},
    )

    config = read_config(root / "contractkit.yaml")
    files = render(load_ir(config), config)
    assert files["generated/server/__init__.py"] != builtin
    assert (
        '"""Custom server package for AI Meeting API (20 operations)."""'
        in files["generated/server/__init__.py"]
    )
    # every other file still comes from the built-in templates
    assert files["generated/server/app.py"] == (root / "generated/server/app.py").read_text()

    run = contractkit(root, "check")
    assert run.returncode == 1 and "generated/server/__init__.py" in run.stdout
    assert contractkit(root, "generate").returncode == 0
    assert "Custom server package" in (root / "generated/server/__init__.py").read_text()
    assert contractkit(root, "check").returncode == 0


def test_missing_templates_dir_is_a_config_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, generate=False)
    write_config(root, templates_dir="nope")
    run = contractkit(root, "check")
    assert run.returncode == 2
    assert "CFG006" in run.output
