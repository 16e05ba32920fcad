"""Leaderboard reading: value parsing, name mapping, the real pwc-format samples, gz, parquet."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extract.sources.errors import TooLargeError
from extract.sources.leaderboards import (
    LeaderboardFormatError,
    LeaderboardRow,
    link_paper_id,
    load_synonyms,
    mapped_rows,
    normalise_title,
    parse_metric_value,
    read_leaderboard,
)
from schema.quantities import BENCHMARKS, METRICS


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (84.5, 84.5),
        (92, 92.0),
        ("84.5%", 84.5),
        ("91.2 ± 0.1", 91.2),
        ("0.25±0.005", 0.25),
        ("2.53 +/- 0.40", 2.53),
        ("0.57×1e-4", 0.57e-4),
        ("3.5 x 10^-2", 0.035),
        ("28.5*", 28.5),
        ("60.7+", 60.7),
        ("**70.3**", 70.3),
        ("\ufeff93.3", 93.3),
        ("70.14 (measured by Ge et al., 2018)", 70.14),
        ("1,234.5", 1234.5),
        ("-0.5", -0.5),
        ("24M", 24e6),
        ("0.46B", 0.46e9),
        ("-", None),
        ("--*", None),
        ("", None),
        ("?", None),
        ("43B?", None),
        ("78.6/84.4", None),
        ("(16.97 15.58)", None),
        ("Constituent parser", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_metric_value(raw: object, value: float | None) -> None:
    parsed = parse_metric_value(raw)
    assert parsed == pytest.approx(value) if value is not None else parsed is None


@pytest.mark.parametrize(
    ("title", "normalised"),
    [
        (
            "Deep Residual Learning for Image Recognition",
            "deep residual learning for image recognition",
        ),
        (
            "UNSUPERVISED MACHINE TRANSLATION\nUSING MONOLINGUAL CORPORA ONLY",
            "unsupervised machine translation using monolingual corpora only",
        ),
        (
            "BERT: Pre-training of Deep Bidirectional Transformers",
            "bert pre training of deep bidirectional transformers",
        ),
        ("Édition  Spéciale — “quoted”", "edition speciale quoted"),
    ],
)
def test_normalise_title(title: str, normalised: str) -> None:
    assert normalise_title(title) == normalised


def test_synonym_targets_are_in_our_vocabulary() -> None:
    synonyms = load_synonyms()
    for rule in synonyms.datasets.values():
        assert rule.benchmark in BENCHMARKS
        for metric_rule in rule.metrics.values():
            assert metric_rule.metric is None or rule.benchmark in METRICS[metric_rule.metric]
    for benchmark, names in synonyms.metrics.items():
        assert benchmark in BENCHMARKS
        for metric_rule in names.values():
            assert metric_rule.metric is None or benchmark in METRICS[metric_rule.metric]


# --------------------------------------------------------------------------- real samples

# Rows usable as results (benchmark, metric and a parsed value) in ../shared/leaderboards.
EXPECTED_MAPPED = {
    "eff.json": {"squad1.1": 50, "wmt14-en-fr": 12, "wmt14-en-de": 11, "imagenet": 9},
    "nlpprogress.json": {"wmt14-en-de": 8, "wmt14-en-fr": 8, "conll2003": 12},
    "redditsota.json": {"imagenet": 3},
    "squad.json": {"squad1.1": 434},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_MAPPED))
def test_rows_mapped_per_benchmark(leaderboards_dir: Path, name: str) -> None:
    rows = read_leaderboard(leaderboards_dir / name)
    assert dict(Counter(r.benchmark for r in mapped_rows(rows))) == EXPECTED_MAPPED[name]
    keys = [(r.row_key, r.raw_metric_name) for r in rows]
    assert len(keys) == len(set(keys)), "row_key + metric must identify a value"
    assert [r.row_key for r in read_leaderboard(leaderboards_dir / name)] == [
        r.row_key for r in rows
    ], "row keys must be stable across reads"


def _find(rows: list[LeaderboardRow], **fields: object) -> LeaderboardRow:
    found = [r for r in rows if all(getattr(r, k) == v for k, v in fields.items())]
    assert len(found) == 1, f"{len(found)} rows match {fields}"
    return found[0]


def test_parsed_values_from_real_files(leaderboards_dir: Path) -> None:
    eff = read_leaderboard(leaderboards_dir / "eff.json")
    alexnet = _find(eff, model_name="AlexNet / SuperVision")
    assert (alexnet.benchmark, alexnet.metric, alexnet.raw_value) == (
        "imagenet",
        "top5_error",
        "0.16422",
    )
    assert alexnet.value == pytest.approx(16.422)
    assert alexnet.normalization and alexnet.normalization.startswith("x100")
    seq2seq = _find(eff, model_name="SMT+LSTM5", benchmark="wmt14-en-fr")
    assert (seq2seq.value, seq2seq.arxiv_id) == (36.5, "1409.3215")

    nlp = read_leaderboard(leaderboards_dir / "nlpprogress.json")
    rnmt = _find(nlp, model_name="RNMT+", benchmark="wmt14-en-de")
    assert (rnmt.raw_value, rnmt.value, rnmt.arxiv_id) == ("28.5*", 28.5, "1804.09849")
    bert = _find(nlp, model_name="BERT Large", benchmark="conll2003")
    assert (bert.metric, bert.value, bert.arxiv_id) == ("f1", 92.8, "1810.04805")

    squad = read_leaderboard(leaderboards_dir / "squad.json")
    luke = _find(squad, model_name="LUKE (single model)", dataset="SQuAD1.1", metric="em")
    assert (luke.value, luke.paper_date, luke.arxiv_id) == (90.202, "2020-04-10", None)


def test_ambiguous_rows_are_kept_but_not_mapped(leaderboards_dir: Path) -> None:
    reddit = read_leaderboard(leaderboards_dir / "redditsota.json")
    resnext = _find(reddit, arxiv_id="1611.05431", benchmark="imagenet")
    assert (resnext.metric, resnext.raw_value, resnext.value) == ("top1_error", "20.4%", 20.4)
    mask_rcnn = _find(reddit, benchmark="coco")  # instance segmentation: mask AP, not box AP
    assert (mask_rcnn.metric, mask_rcnn.value) == (None, 37.1)
    both_directions = _find(reddit, dataset="WMT14(en-fr fr-en)")
    assert (both_directions.benchmark, both_directions.value) == ("wmt14-en-fr", None)


def test_invalid_json_is_a_named_error(leaderboards_dir: Path) -> None:
    # The format's own example has trailing commas: not JSON.
    with pytest.raises(LeaderboardFormatError, match="not a leaderboard JSON"):
        read_leaderboard(leaderboards_dir / "example_json_format.json")


# --------------------------------------------------------------------------- gz and parquet


@pytest.fixture(scope="module")
def squad_tasks(leaderboards_dir: Path) -> list[dict]:
    return json.loads((leaderboards_dir / "squad.json").read_text())


def _summary(rows: list[LeaderboardRow]) -> Counter:
    return Counter((r.benchmark, r.metric, r.value, r.model_name) for r in mapped_rows(rows))


def test_gzip_input_matches_plain(leaderboards_dir: Path) -> None:
    plain = (leaderboards_dir / "squad.json").read_bytes()
    rows = read_leaderboard(gzip.compress(plain), name="squad.json.gz")
    assert rows == [
        r.__class__(**{**_as_dict(r), "source_file": "squad.json.gz"})
        for r in read_leaderboard(leaderboards_dir / "squad.json")
    ]


def _as_dict(row: LeaderboardRow) -> dict:
    return {f: getattr(row, f) for f in row.__slots__}


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"[" + b" " * 5_000_000 + b"]")
    assert len(bomb) < 10_000
    with pytest.raises(TooLargeError, match="decompressed"):
        read_leaderboard(bomb, name="bomb.json.gz", max_bytes=1_000_000)


def _parquet_bytes(table: pa.Table, tmp_path: Path) -> bytes:
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    return path.read_bytes()


def test_parquet_nested_json_strings(
    squad_tasks: list[dict], tmp_path: Path, leaderboards_dir: Path
) -> None:
    table = pa.Table.from_pylist(
        [
            {
                "task": t["task"],
                "datasets": json.dumps(t["datasets"]),
                "subtasks": json.dumps(t.get("subtasks", [])),
            }
            for t in squad_tasks
        ]
    )
    rows = read_leaderboard(_parquet_bytes(table, tmp_path), name="evaluation-tables.parquet")
    assert _summary(rows) == _summary(read_leaderboard(leaderboards_dir / "squad.json"))
    assert rows[0].row_key == "Question Answering/SQuAD2.0/0"


def test_parquet_nested_arrow_structs(
    squad_tasks: list[dict], tmp_path: Path, leaderboards_dir: Path
) -> None:
    table = pa.Table.from_pylist(
        [{"task": t["task"], "datasets": t["datasets"]} for t in squad_tasks]
    )
    rows = read_leaderboard(_parquet_bytes(table, tmp_path), name="nested.parquet")
    assert _summary(rows) == _summary(read_leaderboard(leaderboards_dir / "squad.json"))


def test_parquet_flat_layout(
    squad_tasks: list[dict], tmp_path: Path, leaderboards_dir: Path
) -> None:
    flat = [
        {
            "task": t["task"],
            "dataset": d["dataset"],
            "model_name": r["model_name"],
            "paper_title": r["paper_title"],
            "paper_url": r["paper_url"],
            "paper_date": r["paper_date"],
            "metrics": json.dumps(r["metrics"]),
        }
        for t in squad_tasks
        for d in t["datasets"]
        for r in d["sota"]["rows"]
    ]
    rows = read_leaderboard(_parquet_bytes(pa.Table.from_pylist(flat), tmp_path), name="flat")
    assert _summary(rows) == _summary(read_leaderboard(leaderboards_dir / "squad.json"))
    assert Counter(r.benchmark for r in mapped_rows(rows)) == {"squad1.1": 434}


def test_parquet_size_cap_and_unknown_layout(tmp_path: Path) -> None:
    big = pa.Table.from_pylist([{"task": "t", "datasets": "[]" + " " * 200_000}])
    with pytest.raises(TooLargeError):
        read_leaderboard(_parquet_bytes(big, tmp_path), name="big", max_bytes=100_000)
    odd = pa.Table.from_pylist([{"a": 1}])
    with pytest.raises(LeaderboardFormatError, match="neither the nested layout"):
        read_leaderboard(_parquet_bytes(odd, tmp_path), name="odd")


# --------------------------------------------------------------------------- linking


def test_link_paper_id_prefers_arxiv_id_then_title() -> None:
    base = dict(
        source_file="f",
        row_key="k",
        task="t",
        dataset="d",
        benchmark=None,
        metric=None,
        raw_metric_name="m",
        raw_value="1",
        value=1.0,
        model_name=None,
        paper_url=None,
        paper_date=None,
    )
    titles = {normalise_title("Attention Is All You Need"): "1706.03762"}
    with_id = LeaderboardRow(**base, paper_title="Anything", arxiv_id="1810.04805")
    by_title = LeaderboardRow(**base, paper_title="Attention is all you need.", arxiv_id=None)
    too_short = LeaderboardRow(**base, paper_title="Attention", arxiv_id=None)
    assert link_paper_id(with_id, titles) == "1810.04805"
    assert link_paper_id(by_title, titles) == "1706.03762"
    assert link_paper_id(too_short, {"attention": "x"}) is None
