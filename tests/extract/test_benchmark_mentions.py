"""extract.benchmarks: which benchmark a caption, header or sentence names, and which metric a
column holds, over the whole catalog (DESIGN's six and the ``other:<slug>`` benchmarks)."""

from __future__ import annotations

from collections import Counter

import pytest

from extract.benchmarks import (
    NAMED_METRIC,
    benchmark_mentions,
    classify_header,
    excluded_benchmarks,
    resolve_metric,
)
from extract.table_rules import extract_from_table
from schema.records import Table


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Test error on CIFAR-10 and CIFAR-100", {"other:cifar-10", "other:cifar-100"}),
        ("We evaluate on CIFAR-10.", {"other:cifar-10"}),
        ("Method | C10+ | C100+ | SVHN", {"other:cifar-10", "other:cifar-100", "other:svhn"}),
        ("Results on PASCAL VOC 2007 test", {"other:pascal-voc-2007"}),
        ("trained on VOC 07+12, tested on VOC 2012",
         {"other:pascal-voc-2007", "other:pascal-voc-2012"}),
        ("F1 on CoNLL-2003 German NER", {"other:conll2003-german"}),
        ("the CoNLL 2002 Spanish shared task", {"other:conll2002-spanish"}),
        ("CoNLL-2000 chunking", {"other:conll2000-chunking"}),
        ("ImageNet-A and ImageNet-V2 accuracy", {"other:imagenet-a", "other:imagenet-v2"}),
        ("semantic segmentation on COCO-Stuff", {"other:coco-stuff"}),
        ("SQuAD 2.0 dev set", {"other:squad2.0"}),
        ("SQuAD v1.1 and SQuAD v2.0", {"squad1.1", "other:squad2.0"}),
        ("WMT'14 French-English", {"other:wmt14-fr-en"}),
        ("WMT 2014 English-to-French", {"wmt14-en-fr"}),
        ("WMT 2014 German-English", {"other:wmt14-de-en"}),
        ("WMT NewsTest 2015 En-De", {"other:wmt15-en-de"}),
        ("WMT'16 English-Romanian", {"other:wmt16-en-ro"}),
        ("bits per character on enwik8 and text8", {"other:enwik8", "other:text8"}),
        ("perplexity on WikiText-103", {"other:wikitext-103"}),
        ("accuracy on the RACE reading comprehension test", {"other:race"}),
        ("a race condition between workers", set()),
        ("the GLUE benchmark and SuperGLUE", {"other:glue", "other:superglue"}),
        ("Kinetics-400 and Kinetics-600", {"other:kinetics-400", "other:kinetics-600"}),
        ("Table 3: AG, DBpedia, Yelp-bi",
         {"other:ag-news", "other:dbpedia", "other:yelp-review-polarity"}),
        ("an ag of the data", set()),
        ("ADE20K val mIoU", {"other:ade20k"}),
    ],
)  # fmt: skip
def test_mentions_name_the_specific_benchmark(text, expected):
    assert set(benchmark_mentions(text)) == expected


def test_a_look_alike_rules_the_general_benchmark_out():
    assert "conll2003" in excluded_benchmarks("CoNLL-2003 German")
    assert "imagenet" in excluded_benchmarks("ImageNet-A top-1")
    assert "coco" in excluded_benchmarks("COCO-Stuff-164k")
    assert "squad1.1" in excluded_benchmarks("SQuAD 2.0")
    assert "conll2003" not in excluded_benchmarks("CoNLL-2003 English NER")


def test_one_mention_counts_once_however_many_patterns_find_it():
    assert benchmark_mentions("CoNLL-2003 German NER") == Counter({"other:conll2003-german": 1})


