"""Table rules (extract/table_rules.py): synthetic Table -> results, sizes and durations."""

from __future__ import annotations

from collections import Counter

import pytest

from extract.table_rules import (
    cell_values,
    extract_from_table,
    header_metric,
    model_name,
    table_name,
)
from schema.records import Table


def table(header: list[str], *rows: list[str], caption: str = "", label: str = "2") -> Table:
    return Table(page=4, label=label, caption=caption, rows=[header, *rows], method="words")


def results_of(t: Table, paper: Counter | None = None) -> set[tuple[str, str, float]]:
    results, _, _ = extract_from_table(t, Counter(), paper or Counter())
    return {(r.benchmark, r.metric, r.value) for r in results}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("APbbox", ("result", "box_ap")),
        ("APbbox 50", ("result", "ap50")),
        ("APb 75", ("result", "ap75")),
        ("box AP 50", ("result", "ap50")),
        ("Mask R-CNN 1x AP", ("result", "box_ap")),
        ("APmask", ("ignore", None)),
        ("APm 50", ("ignore", None)),
        ("mask AP 75", ("ignore", None)),
        ("APM", ("ignore", None)),
        ("Top-1 err. (%)", ("result", "top1_error")),
    ],
)
def test_header_metric_reads_coco_box_and_mask_qualifiers(header: str, expected: tuple) -> None:
    assert header_metric(header) == expected


def test_box_and_mask_groups_give_box_results_only() -> None:
    t = table(
        ["Backbone", "APbbox", "APbbox 50", "APbbox 75", "APmask", "APmask 50", "APmask 75"],
        ["R50 GN", "40.8", "61.6", "44.4", "36.1", "58.5", "38.2"],
        caption="Table 6: Detection and segmentation results in COCO using Mask R-CNN.",
    )
    assert results_of(t) == {
        ("coco", "box_ap", 40.8),
        ("coco", "ap50", 61.6),
        ("coco", "ap75", 44.4),
    }


def test_error_columns_on_imagenet_with_citation_removed_from_model() -> None:
    t = table(
        ["Model", "top-1 err.", "top-5 err."],
        ["ResNet-152 [13]", "23.0", "6.7"],
        caption="Single-crop error rates on ImageNet validation set.",
    )
    results, _, _ = extract_from_table(t, Counter(), Counter())
    assert {(r.metric, r.value) for r in results} == {("top1_error", 23.0), ("top5_error", 6.7)}
    assert {r.model for r in results} == {"ResNet-152"}


def test_slash_cells_follow_the_slash_header() -> None:
    t = table(
        ["Model", "SQuAD v1.1 F1/EM"], ["Ours-large", "95.5/90.1"], caption="Results on dev sets."
    )
    assert results_of(t) == {("squad1.1", "f1", 95.5), ("squad1.1", "em", 90.1)}


def test_accuracy_printed_as_a_fraction_is_read_in_percent() -> None:
    t = table(["Model", "Top-1 acc."], ["A", "0.762"], ["B", "0.781"], caption="ImageNet accuracy.")
    assert results_of(t) == {
        ("imagenet", "top1_accuracy", 76.2),
        ("imagenet", "top1_accuracy", 78.1),
    }


def test_metric_without_benchmark_anywhere_gives_nothing() -> None:
    t = table(
        ["Model", "Accuracy"], ["A", "81.2"], ["B", "83.0"], caption="Results on our new dataset."
    )
    assert results_of(t) == set()


def test_transposed_table_reads_benchmark_rows_per_model_column() -> None:
    t = table(
        ["Task", "BERT", "Ours"], ["SQuAD v1.1 F1", "90.9", "92.2"], ["MNLI acc", "86.6", "88.0"]
    )
    results, _, _ = extract_from_table(t, Counter(), Counter())
    assert {(r.benchmark, r.metric, r.value, r.model) for r in results} == {
        ("squad1.1", "f1", 90.9, "BERT"),
        ("squad1.1", "f1", 92.2, "Ours"),
        ("other:mnli", "top1_accuracy", 86.6, "BERT"),
        ("other:mnli", "top1_accuracy", 88.0, "Ours"),
    }


