"""extract.text_results: results stated in sentences, with the benchmark from the sentence or
its page, and no results from differences or from sentences citing someone else's number."""

from __future__ import annotations

from collections import Counter

import pytest

from extract.nlp import SPANS_KEY, build_nlp
from extract.text_results import result_from_span
from schema import quantities as q
from schema.records import Evidence


def _results(text: str, page: Counter | None = None) -> set[tuple[str, str, float]]:
    doc = build_nlp()(text)
    evidence = Evidence(page=1, snippet=text, rule_id="test")
    out = set()
    for span in doc.spans[SPANS_KEY]:
        if span.label_ != q.RESULT:
            continue
        result = result_from_span(span, evidence, page or Counter())
        if result is not None:
            out.add((result.benchmark, result.metric, result.value))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Our model achieves 84.5% top-1 accuracy on ImageNet.",
         ("imagenet", "top1_accuracy", 84.5)),
        ("Our single model obtains 40.4 BLEU on WMT 2014 English-to-French.",
         ("wmt14-en-fr", "bleu", 40.4)),
        ("We obtain 11.5 BLEU on WMT'14 French-English.", ("other:wmt14-fr-en", "bleu", 11.5)),
        ("On the VOC 2012 test set we achieve 61.7 mAP.", ("other:pascal-voc-2012", "map", 61.7)),
        ("We reach a test perplexity of 18.3 on WikiText-103.",
         ("other:wikitext-103", "perplexity", 18.3)),
        ("Our largest model reaches 1.12 bits/dim on the enwik8 test split.",
         ("other:enwik8", "bpc", 1.12)),
        ("We get an F1 score of 66.3 on SQuAD 2.0.", ("other:squad2.0", "f1", 66.3)),
        ("Our network reduces the error to a 4.91% test error on CIFAR-10.",
         ("other:cifar-10", "top1_error", 4.91)),
        ("We report top-5 accuracy on ILSVRC-2012 over 3 runs: 97.12% ± 0.03% for our large model.",
         ("imagenet", "top5_accuracy", 97.12)),
        ("Our method raises ImageNet-A top-1 accuracy from 37.2% to 58.9%.",
         ("other:imagenet-a", "top1_accuracy", 58.9)),
    ],
)  # fmt: skip
def test_result_sentences(text, expected):
    assert expected in _results(text)


def test_coco_style_ap_in_a_clause_and_pascal_style_map_is_ap50():
    text = (
        "Its PASCAL-style mAP is 44.6%; the COCO-style AP, which is averaged over several IoU "
        "thresholds, is 24.3%."
    )
    got = _results(text)
    assert ("coco", "ap50", 44.6) in got and ("coco", "box_ap", 24.3) in got
    assert ("coco", "box_ap", 44.6) not in got


def test_benchmark_from_the_page_when_the_sentence_names_none():
    got = _results("Our deepest model reaches 3.12% test error.", Counter({"other:cifar-10": 4}))
    assert got == {("other:cifar-10", "top1_error", 3.12)}


def test_voc_map_never_becomes_coco_box_ap():
    got = _results("On PASCAL VOC 2007 we achieve 73.2 mAP.", Counter({"coco": 20}))
    assert got == {("other:pascal-voc-2007", "map", 73.2)}


@pytest.mark.parametrize(
    "text",
    [
        "We outperform the previous best result on WMT'16 English-Romanian by 1.9 BLEU.",
        "Our model is 2.1 AP points higher than the baseline on COCO.",
        "Wu et al. (2016) report 39.2 BLEU on WMT 2014 English-to-French.",
        "ResNet-152 [12] obtains 78.6% top-1 accuracy on ImageNet.",
        "The model reaches 84.5% top-1 accuracy.",  # no benchmark in the sentence or on the page
    ],
)
def test_no_result(text):
    assert _results(text) == set()


def test_the_sentence_s_own_benchmark_wins_over_the_page_s():
    got = _results("We obtain 82.3% top-1 accuracy on CIFAR-100.", Counter({"imagenet": 30}))
    assert got == {("other:cifar-100", "top1_accuracy", 82.3)}


def test_an_overall_score_is_a_glue_score_only_where_glue_is_named():
    assert _results("Our ensemble gets an overall score of 78.6 on the GLUE benchmark.") == {
        ("other:glue", "score", 78.6)
    }
    assert _results("Our model reaches an overall score of 78.6 on the test set.") == set()


def test_each_value_takes_the_benchmark_named_after_it():
    got = _results("Our model achieves 93.2 F1 on SQuAD 1.1 and 89.3 F1 on SQuAD 2.0.")
    assert got == {("squad1.1", "f1", 93.2), ("other:squad2.0", "f1", 89.3)}


def test_a_benchmark_named_before_the_value():
    text = "On CIFAR-100, our widest network reaches 17.2% test error."
    got = _results(text, Counter({"imagenet": 9}))
    assert got == {("other:cifar-100", "top1_error", 17.2)}


def test_a_shorter_span_inside_a_longer_one_adds_nothing():
    got = _results("We achieve a top-5 error of 3.57% on ImageNet.")
    assert got == {("imagenet", "top5_error", 3.57)}


def test_a_training_set_named_after_the_value_is_not_its_benchmark():
    text = (
        "On the PASCAL VOC 2012 test set, our method has an mAP of 70.9% trained on "
        "VOC 2007 trainval."
    )
    assert _results(text) == {("other:pascal-voc-2012", "map", 70.9)}


@pytest.mark.parametrize(
    "text",
    [
        "Our variant upgrades 1.1% top-1 accuracy on ImageNet.",
        "We measure a gain of about 0.5-1.0 F1 on CoQA from the overlap.",
        "Our model reaches 53.5 mIoU on ADE20K, beating the best (50.3 mIoU by SETR [73]).",
        "Our model achieves 59.1 EM, well above the 49.7 EM reported by Chen et al. on SQuAD.",
    ],
)
def test_changes_ranges_and_attributed_numbers_are_not_results(text):
    values = {value for _, _, value in _results(text)}
    assert not values & {1.1, 0.5, 1.0, 50.3, 49.7}


def test_own_number_beside_an_attributed_one_is_kept():
    text = "Our model reaches 53.5 mIoU on ADE20K, beating the best (50.3 mIoU by SETR [73])."
    assert _results(text) == {("other:ade20k", "miou", 53.5)}


def test_a_second_value_joined_by_and_takes_the_first_value_s_metric():
    text = "On ImageNet the plain network has 23.6% validation error, and our variant has 22.9%."
    assert _results(text) == {("imagenet", "top1_error", 23.6), ("imagenet", "top1_error", 22.9)}
