"""R5: no DOUBLE or FLOAT on any money path (issue 9). Two checks over the real demo build: the SQL dbt compiled
for every model divides only through the exact integer macros (`divide_round`, `divide_floor`, `divide_ceil`:
DuckDB divides DECIMALs in DOUBLE) and casts to no floating type; and no column of any table or view is floating."""

import re
from pathlib import Path

import duckdb

FLOATING = re.compile(r"\b(double|float|float4|float8|real)\b", re.IGNORECASE)
DIVISION = re.compile(r"(?<![/])/(?![/])")


def code_only(sql: str) -> str:
    """The SQL without comments and string literals (a '/' in a comment or a path is not a division)."""
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    sql = re.sub(r"'(?:[^']|'')*'", "''", sql)
    return re.sub(r"--[^\n]*", " ", sql)


def offenders(compiled: Path) -> list[str]:
    found = []
    for path in sorted(compiled.rglob("*.sql")):
        code = code_only(path.read_text())
        for pattern, what in ((FLOATING, "a floating type"), (DIVISION, "a '/' division")):
            for match in pattern.finditer(code):
                line = code[:match.start()].count("\n") + 1
                found.append(f"{path.relative_to(compiled)}:{line}: {what} ({match.group(0)})")
    return found


def test_the_lint_finds_a_double_division():
    assert code_only("select a / b, 'x/y', c // d -- e / f\n") == "select a / b, '', c // d  \n"
    assert len(FLOATING.findall("cast(x as double) * cast(y as FLOAT)")) == 2
    assert DIVISION.findall("a / b + c // d") == ["/"]


def test_r5_no_model_divides_or_casts_through_a_floating_type(demo_build):
    compiled = demo_build.root / "target" / "compiled" / "fieldledger" / "models"
    assert len(list(compiled.rglob("*.sql"))) > 100, "the build compiled no models"
    assert offenders(compiled) == []


def test_r5_no_column_of_the_warehouse_is_floating(demo_build):
    with duckdb.connect(str(demo_build.build_db), read_only=True) as con:
        floating = con.execute("""select table_schema || '.' || table_name || '.' || column_name, data_type
                                  from information_schema.columns
                                  where data_type in ('DOUBLE', 'FLOAT', 'REAL')""").fetchall()
        decimals = con.execute("""select count(*) from information_schema.columns
                                  where table_schema = 'marts' and data_type like 'DECIMAL%'""").fetchall()[0][0]
    assert decimals > 50 and floating == []
