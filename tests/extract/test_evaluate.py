"""extract.evaluate: each matching rule of DESIGN.md "Measuring extraction", and the dev gold
scored against itself."""

from __future__ import annotations

import io
import json

import pytest

from extract.evaluate import (
    GoldPaper,
    chips_for,
    evaluate,
    gold_as_extracted,
    load_extracted_snapshot,
    load_gold,
    match_duration,
    match_hardware,
    match_params,
    match_params_model,
    match_result,
    model_matches,
    render_table,
    report_to_json,
    tokens,
)


def gold_paper(paper_id="p1", **lists) -> GoldPaper:
    return GoldPaper(paper_id=paper_id, file=f"pdf/{paper_id}.pdf", arxiv_id=paper_id, **lists)


# ------------------------------------------------------------------------------ hardware


@pytest.mark.parametrize(
    ("slug", "count", "unit", "chips"),
    [
        ("tpu-v3", 2048, "core", 1024),
        ("tpu-v2", 128, "core", 64),
        ("tpu-v4", 8, "core", 4),
        ("tpu-v3", 100, "board", 400),
        ("tpu-v2", 1, "board", 4),
        ("tesla-k80", 4, "board", 8),
        ("tesla-v100", 8, None, 8),
        ("tesla-v100", 8, "chip", 8),
        ("tesla-v100", 16, "machine", None),
        ("tpu-unspecified", 1, "board", None),
        ("gtx-580", 512, "core", None),
        ("tesla-v100", None, "chip", None),
    ],
)
def test_chips_for(slug, count, unit, chips):
    assert chips_for(slug, count, unit) == chips


def test_tpu_cores_match_chips():
    gold = {"hardware_canonical": "tpu-v3", "count": 2048, "count_unit": "core"}
    assert match_hardware(
        gold, {"hardware": "tpu-v3", "hardware_count": 1024, "count_unit": "chip"}
    )
    assert match_hardware(gold, {"hardware": "tpu-v3", "chips": 1024})
    # extracted cores converted by the evaluator when the extractor left chips empty
    assert match_hardware(
        gold, {"hardware": "tpu-v3", "hardware_count": 2048, "count_unit": "core"}
    )
    assert not match_hardware(
        gold, {"hardware": "tpu-v3", "hardware_count": 2048, "count_unit": "chip"}
    )
    assert not match_hardware(gold, {"hardware": "tpu-v2", "hardware_count": 1024})


def test_boards_and_machines():
    board = {"hardware_canonical": "tpu-v3", "count": 256, "count_unit": "board"}
    assert match_hardware(
        board, {"hardware": "tpu-v3", "chips": 1024, "hardware_count": 256, "count_unit": "board"}
    )
    assert match_hardware(board, {"hardware": "tpu-v3", "hardware_count": 1024})
    machine = {"hardware_canonical": "tesla-v100", "count": 16, "count_unit": "machine"}
    # machines cannot be converted: the same count in the same unit is accepted ...
    assert match_hardware(
        machine,
        {"hardware": "tesla-v100", "hardware_count": 16, "count_unit": "machine", "chips": 256},
    )
    # ... and chips alone are not
    assert not match_hardware(
        machine, {"hardware": "tesla-v100", "chips": 256, "hardware_count": 256}
    )
    # a TPU board of unknown version: exact count + unit only
    single = {"hardware_canonical": "tpu-unspecified", "count": 1, "count_unit": "board"}
    assert match_hardware(
        single,
        {"hardware": "tpu-unspecified", "hardware_count": 1, "count_unit": "board", "chips": 4},
    )
    assert not match_hardware(single, {"hardware": "tpu-unspecified", "hardware_count": 1})


def test_hardware_without_gold_count_matches_on_slug():
    gold = {"hardware_canonical": "tesla-k80"}
    assert match_hardware(gold, {"hardware": "tesla-k80", "hardware_count": 4})
    assert match_hardware(gold, {"hardware": "Tesla-K80 "})
    assert not match_hardware(gold, {"hardware": "tesla-k40"})


