"""What a publication changes in the previous one: marts kept as they are, rows changed in place, marts written whole.

A daily run changes a small part of the marts, yet writing every mart anew cost a 1M-line publication 110 s, most
of it fct_trace's 20.5M rows (DECISIONLOG D-B6). So publishing compares each mart of the build file with the same
mart of the previous publication, both read now:
- a fingerprint: the row count and the sum of a hash of every row (order-free);
- a signature: columns, types, comments, the table comment and the declared keys.
Equal signature and fingerprint: the mart is KEPT. Equal signature, a primary key and a few rows changed: the
rows are UPDATED in place (inserted, updated, deleted by key). Anything else is WRITTEN whole. The new publication
starts as a copy of the previous file, so it is still a new file replacing the old one in one rename; every
updated mart's fingerprint is checked against the build's before the rename.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import duckdb

KEPT, UPDATED, WRITTEN = "kept", "updated", "written"
# beyond this share of a mart's rows changed, writing it whole costs less than changing rows by key
UPDATE_AT_MOST = 0.3
# below this share of the rows carried over from the previous file, copying the file costs more than it saves
CARRY_AT_LEAST = 0.2
# a previous file with more free space than this is not copied: a whole publication compacts it
FREE_AT_MOST = 0.4
# what a publication holds, and nothing else (a reader's own tables are not carried into the next one)
OWN_SCHEMAS = {"main", "marts", "meta"}

Columns = list[tuple[str, str, str | None]]  # (name, type, comment)


@dataclass(frozen=True)
class Plan:
    how: dict[str, str]  # table → KEPT, UPDATED or WRITTEN
    changes: dict[str, dict[str, int]]  # updated table → rows added, changed, removed

    @property
    def copies_previous(self) -> bool:
        return any(h != WRITTEN for h in self.how.values())


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _row_hash(columns: Columns, alias: str = "") -> str:
    return f"hash({', '.join(alias + quote(name) for name, _, _ in columns)})"


def fingerprint(con: duckdb.DuckDBPyConnection, relation: str, columns: Columns) -> str:
    """Row count, order-free sum of the row hashes, and the columns' names and types: equal for equal tables."""
    rows, values = con.execute(f"select count(*), coalesce(sum({_row_hash(columns)}::hugeint), 0) "
                               f"from {relation}").fetchone()
    schema = hashlib.sha1(json.dumps([[n, t] for n, t, _ in columns]).encode()).hexdigest()[:16]
    return f"{rows}:{values}:{schema}"


def signature(columns: Columns, table_comment: str | None, primary: tuple[str, ...] | None,
              unique: tuple[str, ...] | None, foreign: list) -> str:
    """Everything about a published mart except its rows, in one comparable text."""
    return json.dumps({"columns": [list(c) for c in columns], "comment": table_comment,
                       "primary": list(primary or ()), "unique": list(unique or ()),
                       "foreign": sorted([list(c), t, list(r)] for c, t, r in foreign)})


def catalog_signature(con: duckdb.DuckDBPyConnection, database: str, table: str) -> str:
    """The signature of a mart as the file's catalog holds it."""
    columns = [tuple(r) for r in con.execute(
        "select column_name, data_type, comment from duckdb_columns() where database_name = ? and schema_name = "
        "'marts' and table_name = ? order by column_index", [database, table]).fetchall()]
    (comment,) = con.execute("select comment from duckdb_tables() where database_name = ? and schema_name = 'marts' "
                             "and table_name = ?", [database, table]).fetchone()
    primary, unique, foreign = None, None, []
    for kind, cols, referenced, referenced_cols in con.execute(
            "select constraint_type, constraint_column_names, referenced_table, referenced_column_names "
            "from duckdb_constraints() where database_name = ? and schema_name = 'marts' and table_name = ? "
            "order by constraint_index", [database, table]).fetchall():
        if kind == "PRIMARY KEY":
            primary = tuple(cols)
        elif kind == "UNIQUE":
            unique = tuple(cols)
        elif kind == "FOREIGN KEY":
            foreign.append((tuple(cols), referenced, tuple(referenced_cols)))
    return signature(columns, comment, primary, unique, foreign)


