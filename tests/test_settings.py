"""SPEC §2: every setting and path comes from FIELDLEDGER_* variables; the dbt command line is a pure function."""

import json

import pytest

from orchestration.dbt import dbt_build_args
from orchestration.settings import (
    DBT_PROJECT_DIR,
    FALSE_WORDS,
    REPO_ROOT,
    RUN_SETTING_DEFAULTS,
    TRUE_WORDS,
    SettingsError,
    load_settings,
    parse_bool,
)


def test_defaults_are_the_demo_delivery_and_the_warehouse_folder():
    s = load_settings({})
    assert s.raw_dir == REPO_ROOT / "seeds" / "demo"
    assert s.warehouse == REPO_ROOT / "warehouse" / "fieldledger.duckdb"
    assert s.build_db == REPO_ROOT / "warehouse" / "fieldledger.build.duckdb"
    assert s.export_dir == REPO_ROOT / "exports"
    assert s.run == RUN_SETTING_DEFAULTS


def test_every_setting_is_read_from_its_environment_variable(tmp_path):
    env = {
        "FIELDLEDGER_RAW_DIR": str(tmp_path / "in"),
        "FIELDLEDGER_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "FIELDLEDGER_EXPORT_DIR": str(tmp_path / "out"),
        "FIELDLEDGER_FINANCE_INTEGRATION": "false",
        "FIELDLEDGER_CALCULATE_PRICE_IN_FIELD_SERVICE": "False",
        "FIELDLEDGER_CALCULATE_COST_IN_FIELD_SERVICE": "0",
        "FIELDLEDGER_AUTO_APPROVE": "no",
        "FIELDLEDGER_AUTO_CONFIRM_INVOICES": "false",
        "FIELDLEDGER_AS_OF_DATE": "2026-03-31",
    }
    s = load_settings(env)
    assert s.raw_dir == tmp_path / "in"
    assert s.warehouse == tmp_path / "w.duckdb"
    assert s.build_db == tmp_path / "w.build.duckdb"
    assert s.export_dir == tmp_path / "out"
    assert s.run == {"finance_integration": False, "calculate_price_in_field_service": False,
                     "calculate_cost_in_field_service": False, "auto_approve": False,
                     "auto_confirm_invoices": False, "as_of_date": "2026-03-31", "closed_through": ""}


@pytest.mark.parametrize("name,value", [("FIELDLEDGER_AUTO_APPROVE", "maybe"), ("FIELDLEDGER_AS_OF_DATE", "31/03/2026")])
def test_a_bad_setting_is_named_in_the_error(name, value):
    with pytest.raises(SettingsError, match=name.removeprefix("FIELDLEDGER_").lower()):
        load_settings({name: value})


def test_build_file_cannot_be_the_published_file(tmp_path):
    with pytest.raises(SettingsError, match="must differ"):
        load_settings({"FIELDLEDGER_WAREHOUSE": str(tmp_path / "w.duckdb"),
                       "FIELDLEDGER_BUILD_DB": str(tmp_path / "w.duckdb")})


def test_dbt_arguments_carry_the_settings_as_sorted_vars():
    args = dbt_build_args({"auto_approve": False, "as_of_date": "2026-03-31"}, select="staging+")
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"as_of_date": "2026-03-31", "auto_approve": False}
    assert args[2].index("as_of_date") < args[2].index("auto_approve")
    assert args[3:] == ["--select", "staging+"]
    assert dbt_build_args({}, full_refresh=True)[-1] == "--full-refresh"


def test_dbt_reads_every_boolean_word_as_python_does(tmp_path, monkeypatch):
    """A FIELDLEDGER_* switch means the same in Python (parse_bool) and in dbt's macro setting, which reads the
    variables itself when dbt is run by hand; a word neither knows fails in both, naming the setting."""
    from conftest import InProcessDbt
    from dbt.cli.main import dbtRunner

    words = [*TRUE_WORDS, *FALSE_WORDS, *(w.upper() for w in TRUE_WORDS), f" {FALSE_WORDS[2].title()} "]
    names = {f"word_{i}": w for i, w in enumerate(words)}
    monkeypatch.setenv("FIELDLEDGER_BUILD_DB", str(tmp_path / "build.duckdb"))
    common = ["--quiet", "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR),
              "--target-path", str(tmp_path / "target")]

    def compiled(inline: str, cli_vars: dict) -> str:
        """The compiled text, or dbt's messages when it refused to compile."""
        messages: list[str] = []
        try:
            result = dbtRunner(manifest=parsed, callbacks=[lambda event: messages.append(event.info.msg)]).invoke(
                ["compile", "--inline", inline, "--vars", json.dumps(cli_vars), *common])
        finally:
            InProcessDbt.close()
        return result.result.results[0].node.compiled_code if result.success else "\n".join(map(str, messages))

    parsed = dbtRunner().invoke(["parse", *common]).result
    inline = "{{ tojson([" + ", ".join(f"setting('{name}')" for name in names) + "]) }}"
    assert json.loads(compiled(inline, names)) == [parse_bool(name, word) for name, word in names.items()]
    with pytest.raises(SettingsError, match="auto_approve"):
        parse_bool("auto_approve", "maybe")
    assert "setting auto_approve=maybe is not a boolean" in compiled("{{ setting('auto_approve') }}",
                                                                      {"auto_approve": "maybe"})
