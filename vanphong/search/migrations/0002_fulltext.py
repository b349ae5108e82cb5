"""The full-text structures, per database: an FTS5 table kept in step by triggers on SQLite;
generated tsvector columns with GIN indexes on PostgreSQL. Words arrive already tokenised and
folded in Python (see search.text), so `remove_diacritics 0` loses nothing on the folded columns
and keeps the exact columns exact ("đăng" ≠ "đảng")."""

from __future__ import annotations

from typing import Any

from django.db import migrations

COLUMNS = "head_folded, head_exact, body_folded, body_exact"
NEW = "new.head_folded, new.head_exact, new.body_folded, new.body_exact"
OLD = "old.head_folded, old.head_exact, old.body_folded, old.body_exact"

SQLITE_UP = [
    f"""CREATE VIRTUAL TABLE search_fts USING fts5({COLUMNS},
        content='search_searchentry', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER search_entry_ai AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_fts(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END""",
    f"""CREATE TRIGGER search_entry_ad AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD});
        END""",
    f"""CREATE TRIGGER search_entry_au AFTER UPDATE OF {COLUMNS} ON search_searchentry BEGIN
        INSERT INTO search_fts(search_fts, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD});
        INSERT INTO search_fts(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TABLE IF EXISTS search_fts",
]


def _tsv(head: str, body: str) -> str:
    return (
        f"setweight(to_tsvector('simple'::regconfig, {head}), 'A') || "
        f"setweight(to_tsvector('simple'::regconfig, {body}), 'D')"
    )


POSTGRES_UP = [
    "ALTER TABLE search_searchentry ADD COLUMN fts_folded tsvector GENERATED ALWAYS AS "
    f"({_tsv('head_folded', 'body_folded')}) STORED",
    "ALTER TABLE search_searchentry ADD COLUMN fts_exact tsvector GENERATED ALWAYS AS "
    f"({_tsv('head_exact', 'body_exact')}) STORED",
    "CREATE INDEX search_entry_fts_folded ON search_searchentry USING gin (fts_folded)",
    "CREATE INDEX search_entry_fts_exact ON search_searchentry USING gin (fts_exact)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS search_entry_fts_exact",
    "DROP INDEX IF EXISTS search_entry_fts_folded",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS fts_exact",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS fts_folded",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