def test_hardware_precision_and_recall():
    gold = {
        "p1": gold_paper(
            training=[
                {
                    "hardware_canonical": "gtx-580",
                    "count": 2,
                    "duration_hours": 144,
                    "where": "p5",
                    "quote": "two GTX 580",
                },
                {"hardware_canonical": "tesla-k40", "count": 4},
            ]
        )
    }
    extracted = {
        "p1": {
            "training": [
                {
                    "hardware": "gtx-580",
                    "hardware_count": 2,
                    "count_unit": "chip",
                    "duration_hours": 144,
                },
                {"hardware": "tesla-k40", "hardware_count": 8, "page": 3, "snippet": "8 K40"},
                {"hardware": None, "duration_hours": 10},  # no hardware: not in hardware precision
            ]
        },
        "not-in-gold": {"training": [{"hardware": "cpu", "hardware_count": 1}]},
    }
    report = evaluate(gold, extracted)
    hw = report.fields["hardware"]
    assert (hw.found, hw.n_gold, hw.matched, hw.n_extracted) == (1, 2, 1, 2)
    assert hw.precision == 0.5 and hw.recall == 0.5 and hw.f1 == 0.5
    assert hw.misses[0].item["hardware_canonical"] == "tesla-k40"
    assert hw.false_positives[0].page == 3 and hw.false_positives[0].snippet == "8 K40"
    assert report.ignored_papers == ["not-in-gold"]
    dur = report.fields["duration"]
    assert (dur.found, dur.n_gold, dur.matched, dur.n_extracted) == (1, 1, 1, 2)


# ------------------------------------------------------------------------------ duration


def test_duration_point_within_ten_percent():
    gold = {"duration_hours": 144}
    assert match_duration(gold, {"duration_hours": 144})
    assert match_duration(gold, {"duration_hours": 158})  # +9.7%
    assert match_duration(gold, {"duration_hours": 130})  # -9.7%
    assert not match_duration(gold, {"duration_hours": 160})
    assert not match_duration(gold, {"device_hours": 144})


def test_duration_range_found_by_any_value_inside():
    gold = {"duration_hours": 420, "duration_range_hours": [336, 504]}  # "2-3 weeks"
    assert match_duration(gold, {"duration_hours": 336})
    assert match_duration(gold, {"duration_hours": 504})
    assert match_duration(gold, {"duration_hours": 380})
    assert match_duration(gold, {"duration_hours": 336 * 0.91})
    assert match_duration(gold, {"duration_hours": 504 * 1.09})
    assert not match_duration(gold, {"duration_hours": 504 * 1.11})
    assert match_duration(gold, {"duration_lo_hours": 336, "duration_hi_hours": 504})
    assert not match_duration(gold, {"duration_hours": 24})


def test_device_hours():
    gold = {"duration_hours": None, "device_hours": 60000}  # 2.5k TPUv3-core-days
    assert match_duration(gold, {"device_hours": 60000})
    assert match_duration(gold, {"device_hours": 55000})
    assert not match_duration(gold, {"duration_hours": 60000})
    both = {"duration_hours": 720, "device_hours": 5520}
    assert match_duration(both, {"duration_hours": 720})
    assert match_duration(both, {"device_hours": 5520})


# ------------------------------------------------------------------------------ params


def test_params_two_percent():
    gold = {"model": "ResNet-50", "value": 25.6e6}
    assert match_params(gold, {"params": 25.6e6})
    assert match_params(gold, {"params": 26.0e6})  # +1.6%
    assert match_params(gold, {"params": 25.1e6})  # -1.95%
    assert not match_params(gold, {"params": 26.2e6})  # +2.3%
    assert match_params(gold, {"quantity": "param_count", "value": 25.6e6})
    assert not match_params(gold, {"flops_per_forward": 25.6e6})


def test_tokens_and_model_overlap():
    assert tokens("ResNeXt-101 (64x4d)") == {"resnext", "101", "64x4d"}
    assert tokens("GPT-3 2.7B") == {"gpt", "3", "2.7b"}
    assert model_matches("ResNet-50", "resnet 50 baseline")
    assert model_matches("BERT-Large", "BERT")  # 1 of 2 gold tokens: half is enough
    assert not model_matches("OverFeat accurate model", "OverFeat")  # 1 of 3
    assert not model_matches("ResNet-50", None)
    gold = {"model": "ResNeXt-101 (64x4d)", "value": 83.6e6}
    assert match_params_model(gold, {"model": "ResNeXt-101 64x4d", "params": 83.6e6})
    assert not match_params_model(gold, {"model": "ResNeXt-50", "params": 83.6e6})
    assert not match_params_model(gold, {"model": "ResNeXt-101 (64x4d)", "params": 88e6})


