"""Training runs read from running text: what counts as a run, and what a sentence only mentions.

Every sentence here is written for the test; kept runs are those at or above MIN_CONFIDENCE and
not rejected (what consolidate_runs would export).
"""

from __future__ import annotations

import pytest

from extract.text_rules import extract_from_text
from extract.training import MIN_CONFIDENCE
from schema import quantities as q
from schema.records import Page, TrainingCandidate


def _runs(text: str, year: int = 2020) -> list[TrainingCandidate]:
    training, _, _ = extract_from_text([Page(1, 600.0, 800.0, text)], year)
    return training


def _kept(text: str, year: int = 2020) -> list[TrainingCandidate]:
    return [r for r in _runs(text, year) if r.status != q.REJECTED and r.confidence >= MIN_CONFIDENCE]


def _hardware(text: str) -> set[tuple[str | None, float | None, str | None]]:
    return {(r.hardware, r.hardware_count, r.count_unit) for r in _kept(text) if r.hardware}


def _hours(text: str) -> set[float]:
    return {round(r.duration_hours, 3) for r in _kept(text) if r.duration_hours is not None}


# --- hardware phrasings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We train on 8 NVIDIA Tesla V100 GPUs.", ("tesla-v100", 8.0, "chip")),
        ("The network was trained on eight V100s.", ("tesla-v100", 8.0, "chip")),
        ("We trained the model on 4 Titan Black GPUs.", ("gtx-titan-black", 4.0, "chip")),
        ("Our models are trained on 128 TPUv3 cores.", ("tpu-v3", 128.0, "core")),
        ("We pre-train on a Cloud TPU v3 Pod with 2048 cores.", ("tpu-v3", 2048.0, "core")),
    ],
)
def test_counted_hardware_is_read_with_its_unit(text: str, expected: tuple) -> None:
    assert expected in _hardware(text)


def test_tpu_v3_devices_are_cores() -> None:
    """TensorFlow and JAX count each TensorCore of a v3 chip as a device."""
    runs = _kept("We trained the model with 512 TPU v3 devices for 3 days.")
    assert [(r.hardware, r.hardware_count, r.count_unit, r.chips) for r in runs] == [
        ("tpu-v3", 512.0, "core", 256.0)
    ]


def test_gpu_devices_are_chips() -> None:
    assert ("tesla-v100", 16.0, "chip") in _hardware("We train on 16 V100 devices for a week.")


def test_tpu_slice_names_its_size() -> None:
    runs = _kept("The model was trained on a TPUv3-256 slice.")
    assert any(r.hardware == "tpu-v3" and r.chips == 128.0 for r in runs)


def test_nodes_with_a_time_are_machines_of_unnamed_gpus() -> None:
    runs = _kept("A full training of 400 epochs takes 52 hours with 4 nodes.")
    assert [(r.hardware, r.hardware_count, r.count_unit, r.duration_hours) for r in runs] == [
        ("gpu-unspecified", 4.0, "machine", 52.0)
    ]


def test_nodes_without_training_context_are_not_machines() -> None:
    assert not _hardware("We build a graph with 2 nodes per token and train the parser.")


def test_servers_beside_a_gpu_count_give_way_to_the_gpus() -> None:
    hw = _hardware("Training ran with 4 servers (32 GPUs) in parallel.")
    assert hw == {("gpu-unspecified", 32.0, "chip")}


def test_a_number_glued_to_a_time_unit_is_no_gpu_count() -> None:
    """Table debris '6 h·GTX 1080': the 6 is hours."""
    assert all(count != 6.0 for _, count, _ in _hardware("Our model trains in total 6 h·GTX 1080 runs."))


# --- hardware that is not the run's ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The remaining 4 GPUs were used to hold the softmax of the network during training.",
        "We train the model with data parallelism, the entire model fitting on a single TPUv3 core.",
        "Figure 3 shows training scalability going from 64 to 400 GPUs.",
        "Training latency is measured on a single V100 GPU.",
        "We report the throughput of training on one GPU, achieving a throughput of 900 images/s.",
        "For OPT, we assume training required 34 days on 992 A100 GPUs.",
        "If trained on 64 GPUs, the model would converge in 2 days.",
    ],
)
def test_mentions_that_are_not_a_training_run_are_not_kept(text: str) -> None:
    assert not _kept(text)


def test_an_explanation_of_a_board_is_no_count() -> None:
    hw = _hardware("We train on Nvidia K80 GPUs which are essentially two K40s.")
    assert all(slug != "tesla-k40" for slug, _, _ in hw)


def test_cited_work_is_not_kept_but_a_citation_elsewhere_in_the_sentence_is_harmless() -> None:
    assert not _kept("The network of [12] was trained on 32 GPUs for a month.")
    kept = _kept("The networks were implemented in TensorFlow [1] and trained on 60 NVIDIA K80 GPUs.")
    assert [(r.hardware, r.hardware_count) for r in kept] == [("tesla-k80", 60.0)]