def test_params_and_flops_columns_use_header_scale() -> None:
    t = table(
        ["Model", "#Params (M)", "FLOPs (G)", "Top-1"],
        ["Net-S", "25.6", "4.1", "79.2"],
        caption="ImageNet-1K classification.",
    )
    _, sizes, _ = extract_from_table(t, Counter(), Counter())
    values = {s.quantity: s.value for s in sizes}
    assert values == {
        "param_count": pytest.approx(25.6e6),
        "flops_per_forward": pytest.approx(4.1e9),
    }


def test_training_time_column_in_hours_and_compact_cells() -> None:
    t = table(["Model", "Train time (h)"], ["Small", "12"], ["Big", "13h 48m"])
    _, _, runs = extract_from_table(t, Counter(), Counter())
    hours = sorted(run.duration_hours for run in runs)
    assert hours[0] == 12.0
    assert hours[1] == pytest.approx(13 + 48 / 60)


def test_device_days_column_with_a_thousands_suffix() -> None:
    t = table(["Model", "TPUv3-core-days"], ["Large", "1.01k"], ["Base", "230"])
    _, _, runs = extract_from_table(t, Counter(), Counter())
    assert sorted(run.device_hours for run in runs) == pytest.approx([230 * 24, 1010 * 24])
    assert all(run.duration_hours is None for run in runs)


def test_cell_values_and_model_names() -> None:
    assert cell_values("22.15 / 20.80") == [22.15, 20.80]
    assert cell_values("76.3±0.2") == [76.3]
    assert cell_values("-") == []
    assert (
        model_name(["Faster R-CNN (Ren et al., 2015)", "ResNet-101", "34.9"])
        == "Faster R-CNN ResNet-101"
    )


def test_table_name_of_a_figure_label() -> None:
    assert table_name(table(["a", "b"], label="fig4")) == "Figure 4"
    assert table_name(table(["a", "b"], label="3")) == "Table 3"


def test_column_named_by_its_benchmark_reads_pairs_with_f1_the_larger() -> None:
    t = table(
        ["Models", "SQuAD1.1 dev", "SQuAD2.0 dev"],
        ["TextNet", "92.6/86.3", "87.1/84.2"],
        caption="State-of-the-art results.",
    )
    results, _, _ = extract_from_table(t, Counter(), Counter())
    assert {(r.benchmark, r.metric, r.value) for r in results} == {
        ("squad1.1", "f1", 92.6),
        ("squad1.1", "em", 86.3),
        ("other:squad2.0", "f1", 87.1),  # never squad1.1
        ("other:squad2.0", "em", 84.2),
    }
    assert {r.model for r in results} == {"TextNet"}


def test_column_named_by_a_catalog_benchmark_takes_its_default_metric() -> None:
    t = table(["Models", "RACE test"], ["TextNet", "78.4"], caption="State-of-the-art results.")
    assert results_of(t) == {("other:race", "top1_accuracy", 78.4)}


def test_column_named_by_no_benchmark_gives_nothing() -> None:
    t = table(["Models", "Zorblat test"], ["TextNet", "78.4"], caption="State-of-the-art results.")
    assert results_of(t) == set()


def test_cited_rows_give_no_training_time() -> None:
    t = table(["Model", "TPUv3 core-days"], ["BaseNet-L [14]", "0.27k"], ["GridNet-L", "0.36k"])
    _, _, runs = extract_from_table(t, Counter(), Counter())
    assert [(run.model, run.device_hours) for run in runs] == [("GridNet-L", 360 * 24)]


def test_training_time_row_of_a_table_with_models_as_columns() -> None:
    t = table(
        ["", "Ours S", "Ours L", "Baseline [7]"],
        ["train time (h)", "1.6", "7.5", "60"],
        ["test rate (s/im)", "0.10", "0.32", "47.0"],
    )
    _, _, runs = extract_from_table(t, Counter(), Counter())
    assert [(run.model, run.duration_hours) for run in runs] == [("Ours S", 1.6), ("Ours L", 7.5)]