def test_params_report_and_rows_per_paper():
    gold = {
        "p1": gold_paper(
            params=[
                {"model": "ResNet-50", "value": 25.6e6},
                {"model": "ResNet-101", "value": 44.5e6},
            ]
        ),
        "p2": gold_paper("p2", params=[]),
    }
    extracted = {
        "p1": {"sizes": [
            {"model": "ResNet-50", "params": 25.5e6},
            {"model": "VGG-16", "params": 44.6e6},  # value right, model wrong
            {"model": None, "params": 12e6},
            {"model": "ResNet-50", "params": None, "flops_per_forward": 4.1e9},
        ]},
        "p2": {"sizes": [{"model": "x", "params": 1e6}]},
    }  # fmt: skip
    report = evaluate(gold, extracted)
    p, pm = report.fields["params"], report.fields["params_model"]
    assert (p.found, p.n_gold, p.matched, p.n_extracted) == (2, 2, 2, 4)
    assert (pm.found, pm.n_gold, pm.matched) == (1, 2, 1)
    assert pm.misses[0].item["model"] == "ResNet-101"
    assert not p.precision_scored and report.fields["hardware"].precision_scored
    assert report.params_rows_per_paper == {"p1": 3, "p2": 1}
    assert report.params_rows_mean == 2.0 and report.params_rows_max == 3


# ------------------------------------------------------------------------------ results


def test_results_accuracy_error_and_tolerance():
    gold = {"benchmark": "imagenet", "metric": "top1_error", "value": 19.1}
    assert match_result(gold, {"benchmark": "imagenet", "metric": "top1_error", "value": 19.1})
    assert match_result(gold, {"benchmark": "imagenet", "metric": "top1_error", "value": 19.15})
    assert not match_result(gold, {"benchmark": "imagenet", "metric": "top1_error", "value": 19.2})
    assert match_result(gold, {"benchmark": "imagenet", "metric": "top1_accuracy", "value": 80.9})
    assert match_result(gold, {"benchmark": "imagenet", "metric": "top1_accuracy", "value": 80.85})
    assert not match_result(
        gold, {"benchmark": "imagenet", "metric": "top5_accuracy", "value": 80.9}
    )
    assert not match_result(gold, {"benchmark": "coco", "metric": "top1_error", "value": 19.1})
    top5 = {"benchmark": "imagenet", "metric": "top5_accuracy", "value": 95.3}
    assert match_result(top5, {"benchmark": "imagenet", "metric": "top5_error", "value": 4.7})
    other = {"benchmark": "other:cifar-10", "metric": "error", "value": 3.47}
    assert match_result(other, {"benchmark": "other:cifar-10", "metric": "error", "value": 3.47})
    assert match_result(other, {"benchmark": "other:cifar-10", "metric": "accuracy", "value": 96.53})
    assert not match_result(other, {"benchmark": "other:cifar-10", "metric": "accuracy", "value": 3.47})
    assert not match_result(other, {"benchmark": "other:cifar-100", "metric": "error", "value": 3.47})


def test_results_other_benchmarks_compare_names_on_letters_and_digits():
    gold = {"benchmark": "other:wikitext-103", "metric": "perplexity", "value": 18.3}
    assert match_result(gold, {"benchmark": "other:WikiText103", "metric": "perplexity", "value": 18.3})
    assert match_result(gold, {"benchmark": "other:wikitext103", "metric": "ppl", "value": 18.31})
    assert not match_result(gold, {"benchmark": "other:wikitext-2", "metric": "perplexity", "value": 18.3})
    bpc = {"benchmark": "other:enwik8", "metric": "bits_per_char", "value": 0.99}
    assert match_result(bpc, {"benchmark": "other:enwik8", "metric": "bpc", "value": 0.99})
    # DESIGN's own slugs are never loosened: "squad11" is not "squad1.1".
    assert not match_result(
        {"benchmark": "squad1.1", "metric": "f1", "value": 90.0},
        {"benchmark": "squad11", "metric": "f1", "value": 90.0},
    )


