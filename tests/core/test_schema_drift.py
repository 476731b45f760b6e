from pathlib import Path

from wildnet.schema import schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_sdl_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text().strip()
    assert committed == str(schema).strip(), "schema.graphql is stale: run `make schema` and commit it"
