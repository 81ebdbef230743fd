import gzip

import pytest
import torch

from dive import tokenizer
from dive.tokenizer import Tokenizer, bytes_to_unicode, clean, default_tokenizer

# Token ids that OpenAI's tokeniser gives, as published by two independent
# projects that test against it:
#  - elixir-nx/bumblebee, test/bumblebee/text/clip_tokenizer_test.exs
#    (Hugging Face's openai/clip-vit-base-patch32 tokenizer);
#  - instant-clip-tokenizer's Python test (checked against OpenAI's code).
KNOWN = [
    ("a photo of a cat", [320, 1125, 539, 320, 2368]),
    ("a photo of a dog", [320, 1125, 539, 320, 1929]),
    ("blaa bla", [2205, 320, 19630]),
    ("Hi", [1883]),
    ("How are you?", [829, 631, 592, 286]),
    ("Hello world!!!", [3306, 1002, 995]),
]


@pytest.mark.parametrize("text,ids", KNOWN)
def test_known_ids(text, ids):
    assert default_tokenizer().encode(text) == ids


def test_tokenize_rows():
    t = default_tokenizer()
    got = t.tokenize(["a photo of a cat", "Hi"])
    assert got.shape == (2, 77) and got.dtype == torch.long
    assert got[0, :7].tolist() == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert got[1, :3].tolist() == [49406, 1883, 49407]
    assert got[0, 7:].eq(0).all() and got[1, 3:].eq(0).all()


def test_truncate_as_clip():
    # instant-clip-tokenizer: "I'm fine, thanks!" in a context of 6 tokens.
    t = default_tokenizer()
    assert t.tokenize(["I'm fine, thanks!"], context_length=6, truncate=True)[0].tolist() == [
        49406, 328, 880, 3797, 267, 49407]
    with pytest.raises(ValueError, match="more than the context length 6"):
        t.tokenize(["I'm fine, thanks!"], context_length=6)


def test_vocabulary():
    t = default_tokenizer()
    assert len(t) == 49408
    assert (t.start_id, t.end_id) == (49406, 49407)
    # The first 256 entries are the byte characters, then the same with "</w>".
    assert t.decoder[64] == "a" and t.decoder[320] == "a</w>"
    assert t.encode("<|startoftext|>x<|endoftext|>") == [49406, t.encoder["x</w>"], 49407]


def test_bytes_to_unicode_is_a_bijection_onto_printables():
    table = bytes_to_unicode()
    assert sorted(table) == list(range(256))
    assert len(set(table.values())) == 256
    assert all(c.isprintable() and not c.isspace() for c in table.values())
    assert table[ord("a")] == "a" and table[ord(" ")] == "\u0120"  # GPT-2's "Ġ"


def test_decode_round_trip():
    t = default_tokenizer()
    # instant-clip-tokenizer's decode example
    assert t.decode([320, 2533, 6765, 320, 10297]) == "a person riding a motorcycle "
    # Every word, digit and punctuation run ends with "</w>", decoded as a space.
    for text, want in [("a photo of a Damaged bottle", "a photo of a damaged bottle "),
                       ("café ☕ 東京 naïve", "café ☕ 東京 naïve "),
                       ("x-ray, 12% off!", "x - ray , 1 2 % off ! ")]:
        assert t.decode(t.encode(text)) == want


def test_clean():
    assert clean("  A\t\n\u201cCurly\u201d  &amp;amp; \ufb01ne\uff01 ") == 'a "curly" & fine!'
    assert clean("Caf\u0065\u0301") == "caf\u00e9"  # NFC


def test_every_merge_is_reachable():
    # Merging the two halves of each of the first merges gives one token.
    t = default_tokenizer()
    with gzip.open(tokenizer.MERGES_PATH, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")[1:200]
    for line in lines:
        a, b = line.split()
        assert "".join((a, b)) in t.encoder


def test_bad_merges_file(tmp_path):
    path = tmp_path / "m.txt.gz"
    with gzip.open(path, "wt") as f:
        f.write("#version\na b\n")
    with pytest.raises(ValueError, match="merges"):
        Tokenizer(str(path))