def previous_marts(con: duckdb.DuckDBPyConnection, database: str) -> list[str] | None:
    """The marts of the attached previous publication, or None when it cannot be carried over: not a publication of
    ours, holding schemas of its own, or mostly free space."""
    schemas = {s for (s,) in con.execute("select schema_name from duckdb_schemas() where database_name = ? and "
                                         "not internal", [database]).fetchall()}
    tables = con.execute("select schema_name, table_name from duckdb_tables() where database_name = ?",
                         [database]).fetchall()
    if not schemas <= OWN_SCHEMAS or ("meta", "publication") not in tables or any(
            s == "main" or (s == "meta" and t != "publication") for s, t in tables):
        return None
    total, free = con.execute("select total_blocks, free_blocks from pragma_database_size() where database_name = ?",
                              [database]).fetchone()
    if total and free / total > FREE_AT_MOST:
        return None
    return sorted(t for s, t in tables if s == "marts")


def delta(con: duckdb.DuckDBPyConnection, table: str, new: str, old: str, columns: Columns,
          key: tuple[str, ...]) -> dict[str, int]:
    """The keys of the rows added, changed or removed from `old` to `new`, into temp table delta_<table>."""
    on = " and ".join(f"n.{quote(k)} = o.{quote(k)}" for k in key)
    keys = ", ".join(f"coalesce(n.{quote(k)}, o.{quote(k)}) as {quote(k)}" for k in key)
    key_list = ", ".join(quote(k) for k in key)
    con.execute(f"""
        create or replace temp table {quote('delta_' + table)} as
        select {keys}, case when o.h is null then 'added' when n.h is null then 'removed' else 'changed' end as kind
        from (select {key_list}, {_row_hash(columns)} as h from {new}) as n
        full join (select {key_list}, {_row_hash(columns)} as h from {old}) as o on {on}
        where n.h is distinct from o.h""")
    counts = dict(con.execute(f"select kind, count(*) from {quote('delta_' + table)} group by kind").fetchall())
    return {kind: counts.get(kind, 0) for kind in ("added", "changed", "removed")}


def fixed_columns(table: str, key: tuple[str, ...], foreign: dict[str, list]) -> tuple[str, ...]:
    """The columns an update in place must not set: the key, and in a mart another mart references, its own
    foreign-key columns — DuckDB updates an indexed column as a delete and an insert, which a referenced row
    refuses even when the value stays the same."""
    if not any(referenced == table for other, references in foreign.items() if other != table
               for _, referenced, _ in references):
        return key
    return key + tuple(c for columns, _, _ in foreign.get(table, []) for c in columns if c not in key)


def _fixed_columns_changed(con: duckdb.DuckDBPyConnection, table: str, new: str, old: str,
                           key: tuple[str, ...], fixed: tuple[str, ...]) -> bool:
    """Whether a changed row of the delta changes one of the columns an update in place cannot set."""
    others = [c for c in fixed if c not in key]
    if not others:
        return False
    on = " and ".join(f"{a}.{quote(k)} = d.{quote(k)}" for a in ("n", "o") for k in key)
    differs = " or ".join(f"n.{quote(c)} is distinct from o.{quote(c)}" for c in others)
    return con.execute(f"select count(*) from {quote('delta_' + table)} as d, {new} as n, {old} as o "
                       f"where d.kind = 'changed' and {on} and ({differs})").fetchone()[0] > 0


