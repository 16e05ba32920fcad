"""Sentence judgement: clauses, counterfactuals, measurements and the confidence they give."""

from __future__ import annotations

from extract import context


def test_clause_at_splits_on_conjunctions_and_glued_sentences() -> None:
    text = "implemented in TensorFlow [1] and trained on 60 GPUs"
    assert context.clause_at(text, text.index("60")) == "trained on 60 GPUs"
    glued = "takes 37 hours with 2 nodes.As a comparison, another [40] is slower"
    assert "[40]" not in context.clause_at(glued, glued.index("37"))


def test_a_citation_in_the_mention_clause_lowers_confidence_more_than_one_elsewhere() -> None:
    text = "The framework [1] is public and the network was trained on 8 GPUs"
    near = context.confidence(0.6, text, text.index("[1]"))
    far = context.confidence(0.6, text, text.index("8 GPUs"))
    assert near < far


def test_counterfactual_costs_more_than_capability() -> None:
    would = context.confidence(0.75, "Training would take 140 days on 8 GPUs.")
    can = context.confidence(0.75, "The model can be trained in 30 minutes on one TPU.")
    assert would < 0.6 <= can


def test_budgets_and_captions_weigh_less() -> None:
    plain = context.confidence(0.6, "We train each model for 24 hours.")
    budget = context.confidence(0.6, "We give each model a training budget of 24 hours.")
    caption = context.confidence(0.6, "Figure 3: Searches (10 hours on 10 chips) train models.")
    assert budget < plain and caption < plain


def test_measurements_are_inference_even_with_a_training_word() -> None:
    assert context.is_inference("Training latency is measured on a V100 GPU.")
    assert context.is_inference("Training memory is measured on V100 GPUs.")
    assert not context.is_inference("We use synchronized SGD over 8 GPUs with 16 images per minibatch.")


def test_trainval_is_no_training_word() -> None:
    assert not context.STRONG_TRAINING.search("the 5k images of the VOC07 trainval set")


def test_a_proxy_measure_is_no_run() -> None:
    plain = context.confidence(0.6, "We train the model for 7 hours.")
    proxy = context.confidence(0.6, "We use 7 training hours as a proxy for a full day's training.")
    assert proxy < plain


def test_more_cues_of_others_work_weigh_more() -> None:
    one = context.confidence(0.65, "Its language model was trained on 32 GPUs for a month.")
    two = context.confidence(
        0.65, "One of its language models was trained on 32 GPUs for a month, which is unrealistic."
    )
    ours = context.confidence(0.65, "Our language model was trained on 32 GPUs for a month.")
    assert two < one < ours


def test_own_rows_are_named_by_any_part_of_the_titles_model_or_its_word_pairs() -> None:
    own = context.own_model_names("GridNet-Mixer: an all-grid architecture", "We propose GridNet-Mixer.")
    assert context.is_own_model("Mixer-L/16", own)
    assert context.is_own_model("GridNet-B", own)
    assert not context.is_own_model("ViT-L/16", own)
    titled = context.own_model_names("Deep Networks with Random Depth", "")
    assert context.is_own_model("Random Depth", titled)
    assert context.is_own_model("Quick R-CNN S", context.own_model_names("Quick R-CNN", ""))
    assert not context.is_own_model("Constant Depth", titled)