@pytest.mark.parametrize(
    ("header", "context", "values", "metric"),
    [
        ("mAP", "Table 2: Detection results on PASCAL VOC 2007 test", [70.0], "map"),
        ("mAP", "Table 3: Object detection on COCO test-dev", [40.0], "box_ap"),
        ("C10+", "Table 2: Error rates (%) on CIFAR and SVHN. Params in millions", [4.0],
         "top1_error"),
        ("CIFAR-100", "Table 6: Comparison with other models", [82.0], "top1_accuracy"),
        ("TriviaQA", "Table 8: F1 on the test sets", [77.0], "f1"),
        ("TriviaQA", "Table 8: Leaderboard results", [77.0], "em"),
        ("enwik8", "Table 3: Comparison with prior work", [1.0], "bpc"),
        ("Test PPL", "Table 1: WikiText-103", [18.0], "perplexity"),
        ("mIoU (%)", "Table 4: ADE20K", [50.0], "miou"),
        ("test-other", "Table 3: WER on LibriSpeech", [4.1], "wer"),
        ("PER", "Table 2: TIMIT core test set", [17.7], "per"),
    ],
)  # fmt: skip
def test_header_metric_settled_from_its_context(header, context, values, metric):
    kind, raw = classify_header(header)
    assert kind == "result"
    assert resolve_metric(raw, f"{header} {context}", values) == metric


def test_a_long_text_naming_a_benchmark_is_not_a_results_header():
    caption = "Table 5: Hyper-parameters used when fine-tuning on CIFAR-10 for all the models"
    assert classify_header(caption) != ("result", NAMED_METRIC)


def _table(caption: str, rows: list[list[str]]) -> Table:
    return Table(page=3, label="2", caption=caption, rows=rows, method="words")


def test_voc_map_table_is_voc_even_when_the_paper_is_about_coco():
    table = _table(
        "Table 2: Detection results on PASCAL VOC 2007 test set.",
        [["Method", "data", "aero", "bike", "mAP"], ["Ours", "07+12", "77.0", "78.1", "70.0"]],
    )
    coco = Counter({"coco": 9})
    results, _, _ = extract_from_table(table, coco, coco)
    got = {(r.benchmark, r.metric, r.value) for r in results}
    assert got == {("other:pascal-voc-2007", "map", 70.0)}


def test_benchmark_columns_under_an_error_caption():
    table = _table(
        "Table 6: Error rates (%) of state-of-the-art methods.",
        [["Network", "params", "CIFAR-10", "CIFAR-100"], ["Ours-452", "8.6", "3.90", "20.45"]],
    )
    results, _, _ = extract_from_table(table, Counter({"imagenet": 5}), Counter({"imagenet": 30}))
    got = {(r.benchmark, r.metric, r.value) for r in results}
    assert got == {("other:cifar-10", "top1_error", 3.9), ("other:cifar-100", "top1_error", 20.45)}


def test_german_ner_f1_is_not_conll2003():
    rows = [["Model", "F1"], ["Ours", "78.76"]]
    table = _table("Table 2: F1 on the CoNLL-2003 German NER test set.", rows)
    results, _, _ = extract_from_table(table, Counter({"conll2003": 4}), Counter({"conll2003": 12}))
    assert [(r.benchmark, r.value) for r in results] == [("other:conll2003-german", 78.76)]


def test_fr_en_bleu_is_not_en_fr():
    table = _table("Table 4: BLEU on WMT'14 French-English.", [["Model", "BLEU"], ["Ours", "11.5"]])
    results, _, _ = extract_from_table(table, Counter(), Counter({"wmt14-en-fr": 3}))
    assert [(r.benchmark, r.value) for r in results] == [("other:wmt14-fr-en", 11.5)]


def test_language_before_the_dataset_name_is_the_language_task():
    caption = "Table 2: German NER results (CoNLL-2003 test set). * marks external data"
    assert set(benchmark_mentions(caption)) == {"other:conll2003-german"}
    assert "conll2003" in excluded_benchmarks(caption)
    assert set(benchmark_mentions("English NER results (CoNLL-2003 test set)")) == {"conll2003"}


@pytest.mark.parametrize(
    ("header", "context", "metric"),
    [
        ("Test Accuracy", "Table 5: Exact match accuracy on Natural Questions.", "em"),
        ("Average", "Table 9: Massive Multitask Language Understanding (MMLU). Five-shot accuracy.",
         "top1_accuracy"),
        ("Avg.", "Table 1: GLUE test results.", "score"),
        ("WSC Average Score", "Table 5: SuperGLUE test set results.", "score"),
    ],
)  # fmt: skip
def test_averages_and_exact_match_accuracy(header, context, metric):
    kind, raw = classify_header(header)
    assert kind == "result" and resolve_metric(raw, f"{header} {context}", [60.0]) == metric


def test_per_as_a_word_is_not_a_phone_error_rate():
    assert classify_header("Time per image (ms)") == (None, None)
