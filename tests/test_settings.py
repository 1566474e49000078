"""Every setting is documented in the README table, with its default."""

from __future__ import annotations

import re

from conftest import ROOT

from service.settings import Settings


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(HUMUS_[A-Z_]+)` \| `?([^|`]*)`? \|", readme, re.M))
    for name, field in Settings.model_fields.items():
        env = f"HUMUS_{name.upper()}"
        assert env in rows, f"{env} is not documented in README.md"
        default = field.default
        assert rows[env].strip() == str(default), f"{env}: README says {rows[env]!r}, code says {default!r}"
    assert set(rows) == {f"HUMUS_{n.upper()}" for n in Settings.model_fields}, "README documents unknown settings"


def test_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HUMUS_HOME", "/tmp/somewhere")
    monkeypatch.setenv("HUMUS_MAX_FILE_MB", "2.5")
    settings = Settings()
    assert str(settings.home) == "/tmp/somewhere"
    assert settings.max_file_bytes == 2_500_000