def test_device_days_row_with_thousands() -> None:
    t = table(
        ["", "Ours (H/14)", "Ours (L/16)"],
        ["ImageNet", "86.42", "85.17"],
        ["TPUv3-core-days", "2.1k", "0.57k"],
    )
    _, _, runs = extract_from_table(t, Counter(), Counter())
    assert sorted(run.device_hours for run in runs) == pytest.approx([570 * 24, 2100 * 24])


def test_time_cells_under_a_training_time_caption_are_durations() -> None:
    t = table(
        ["", "CIFAR10+", "SVHN"],
        ["Ours", "13h 48m", "22h 16m"],
        caption="Training time comparison on datasets.",
    )
    _, _, runs = extract_from_table(t, Counter(), Counter())
    assert sorted(run.duration_hours for run in runs) == pytest.approx([13 + 48 / 60, 22 + 16 / 60])
    plain = table(
        ["", "CIFAR10+"], ["Ours", "93.1"], caption="Training time comparison on datasets."
    )
    assert extract_from_table(plain, Counter(), Counter())[2] == []


def test_columns_named_beside_the_caption_metric_hold_it() -> None:
    caption = (
        "Linear and k-NN classification on ImageNet. "
        "We report top-1 accuracy for linear and k-NN evaluations."
    )
    t = table(
        ["Method", "Param.", "im/s", "Linear", "k-NN"],
        ["Ours", "21", "1007", "77.0", "74.5"],
        caption=caption,
    )
    assert results_of(t) == {
        ("imagenet", "top1_accuracy", 77.0),
        ("imagenet", "top1_accuracy", 74.5),
    }


def test_short_or_distant_caption_words_name_no_column() -> None:
    caption = "Comparison of error rates (%) of ResNet-50 in the ImageNet validation set."
    t = table(["", "BN", "IN", "GN"], ["val error", "23.6", "28.4", "24.1"], caption=caption)
    results, _, _ = extract_from_table(t, Counter(), Counter())
    assert {(r.model, r.value) for r in results} == {("BN", 23.6), ("IN", 28.4), ("GN", 24.1)}
    far = "Results of FLAN on many tasks and clusters of tasks. All values shown are for accuracy."
    assert results_of(table(["Task", "FLAN"], ["ANLI", "44.2"], caption=far)) == set()


def test_cells_with_counts_and_footnote_letters() -> None:
    assert cell_values("33.8 [9]") == [33.8]
    assert cell_values("35.0d") == [35.0]
    assert cell_values("[9]") == []


def test_a_training_time_column_headed_by_its_dataset_is_a_duration() -> None:
    t = table(
        ["Model", "CIFAR10+", "SVHN"], ["Plain net", "10h 5m", "20h 10m"],
        caption="Training time of the networks on each dataset.",
    )  # fmt: skip
    results, _, runs = extract_from_table(t, Counter(), Counter())
    assert not results
    assert sorted(round(r.duration_hours, 2) for r in runs) == [10.08, 20.17]


def test_fractions_become_percent_points_only_for_percent_metrics() -> None:
    acc = table(["Model", "Top-1 acc."], ["Net-A", "0.781"], ["Net-B", "0.802"], caption="ImageNet.")
    assert results_of(acc) == {("imagenet", "top1_accuracy", 78.1), ("imagenet", "top1_accuracy", 80.2)}
    bpc = table(["Model", "Bits/char"], ["Net-A", "0.99"], ["Net-B", "0.98"], caption="enwik8 test.")
    assert {value for _, _, value in results_of(bpc)} == {0.99, 0.98}


def test_a_column_naming_its_benchmark_never_falls_back_to_the_caption() -> None:
    t = table(["Model", "RACE F1"], ["Net-A", "71.0"], caption="Results on SQuAD v1.1 and RACE.")
    assert results_of(t) == set()  # RACE takes no F1; the value is not SQuAD's
