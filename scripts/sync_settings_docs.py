"""Regenerate the settings table in README.md and the inputs of action.yml from `Settings`.

Run after adding or changing a setting: `python scripts/sync_settings_docs.py`. The contract tests in
tests/test_action.py fail until both files agree with the code.
"""

from __future__ import annotations

import re
from pathlib import Path

from okta_scim_ci.settings import Settings, default_text, env_name, flag_name

ROOT = Path(__file__).resolve().parent.parent


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def readme_table() -> str:
    rows = ["| Setting | Flag | Env var | Default | Meaning |", "|---|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = default_text(field.default)
        shown = f"`{default}`" if default is not None else ""
        rows.append(f"| `{name}` | `{flag_name(name)}` | `{env_name(name)}` | {shown} | {field.description} |")
    return "\n".join(rows) + "\n"


def action_inputs() -> str:
    lines = ["inputs:"]
    for name, field in Settings.model_fields.items():
        description = field.description or ""
        if name in Settings.secret_fields:
            description += f" Pass it from a secret (e.g. secrets.{env_name(name)}), never inline."
        lines += [f"  {name}:", f"    description: {quoted(description)}", "    required: false"]
        default = default_text(field.default)
        if default is not None:
            lines.append(f"    default: {quoted(default)}")
    return "\n".join(lines) + "\n"


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    text = re.sub(r"\| Setting \| Flag \|.*?\n(?!\|)", lambda _: readme_table(), text, count=1, flags=re.S)
    readme.write_text(text)
    action = ROOT / "action.yml"
    text = action.read_text()
    text = re.sub(r"^inputs:\n.*?(?=^outputs:)", lambda _: action_inputs(), text, count=1, flags=re.S | re.M)
    action.write_text(text)


if __name__ == "__main__":
    main()
