"""Where things are and how the pipeline behaves: SPEC §2 run settings, read from FIELDLEDGER_* variables."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# SPEC §2: setting name → default. Booleans are real booleans; as_of_date "" = latest modifiedon delivered;
# closed_through (SPEC §3.3) "" = no period closed by the setting (seed closed_periods may close some).
RUN_SETTING_DEFAULTS: dict[str, bool | str] = {
    "finance_integration": True,
    "calculate_price_in_field_service": True,
    "calculate_cost_in_field_service": True,
    "auto_approve": True,
    "auto_confirm_invoices": True,
    "as_of_date": "",
    "closed_through": "",
}
DATE_SETTINGS = ("as_of_date", "closed_through")

# the words a boolean setting may be written with (any case); dbt's macro setting (macros/settings.sql) accepts
# the same ones, for a user who runs dbt by hand on the FIELDLEDGER_* variables (tests/test_settings.py)
TRUE_WORDS = ("true", "1", "yes", "y", "on")
FALSE_WORDS = ("false", "0", "no", "n", "off")


class SettingsError(ValueError):
    """A FIELDLEDGER_* variable or run-config value that cannot be understood."""


def parse_bool(name: str, value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise SettingsError(f"{name}={value!r} is not a boolean: use true or false")


def parse_date(name: str, value: str) -> str:
    from datetime import date

    text = str(value).strip()
    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise SettingsError(f"{name}={value!r} is not a date: use YYYY-MM-DD") from exc


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse: Path  # the published file BI tools read (SPEC §3)
    build_db: Path  # the file the pipeline writes; published by copy after the checks pass
    export_dir: Path
    run: dict[str, bool | str] = field(default_factory=lambda: dict(RUN_SETTING_DEFAULTS))

    def with_run(self, **overrides: bool | str) -> Settings:
        return replace(self, run=normalise_run_settings({**self.run, **overrides}))

    def dbt_vars(self) -> dict[str, bool | str]:
        return dict(self.run)

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess: paths are absolute, so dbt's working directory does not matter."""
        return {
            "FIELDLEDGER_BUILD_DB": str(self.build_db),
            "FIELDLEDGER_RAW_DIR": str(self.raw_dir),
            "FIELDLEDGER_WAREHOUSE": str(self.warehouse),
            "FIELDLEDGER_EXPORT_DIR": str(self.export_dir),
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def describe(self) -> dict[str, str]:
        out = {k: str(v) for k, v in asdict(self).items() if k != "run"}
        out.update({k: json.dumps(v) for k, v in self.run.items()})
        return out


def normalise_run_settings(values: dict[str, bool | str]) -> dict[str, bool | str]:
    unknown = set(values) - set(RUN_SETTING_DEFAULTS)
    if unknown:
        raise SettingsError(f"unknown run setting(s): {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(RUN_SETTING_DEFAULTS)}")
    out: dict[str, bool | str] = {}
    for name, default in RUN_SETTING_DEFAULTS.items():
        value = values.get(name, default)
        out[name] = parse_date(name, str(value)) if name in DATE_SETTINGS else parse_bool(name, value)
    return out


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else default


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from FIELDLEDGER_* variables (SPEC §2), defaults: the demo delivery and warehouse/."""
    env = dict(os.environ if env is None else env)
    warehouse = _path(env, "FIELDLEDGER_WAREHOUSE", REPO_ROOT / "warehouse" / "fieldledger.duckdb")
    build_db = _path(env, "FIELDLEDGER_BUILD_DB", warehouse.with_name(warehouse.stem + ".build.duckdb"))
    if build_db == warehouse:
        raise SettingsError("FIELDLEDGER_BUILD_DB must differ from FIELDLEDGER_WAREHOUSE (the published copy)")
    run = {name: env[f"FIELDLEDGER_{name.upper()}"] for name in RUN_SETTING_DEFAULTS
           if env.get(f"FIELDLEDGER_{name.upper()}", "").strip()}
    return Settings(
        raw_dir=_path(env, "FIELDLEDGER_RAW_DIR", REPO_ROOT / "seeds" / "demo"),
        warehouse=warehouse,
        build_db=build_db,
        export_dir=_path(env, "FIELDLEDGER_EXPORT_DIR", REPO_ROOT / "exports"),
        run=normalise_run_settings(run),
    )