def apply_additions(con: duckdb.DuckDBPyConnection, table: str, target: str, source: str, columns: Columns,
                    key: tuple[str, ...], fixed: tuple[str, ...]) -> None:
    """Insert the added rows and update the changed ones (referenced marts first, so foreign keys hold); the
    `fixed` columns (fixed_columns) are equal in both, so they are not set."""
    d = quote("delta_" + table)
    on = " and ".join(f"s.{quote(k)} = d.{quote(k)}" for k in key)
    con.execute(f"insert into {target} select s.* from {source} as s join {d} as d on {on} where d.kind = 'added'")
    values = [name for name, _, _ in columns if name not in fixed]
    if values:
        assignments = ", ".join(f"{quote(v)} = s.{quote(v)}" for v in values)
        matches = " and ".join(f"t.{quote(k)} = s.{quote(k)}" for k in key)
        con.execute(f"update {target} as t set {assignments} from {source} as s, {d} as d "
                    f"where {matches} and {on} and d.kind = 'changed'")


def apply_removals(con: duckdb.DuckDBPyConnection, table: str, target: str, key: tuple[str, ...]) -> None:
    """Delete the removed rows (referencing marts first, so foreign keys hold)."""
    d = quote("delta_" + table)
    matches = " and ".join(f"{target}.{quote(k)} = d.{quote(k)}" for k in key)
    con.execute(f"delete from {target} using {d} as d where {matches} and d.kind = 'removed'")


def plan(con: duckdb.DuckDBPyConnection, previous: str | None, columns: dict[str, Columns],
         fingerprints: dict[str, str], signatures: dict[str, str], primary: dict[str, tuple[str, ...]],
         foreign: dict[str, list]) -> Plan:
    """Which marts the new publication keeps from the attached previous one, updates in place, or writes whole."""
    how = {table: WRITTEN for table in columns}
    changes: dict[str, dict[str, int]] = {}
    previous_tables = previous_marts(con, previous) if previous else None
    if previous_tables is None:
        return Plan(how, changes)
    rows = {table: int(fp.split(":")[0]) for table, fp in fingerprints.items()}
    for table in sorted(set(columns) & set(previous_tables)):
        if catalog_signature(con, previous, table) != signatures[table]:
            continue
        old = f"{previous}.marts.{quote(table)}"
        if fingerprint(con, old, columns[table]) == fingerprints[table]:
            how[table] = KEPT
        elif table in primary:
            new, key = f"build.marts.{quote(table)}", primary[table]
            counts = delta(con, table, new, old, columns[table], key)
            if sum(counts.values()) <= UPDATE_AT_MOST * max(rows[table], 1) and not _fixed_columns_changed(
                    con, table, new, old, key, fixed_columns(table, key, foreign)):
                how[table], changes[table] = UPDATED, counts
    # a mart referencing a mart written whole is written whole too: the referenced mart is dropped, so is it
    spread = True
    while spread:
        spread = False
        for table, references in foreign.items():
            if how[table] != WRITTEN and any(how[referenced] == WRITTEN for _, referenced, _ in references):
                how[table], spread = WRITTEN, True
                changes.pop(table, None)
    if sum(rows[t] for t, h in how.items() if h != WRITTEN) < CARRY_AT_LEAST * max(sum(rows.values()), 1):
        return Plan({table: WRITTEN for table in columns}, {})
    return Plan(how, changes)


def drop_order(con: duckdb.DuckDBPyConnection, database: str, tables: set[str]) -> list[str]:
    """The marts to drop, each after every mart that references it (DuckDB refuses to drop a referenced table)."""
    referencing: dict[str, set[str]] = {t: set() for t in tables}
    for table, referenced in con.execute(
            "select table_name, referenced_table from duckdb_constraints() where database_name = ? and "
            "schema_name = 'marts' and constraint_type = 'FOREIGN KEY'", [database]).fetchall():
        if referenced in referencing and table != referenced:
            referencing[referenced].add(table)
    order: list[str] = []
    while len(order) < len(tables):
        ready = sorted(t for t in tables if t not in order and referencing[t] <= set(order))
        if not ready:  # only a mart outside `tables` references the rest: cannot happen for a mart that is kept
            raise RuntimeError(f"cannot drop {sorted(set(tables) - set(order))}: referenced by a mart that stays")
        order += ready
    return order
