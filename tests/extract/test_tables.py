"""Word-position tables (extract/tables.py): synthetic pages of word boxes -> Table."""

from __future__ import annotations

from extract.tables import CAPTION, caption_label, find_tables, is_numeric_cell, merge_fragments
from schema.records import Box, Line, Page

CHAR = 4.5  # points per character of the synthetic font
SPACE = 2.5  # points between the words of one cell


def words_at(*cells: tuple[str, float]) -> list[tuple[str, float, float]]:
    """Each (text, x0) cell split into words laid out left to right, SPACE apart."""
    out = []
    for text, x0 in cells:
        x = x0
        for word in text.split():
            out.append((word, x, x + CHAR * len(word)))
            x += CHAR * len(word) + SPACE
    return out


def line(top: float, *cells: tuple[str, float], height: float = 8.0) -> Line:
    words = words_at(*cells)
    return Line(0, 0, Box(words[0][1], top, max(w[2] for w in words), top + height), words)


def raw_line(top: float, words: list[tuple[str, float, float]], height: float = 8.0) -> Line:
    return Line(
        0, 0, Box(min(w[1] for w in words), top, max(w[2] for w in words), top + height), words
    )


def page(*lines: Line) -> Page:
    """A page whose text and line spans follow the given lines in order."""
    text, out = "", []
    for item in lines:
        start = len(text) + (1 if text else 0)
        text += ("\n" if text else "") + " ".join(w[0] for w in item.words or [])
        out.append(Line(start, len(text), item.box, item.words))
    return Page(number=3, width=600, height=800, text=text, lines=out)


def caption(top: float, text: str) -> Line:
    return line(top, (text, 50))


def simple_rows(top: float) -> list[Line]:
    return [
        line(top, ("Model", 50), ("Top-1 err.", 200), ("Top-5 err.", 260)),
        line(top + 12, ("ResNet-50", 50), ("23.9", 205), ("7.1", 265)),
        line(top + 24, ("ResNet-101", 50), ("22.4", 205), ("6.2", 265)),
        line(top + 36, ("Ours", 50), ("21.0", 205), ("5.5", 265)),
    ]


def test_caption_below_table_gives_header_and_rows() -> None:
    tables = find_tables(page(*simple_rows(100), caption(152, "Table 2: ImageNet results.")))
    assert len(tables) == 1
    table = tables[0]
    assert table.label == "2"
    assert table.rows[0] == ["Model", "Top-1 err.", "Top-5 err."]
    assert table.rows[1:] == [
        ["ResNet-50", "23.9", "7.1"],
        ["ResNet-101", "22.4", "6.2"],
        ["Ours", "21.0", "5.5"],
    ]


def test_uppercase_caption_alone_on_its_line_above_the_table() -> None:
    lines = [caption(80, "TABLE 4"), caption(90, "Error rates on ImageNet."), *simple_rows(104)]
    tables = find_tables(page(*lines))
    assert [t.label for t in tables] == ["4"]
    assert tables[0].rows[3] == ["Ours", "21.0", "5.5"]


def test_figure_caption_over_a_table_of_numbers_is_read_with_a_figure_label() -> None:
    tables = find_tables(
        page(*simple_rows(100), caption(152, "Figure 4: Comparison with the state of the art."))
    )
    assert [t.label for t in tables] == ["fig4"]


def test_caption_label_and_caption_pattern() -> None:
    assert caption_label(CAPTION.match("Table 3. Results")) == "3"
    assert caption_label(CAPTION.match("Fig. 2: Plot")) == "fig2"
    assert CAPTION.match("TABLE IV") is not None
    assert CAPTION.match("Table 15 shows that the variant works") is None


def test_prose_page_without_caption_has_no_table() -> None:
    assert find_tables(page(*simple_rows(100))) == []


def test_numeric_cells() -> None:
    for text in ("76.3", "25.6M", "3.8G", "-", "12.5%", "1.2x", "84.5*"):
        assert is_numeric_cell(text), text
    for text in ("ResNet", "[14]", "Top-1"):
        assert not is_numeric_cell(text), text


def test_merge_fragments_joins_one_printed_row_split_by_a_subscript() -> None:
    first = raw_line(100, [("APbox", 200.0, 222.0)])
    script = raw_line(103, [("50", 214.0, 220.0), ("APbox", 240.0, 262.0)], height=6.0)
    merged = merge_fragments([first, script])
    assert len(merged) == 1
    assert [w[0] for w in merged[0].words] == ["APbox", "50", "APbox"]


