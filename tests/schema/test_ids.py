"""Ids built in schema.ids read back as built."""

from __future__ import annotations

from schema.ids import parse_table_locator, sha256_file, table_locator


def test_table_locators_read_back_as_built() -> None:
    assert parse_table_locator(table_locator(7, "2a", 4, 3)) == (7, "2a", 4, 3)
    assert parse_table_locator(table_locator(5, "1.2", 10, 1)) == (5, "1.2", 10, 1)
    assert parse_table_locator("text") is None and parse_table_locator(None) is None


def test_sha256_file_is_the_content_hash(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc")
    assert sha256_file(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