# --- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("We trained for 3 weeks on 8 GPUs.", 504.0),
        ("Training takes 5-6 days on our cluster.", 132.0),
        ("Training the network takes about 12 hours.", 12.0),
        ("Our model converges after training which takes ~2.5 days.", 60.0),
        ("Training the full model took ten days on four GPUs.", 240.0),
        ("The ablations took roughly 4 days each on 48 GPUs.", 96.0),
        ("Training needs 2.3s per mini-batch and 12 days total on 16 GPUs.", 288.0),
    ],
)
def test_training_durations_are_read(text: str, hours: float) -> None:
    assert hours in _hours(text)


def test_device_time_is_device_hours() -> None:
    runs = _kept("We trained all models for a total of 300 GPU days.")
    assert [r.device_hours for r in runs] == [7200.0]


def test_device_time_of_named_hardware() -> None:
    runs = _kept("In total we use 812.5 days of TPUv2 compute for our search.")
    assert [round(r.device_hours or 0, 1) for r in runs] == [19500.0]


def test_device_time_of_others_is_not_kept() -> None:
    assert not _kept("The emissions estimate for the baseline is 40 tCO2e for 9,000 days of TPUv3 usage.")


@pytest.mark.parametrize(
    ("text", "kept", "dropped"),
    [
        ("Training time is reduced by 8x, from 70 hours to 8.5 hours.", 8.5, 70.0),
        ("Our method trains 2.5x faster (in 8.5 hours vs. 21 hours) than the baseline.", 8.5, 21.0),
        ("Training the network takes 2 days, compared to 5 days for the baseline.", 48.0, 120.0),
    ],
)
def test_the_reference_side_of_a_comparison_is_no_run(text: str, kept: float, dropped: float) -> None:
    hours = _hours(text)
    assert kept in hours and dropped not in hours


@pytest.mark.parametrize(
    "text",
    [
        "Training a 1T model would take 140 days on the same hardware.",
        "We give each model a fixed training budget of 24 TPUv2 hours.",
        "He has to travel 30 miles, so it takes him 30 / 6 = 5 hours.",
        "Notably, training the 20 regressors takes an hour on a single core.",
        "Most random programs in our space cannot train more than five minutes.",
        "Each epoch of training takes 3 hours on our machine.",
    ],
)
def test_times_no_training_run_took_are_not_kept(text: str) -> None:
    assert not _hours(text)


def test_table_of_contents_letters_are_no_days() -> None:
    assert not _runs("12 Related Work 47 13 Conclusion 50 67 D Datasheet 68 E Training Details 70")


def test_pretraining_and_finetuning_stages() -> None:
    pre = _kept("We pre-train the model for 4 days on 16 TPUv3 chips.")
    fine = _kept("Fine-tuning takes 2 hours on a single V100 GPU.")
    assert [r.stage for r in pre] == ["pretrain"] and [r.stage for r in fine] == ["finetune"]


def test_the_model_named_in_the_sentence_is_attached() -> None:
    runs = _kept("We trained ResNeXt-101 on 8 V100 GPUs for 4 days.")
    assert [r.model for r in runs] == ["ResNeXt-101"]


def test_a_time_in_the_next_sentence_joins_the_hardware() -> None:
    runs = _kept("We train our models on 4 V100 GPUs. Training takes 3 days.")
    assert [(r.hardware, r.hardware_count, r.duration_hours) for r in runs] == [("tesla-v100", 4.0, 72.0)]


def test_glued_sentences_are_judged_apart() -> None:
    """A comparison and a citation in a glued next sentence do not weigh on the first."""
    text = (
        "A typical training takes 37 hours with 2 nodes for the Net-B.As a comparison point, "
        "a similar training with another network [40] is 20% slower."
    )
    assert 37.0 in _hours(text)


@pytest.mark.parametrize(
    "text",
    [
        "Following Smith et al. [12] trained their model on 32 GPUs for two weeks.",
        "The baseline of Jones et al. (2019) was trained on 64 GPUs for two weeks.",
    ],
)
def test_a_citation_after_et_al_stays_in_its_sentence(text: str) -> None:
    """The sentencizer's break after "al." would leave "12] trained ... 32 GPUs" uncited."""
    assert not _hardware(text) and not _hours(text)
    assert any(r.hardware == "gpu-unspecified" for r in _runs(text))  # read, then judged


def test_figure_and_equation_abbreviations_end_no_sentence() -> None:
    from extract.nlp import build_nlp

    doc = build_nlp()("As Fig. 3 shows, we train by Eq. 2 on 8 GPUs. Then we stop.")
    assert [s.text for s in doc.sents] == ["As Fig. 3 shows, we train by Eq. 2 on 8 GPUs.", "Then we stop."]