def test_merge_fragments_keeps_rows_and_captions_apart() -> None:
    row_a, row_b = line(100, ("A", 50), ("1.0", 200)), line(112, ("B", 50), ("2.0", 200))
    assert len(merge_fragments([row_a, row_b])) == 2
    cap = caption(100, "Table 1: side caption")
    assert len(merge_fragments([cap, line(101, ("C", 300), ("3.0", 400))])) == 2


def test_merge_fragments_never_joins_a_line_wrapped_across_columns() -> None:
    wrapped = Line(0, 0, Box(50, 70, 400, 700), words_at(("prose words", 50), ("AP", 380)))
    header = raw_line(72, [("AP50", 420.0, 440.0)])
    assert len(merge_fragments([wrapped, header])) == 2


def test_row_label_printed_as_its_own_line_stays_with_its_values() -> None:
    lines = [
        line(100, ("Model", 50), ("AP", 205), ("AP50", 255)),
        raw_line(112, words_at(("BN*", 50)), height=9.0),
        raw_line(113, words_at(("37.7", 205), ("57.9", 255)), height=7.0),
        line(125, ("GN", 50), ("38.8", 205), ("59.2", 255)),
        caption(150, "Table 1: COCO detection."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[1] == ["BN*", "37.7", "57.9"]


def test_header_split_into_fragments_is_read_per_column() -> None:
    lines = [
        raw_line(100, [("Backbone", 50.0, 86.0), ("APb", 200.0, 213.0), ("APb", 250.0, 263.0)]),
        raw_line(101, [("50", 260.0, 266.0), ("APb", 300.0, 313.0)], height=7.0),
        raw_line(102, [("75", 310.0, 316.0)], height=6.0),
        line(114, ("ResNet-50", 50), ("36.4", 200), ("57.2", 250), ("39.3", 300)),
        line(126, ("ResNet-101", 50), ("38.2", 200), ("59.9", 250), ("41.1", 300)),
        caption(150, "Table 5: COCO object detection."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[0] == ["Backbone", "APb", "APb 50", "APb 75"]
    assert table.rows[2] == ["ResNet-101", "38.2", "59.9", "41.1"]


def test_group_header_spans_the_columns_under_it() -> None:
    lines = [
        line(88, ("SQuAD 1.1", 205), ("SQuAD 2.0", 285)),
        line(100, ("Model", 50), ("EM", 200), ("F1", 235), ("EM", 280), ("F1", 315)),
        line(112, ("BiDAF", 50), ("67.7", 200), ("77.3", 235), ("-", 282), ("-", 317)),
        line(124, ("Ours", 50), ("72.1", 200), ("81.1", 235), ("66.3", 280), ("69.5", 315)),
        caption(150, "Table 3: Reading comprehension."),
    ]
    header = find_tables(page(*lines))[0].rows[0]
    assert header[1:] == ["SQuAD 1.1 EM", "SQuAD 1.1 F1", "SQuAD 2.0 EM", "SQuAD 2.0 F1"]


def test_header_words_of_prose_beside_the_table_are_dropped() -> None:
    prose = raw_line(100, [*words_at(("the other column of text", 40)), ("Top-1", 400.0, 422.0)])
    lines = [
        prose,
        line(112, ("ResNet-50", 320), ("76.1", 400)),
        line(124, ("Ours", 320), ("78.3", 400)),
        caption(150, "Table 2: Accuracy."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[0] == ["", "Top-1"]


def test_number_inside_a_few_row_labels_is_not_a_column() -> None:
    lines = [
        line(100, ("Model", 50), ("top-1", 250), ("top-5", 300)),
        line(112, ("NetA", 50), ("19.3", 250), ("4.6", 300)),
        line(
            124,
            ("ResNeXt-101", 50),
            ("32", 110),
            ("x", 125),
            ("48d", 135),
            ("15.2", 250),
            ("2.7", 300),
        ),
        line(136, ("NetB", 50), ("17.1", 250), ("3.9", 300)),
        line(148, ("NetC", 50), ("17.6", 250), ("3.8", 300)),
        caption(170, "Table 9: Larger crops."),
    ]
    table = find_tables(page(*lines))[0]
    assert len(table.rows[0]) == 3
    assert table.rows[2] == ["ResNeXt-101 32 x 48d", "15.2", "2.7"]


def test_captions_of_a_page_vote_on_which_side_their_tables_are() -> None:
    # Table 1 has rows only above it; Table 2 sits between two blocks, nearer the one below,
    # but on this page tables come above their captions.
    first = [
        line(60, ("Model", 50), ("Acc", 250)),
        line(72, ("A", 50), ("70.1", 250)),
        line(84, ("B", 50), ("71.2", 250)),
        caption(110, "Table 1: First."),
        line(200, ("Model", 50), ("Acc", 250)),
        line(212, ("C", 50), ("72.5", 250)),
        line(224, ("D", 50), ("73.9", 250)),
        caption(252, "Table 2: Second."),
        line(270, ("Model", 50), ("Err", 250)),
        line(282, ("E", 50), ("20.5", 250)),
        line(294, ("F", 50), ("19.0", 250)),
        caption(320, "Table 3: Third."),
    ]
    tables = {t.label: t for t in find_tables(page(*first))}
    assert tables["2"].rows[1] == ["C", "72.5"]
    assert tables["3"].rows[1] == ["E", "20.5"]


def test_slash_pairs_are_value_cells() -> None:
    assert is_numeric_cell("94.8/89.3")
    assert is_numeric_cell("84.4/-")
    assert not is_numeric_cell("-/-")
    assert not is_numeric_cell("v1.1/2.0")


def test_section_heading_inside_the_header_is_not_a_column_header() -> None:
    lines = [
        line(88, ("model", 50), ("#param.", 150), ("FLOPs", 200), ("top-1 acc.", 250)),
        line(100, ("ImageNet-1K trained models", 150)),
        line(112, ("Net-T", 50), ("29M", 152), ("4.5G", 202), ("82.1", 252)),
        line(124, ("Net-B", 50), ("89M", 152), ("15.4G", 202), ("83.8", 252)),
        caption(150, "Table 1: Classification accuracy on ImageNet-1K."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[0] == ["model", "#param.", "FLOPs", "top-1 acc."]


def test_a_header_word_over_two_columns_goes_to_both() -> None:
    lines = [
        line(88, ("Model", 50), ("MNLI", 150), ("SQuAD", 214)),
        line(100, ("(m/mm)", 146), ("v1.1", 200), ("v2.0", 240)),
        line(112, ("Base", 50), ("84.4/-", 150), ("88.5", 200), ("76.3", 240)),
        line(124, ("Large", 50), ("85.6/85.7", 146), ("90.2", 200), ("78.6", 240)),
        caption(150, "Table 6: Dev-set results."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[0] == ["Model", "MNLI (m/mm)", "SQuAD v1.1", "SQuAD v2.0"]
    assert table.rows[2] == ["Large", "85.6/85.7", "90.2", "78.6"]


def test_numbers_followed_by_words_in_the_label_area_stay_in_the_label() -> None:
    lines = [
        line(88, ("model", 50), ("AP", 200), ("AP50", 240)),
        line(100, ("R50 baseline", 50), ("36.4", 200), ("57.2", 240)),
        line(112, ("+1 NL", 70), ("37.5", 200), ("58.8", 240)),
        line(124, ("R101 baseline", 50), ("38.2", 200), ("59.9", 240)),
        line(136, ("+1 NL", 70), ("39.6", 200), ("61.7", 240)),
        caption(160, "Table 5: COCO."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[0] == ["model", "AP", "AP50"]
    assert table.rows[2] == ["+1 NL", "37.5", "58.8"]


def test_a_number_with_a_unit_word_is_still_a_column() -> None:
    lines = [
        line(88, ("Model", 50), ("# Params", 150), ("Top-1 Err", 220)),
        line(100, ("ResNet-50", 50), ("25.6 M", 150), ("21.40", 220)),
        line(112, ("ResNet-101", 50), ("44.6 M", 150), ("20.17", 220)),
        line(124, ("ResNeXt-101", 50), ("44.1 M", 150), ("19.47", 220)),
        caption(150, "Table 3: ImageNet."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[0] == ["Model", "# Params", "Top-1 Err"]
    assert table.rows[3] == ["ResNeXt-101", "44.1 M", "19.47"]


def test_stacked_table_is_cut_where_a_header_follows_rows() -> None:
    lines = [
        line(88, ("WMT'14 English-German", 50), ("BLEU", 250)),
        line(100, ("GNMT", 50), ("24.61", 250)),
        line(112, ("Ours", 50), ("25.16", 250)),
        line(130, ("WMT'14 English-French", 50), ("BLEU", 250)),
        line(142, ("GNMT", 50), ("38.95", 250)),
        line(154, ("Ours", 50), ("40.51", 250)),
        caption(180, "Table 1: Accuracy on WMT tasks."),
    ]
    tables = find_tables(page(*lines))
    assert [t.label for t in tables] == ["1", "1.2"]
    assert tables[1].rows == [
        ["WMT'14 English-French", "BLEU"],
        ["GNMT", "38.95"],
        ["Ours", "40.51"],
    ]
    assert tables[0].rows[0] == ["WMT'14 English-German", "BLEU"]


def test_a_heading_between_rows_does_not_cut_the_table() -> None:
    lines = [
        line(88, ("model", 50), ("#param.", 150), ("top-1 acc.", 250)),
        line(100, ("Net-T", 50), ("29M", 152), ("82.1", 252)),
        line(112, ("Net-B", 50), ("89M", 152), ("83.8", 252)),
        line(124, ("models pre-trained on larger data", 120)),
        line(136, ("Net-L", 50), ("198M", 152), ("86.6", 252)),
        caption(160, "Table 1: ImageNet-1K."),
    ]
    tables = find_tables(page(*lines))
    assert len(tables) == 1
    assert tables[0].rows[-1] == ["Net-L", "198M", "86.6"]


def test_parenthesised_figures_are_values_but_counts_and_deltas_are_not() -> None:
    assert is_numeric_cell("(89.0/85.5)")
    assert is_numeric_cell("(88.2)")
    assert not is_numeric_cell("(1)")
    assert not is_numeric_cell("(+0.5)")


def test_row_ending_in_a_parenthesised_pair_is_a_row() -> None:
    lines = [
        line(88, ("Models", 50), ("SQuAD1.1 dev", 150), ("RACE test", 250)),
        line(100, ("BaseNet", 50), ("89.7/82.9", 150), ("70.8", 250), ("(75.2/69.4)", 280)),
        line(112, ("TextNet", 50), ("92.6/86.3", 150), ("78.4", 250), ("(84.1/78.9)", 280)),
        caption(140, "Table 10: State-of-the-art results."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[2] == ["TextNet", "92.6/86.3", "78.4", "(84.1/78.9)"]


def test_hours_and_minutes_are_one_value_cell() -> None:
    lines = [
        caption(30, "Table 2. Training time comparison on benchmark datasets."),
        line(50, ("CIFAR10+", 180), ("SVHN", 280)),
        line(62, ("Fixed Width", 100), ("18h 51m", 180), ("30h 12m", 280)),
        line(74, ("Random Width", 100), ("13h 48m", 180), ("22h 16m", 280)),
    ]
    table = find_tables(page(*lines))[0]
    assert table.caption == "Table 2. Training time comparison on benchmark datasets."
    assert table.rows == [
        ["", "CIFAR10+", "SVHN"],
        ["Fixed Width", "18h 51m", "30h 12m"],
        ["Random Width", "13h 48m", "22h 16m"],
    ]


def test_tight_rows_of_slash_separated_values_are_rows() -> None:
    lines = [
        line(88, ("Model", 80), ("top-1", 133), ("top-5", 175)),
        raw_line(
            100,
            [
                ("CoreNet-121", 71.0, 116.0),
                ("24.37", 121.0, 138.0),
                ("/", 141.0, 143.0),
                ("23.08", 145.0, 162.0),
                ("7.43", 167.0, 180.0),
                ("/", 183.0, 185.0),
                ("6.92", 187.0, 201.0),
            ],
        ),
        raw_line(
            112,
            [
                ("CoreNet-264", 71.0, 116.0),
                ("21.64", 121.0, 138.0),
                ("/", 141.0, 143.0),
                ("20.37", 145.0, 162.0),
                ("5.98", 167.0, 180.0),
                ("/", 183.0, 185.0),
                ("5.47", 187.0, 201.0),
            ],
        ),
        caption(140, "Table 3: Error rates, single-crop / 10-crop."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[2] == ["CoreNet-264", "21.64/20.37", "5.98/5.47"]


def test_prose_line_with_numbers_is_not_a_row() -> None:
    prose = line(100, ("the error drops from 5.24% to 4.10% and finally to 3.74%", 50))
    lines = [*simple_rows(40), caption(92, "Table 2: ImageNet."), prose]
    table = find_tables(page(*lines))[0]
    assert len(table.rows) == 4


def test_notes_between_a_table_and_its_caption_are_skipped() -> None:
    notes = [
        line(
            90, ("We omit ensemble and test-time multi-scale results from other papers here.", 50)
        ),
        line(
            100,
            ("Latency marked with a dagger is taken from the papers and not measured again.", 50),
        ),
    ]
    tables = find_tables(
        page(*simple_rows(40), *notes, caption(120, "Table 2: Detection results."))
    )
    assert len(tables) == 1
    assert tables[0].rows[1] == ["ResNet-50", "23.9", "7.1"]


def test_header_of_tight_columns_is_kept() -> None:
    header = raw_line(
        88,
        [
            ("#P", 277.0, 287.0),
            ("crop", 294.0, 307.0),
            ("img/sec", 310.0, 334.0),
            ("acc(%)", 337.0, 357.0),
        ],
    )
    lines = [
        header,
        raw_line(
            100,
            [
                ("Net-101", 210.0, 240.0),
                ("48M", 276.0, 289.0),
                ("256", 295.0, 305.0),
                ("291.3", 313.0, 331.0),
                ("83.0", 340.0, 354.0),
            ],
        ),
        raw_line(
            112,
            [
                ("Net-269", 210.0, 240.0),
                ("111M", 274.0, 291.0),
                ("416", 295.0, 305.0),
                ("51.2", 315.0, 329.0),
                ("84.5", 340.0, 354.0),
            ],
        ),
        caption(140, "Table 4: Accuracy vs. latency on ImageNet."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[0] == ["", "#P", "crop", "img/sec", "acc(%)"]


def test_parenthesised_spread_joins_its_value() -> None:
    lines = [
        line(88, ("Model", 50), ("w/o", 180), ("w/", 260)),
        line(100, ("Flair", 50), ("92.87 (±0.08)", 180), ("93.19 (±0.09)", 260)),
        line(112, ("Pooled-Flair", 50), ("93.14 (±0.14)", 180), ("93.43 (±0.06)", 260)),
        caption(140, "Table 3: Test F1 scores on CoNLL03."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[2] == ["Pooled-Flair", "93.14±0.14", "93.43±0.06"]


def test_footnote_letters_after_values_are_dropped() -> None:
    lines = [
        line(88, ("Src Tgt", 50), ("Prior", 196), ("PaLM", 234), ("Tuned", 300)),
        raw_line(
            100,
            [
                ("en", 50.0, 59.0),
                ("fr", 75.0, 81.0),
                ("32.9", 196.0, 212.0),
                ("a", 213.0, 216.0),
                ("38.5", 234.0, 252.0),
                ("45.6", 300.0, 316.0),
                ("c", 317.0, 320.0),
            ],
        ),
        raw_line(
            112,
            [
                ("en", 50.0, 59.0),
                ("de", 75.0, 84.0),
                ("25.4", 196.0, 212.0),
                ("a", 213.0, 216.0),
                ("31.8", 234.0, 252.0),
                ("41.2", 300.0, 316.0),
                ("d", 317.0, 320.0),
            ],
        ),
        caption(140, "Table 14: Translation BLEU scores."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[1:] == [["en fr", "32.9", "38.5", "45.6"], ["en de", "25.4", "31.8", "41.2"]]


def test_label_column_header_on_its_own_row_is_no_group_header() -> None:
    lines = [
        line(86, ("224px resolution", 180)),
        line(94, ("Model name", 72)),
        line(102, ("img/sec", 133), ("i1k300", 199)),
        line(114, ("L/16", 72), ("228", 137), ("74.01", 200)),
        line(126, ("B/16", 72), ("659", 137), ("78.73", 200)),
        caption(150, "Table 3: ImageNet-1k transfer."),
    ]
    table = find_tables(page(*lines))[0]
    assert table.rows[0] == ["Model name", "224px resolution img/sec", "224px resolution i1k300"]


def test_lettered_sub_tables_get_their_own_columns_and_labels() -> None:
    lines = [
        line(60, ("(a) Various frameworks", 100)),
        line(72, ("Method", 50), ("APbox", 150), ("FLOPs", 200)),
        line(84, ("ATSS", 50), ("43.5", 150), ("205G", 200)),
        line(96, ("Sparse", 50), ("44.5", 150), ("166G", 200)),
        line(110, ("(c) System-level comparison", 100)),
        line(
            122, ("Method", 50), ("mini-val APbox", 100), ("test-dev APbox", 180), ("#param.", 260)
        ),
        line(134, ("GCNet", 50), ("51.8", 110), ("52.3", 190), ("-", 265)),
        line(146, ("Ours", 50), ("58.0", 110), ("58.7", 190), ("284M", 262)),
        caption(170, "Table 2. Results on COCO object detection."),
    ]
    tables = find_tables(page(*lines))
    assert [t.label for t in tables] == ["2a", "2c"]
    assert tables[1].rows[2] == ["Ours", "58.0", "58.7", "284M"]
    assert tables[0].rows[1] == ["ATSS", "43.5", "205G"]