def test_results_report_counts_missing_paper_as_misses():
    gold = {
        "p1": gold_paper(results=[{"benchmark": "coco", "metric": "box_ap", "value": 42.0,
                                   "where": "p7 Table 3", "quote": "42.0"}]),
        "p2": gold_paper("p2", results=[{"benchmark": "squad1.1", "metric": "f1", "value": 93.2}]),
    }  # fmt: skip
    extracted = {"p1": {"results": [
        {"benchmark": "coco", "metric": "box_ap", "value": 42.04},
        {"benchmark": "coco", "metric": "ap50", "value": 61.0},
    ]}}  # fmt: skip
    report = evaluate(gold, extracted)
    res = report.fields["results"]
    assert (res.found, res.n_gold, res.matched, res.n_extracted) == (1, 2, 1, 2)
    assert res.misses[0].paper_id == "p2"
    assert report.papers_extracted == ["p1"]
    data = json.loads(report_to_json(report))
    assert data["fields"]["results"]["recall"] == 0.5
    assert data["papers_missing_from_extraction"] == ["p2"]
    assert data["fields"]["results"]["misses"][0]["item"]["benchmark"] == "squad1.1"
    assert report.fields["hardware"].precision is None and report.fields["hardware"].f1 is None


def test_render_table():
    from rich.console import Console

    gold = {"p1": gold_paper(results=[{"benchmark": "coco", "metric": "box_ap", "value": 42.0}])}
    table = render_table(evaluate(gold, {}))
    console = Console(file=io.StringIO(), width=120, record=True)
    console.print(table)
    text = console.export_text()
    assert "results" in text and "0/1" in text and "(info)" in text


# ------------------------------------------------------------------------------ gold files


def test_load_gold_ids_and_errors(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(
        json.dumps({"file": "pdf/1512.03385.pdf", "arxiv_id": "1512.03385", "results": [],
                    "params": [], "training": [], "flops": []}) + "\n\n"
        + json.dumps({"file": "pdf/gpt2-radford2019.pdf", "arxiv_id": None, "results": []}) + "\n"
    )  # fmt: skip
    gold = load_gold(path)
    assert sorted(gold) == ["1512.03385", "gpt2-radford2019"]
    assert gold["gpt2-radford2019"].training == []
    path.write_text(
        path.read_text() + json.dumps({"file": "x/1512.03385.pdf", "arxiv_id": "1512.03385"}) + "\n"
    )
    with pytest.raises(ValueError, match="repeated"):
        load_gold(path)
    path.write_text("{not json\n")
    with pytest.raises(ValueError, match="line 1"):
        load_gold(path)


@pytest.mark.corpus
def test_dev_gold_against_itself(shared_dir):
    path = shared_dir / "corpus" / "gold" / "dev.jsonl"
    if not path.is_file():
        pytest.skip("no corpus/gold/dev.jsonl in the shared folder")
    gold = load_gold(path)
    assert len(gold) == 81
    report = evaluate(gold, gold_as_extracted(gold))
    for name, score in report.fields.items():
        assert score.n_gold > 0, name
        assert score.recall == 1.0, (name, [m.item for m in score.misses])
        assert not score.misses, name
    # the converted gold is also a perfect extraction on the scored-precision fields
    assert report.fields["hardware"].precision == 1.0
    assert report.fields["duration"].precision == 1.0
    assert report.fields["hardware"].n_gold == sum(
        1 for p in gold.values() for t in p.training if t.get("hardware_canonical")
    )


def test_load_extracted_snapshot(tmp_path):
    (tmp_path / "results.csv").write_text(
        "paper_id,model,benchmark,metric,value,source,confidence,page,snippet\n"
        "p1,ResNet-50,imagenet,top1_accuracy,76.1,table,0.6,7,ResNet-50 76.1\n"
    )
    (tmp_path / "training_runs.csv").write_text(
        "paper_id,stage,hardware,hardware_count,count_unit,duration_hours,device_hours,page,snippet,confidence\n"
        "p1,train,tpu-v3,2048,core,144,,5,2048 cores,0.5\n"
    )
    (tmp_path / "model_sizes.csv").write_text(
        "paper_id,model,params,flops_per_forward,page,snippet\np2,ResNet-50,25600000.0,,4,25.6M\n"
    )
    extracted = load_extracted_snapshot(tmp_path)
    assert extracted["p1"]["results"][0]["value"] == 76.1
    assert extracted["p1"]["training"][0]["device_hours"] is None
    gold = {
        "p1": gold_paper(
            training=[{"hardware_canonical": "tpu-v3", "count": 1024, "duration_hours": 144}]
        )
    }
    assert evaluate(gold, extracted).fields["hardware"].recall == 1.0
