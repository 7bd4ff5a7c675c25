"""to_pandas on the records: the same numbers as the records themselves."""

import numpy as np
import pytest
from conftest import SENTENCES

pd = pytest.importorskip("pandas")


def test_an_explanation_and_its_evaluation_as_dataframes(hf_explainer):
    e = hf_explainer.explain(SENTENCES[1], methods=["signed_grad_input", "leave_one_out"])
    words = e.to_pandas()
    assert list(words.columns) == ["word", "signed_grad_input", "leave_one_out"]
    assert list(words["word"]) == list(e.words)
    np.testing.assert_array_equal(words["leave_one_out"], e.scores("leave_one_out"))
    tokens = e.to_pandas("token")
    assert len(tokens) == len(e.tokens)
    np.testing.assert_array_equal(
        tokens["signed_grad_input"], e.scores("signed_grad_input", level="token")
    )
    ev = hf_explainer.evaluate(e, ["aopc", "loo_pearson"])
    table = ev.to_pandas()
    assert list(table.index) == list(e.methods) and list(table.columns) == ["aopc", "loo_pearson"]
    assert table.loc["signed_grad_input", "aopc"] == ev.value("signed_grad_input", "aopc")
