"""The documented code tokenizer."""

from __future__ import annotations

from perflab.warpgen.tokens import count_tokens, tokenize


def test_tokens_of_python_and_cpp():
    assert tokenize("x1 += wp.sin(2.5e-3)") == [
        "x1",
        "+",
        "=",
        "wp",
        ".",
        "sin",
        "(",
        "2.5e-3",
        ")",
    ]
    assert tokenize('const wp::float32 v = 1.0f; // "s"') == [
        "const",
        "wp",
        ":",
        ":",
        "float32",
        "v",
        "=",
        "1.0f",
        ";",
        "/",
        "/",
        '"s"',
    ]
    assert tokenize("0xFFu >> .5") == ["0xFFu", ">", ">", ".5"]
    assert count_tokens("a  b\n\tc") == 3 == len(tokenize("a  b\n\tc"))
    assert count_tokens("") == 0
