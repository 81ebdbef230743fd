"""CLIP's byte-level BPE tokeniser, written from CLIP's published description.

OpenAI's CLIP (Radford et al. 2021) lower-cases and whitespace-cleans the text,
splits it into words, digits and punctuation runs, maps every UTF-8 byte of a
piece to a printable character (GPT-2's byte-to-unicode table), and merges
character pairs by the ranks in ``bpe_simple_vocab_16e6.txt.gz`` (shipped in
``dive/data`` with OpenAI's MIT licence). A sequence is
``<|startoftext|> ... <|endoftext|>`` padded with zeros to 77 tokens.

The one difference from OpenAI's code: it repairs text with ftfy, which Debian
does not package. :func:`clean` applies the repairs of ``ftfy.fix_text`` that
matter for well-formed text (NFC normalisation, straight quotes, Latin
ligatures, full-width forms); mojibake is not repaired, so "cafÃ©" stays as it
is. Prompts and descriptions written in plain text are unaffected.
"""

import functools
import gzip
import html
import os
import unicodedata

import regex
import torch

MERGES_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "bpe_simple_vocab_16e6.txt.gz")
START = "<|startoftext|>"
END = "<|endoftext|>"
CONTEXT_LENGTH = 77
# CLIP uses the first 48,894 merges of the file (49,152 - 256 - 2 entries after
# the version line), giving a vocabulary of 512 + 48,894 + 2 = 49,408.
N_MERGES = 49152 - 256 - 2

_WORDS = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE,
)

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
})
_LIGATURES = str.maketrans({
    "\u0132": "IJ", "\u0133": "ij", "\u01c7": "LJ", "\u01c8": "Lj", "\u01c9": "lj",
    "\u01ca": "NJ", "\u01cb": "Nj", "\u01cc": "nj", "\u01f1": "DZ", "\u01f2": "Dz",
    "\u01f3": "dz", "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
    "\ufb04": "ffl", "\ufb05": "\u017ft", "\ufb06": "st",
})
# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to their ASCII forms.
_WIDTH = str.maketrans({**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}, "\u3000": " "})


def bytes_to_unicode():
    """GPT-2's reversible map from the 256 byte values to printable characters.

    Printable Latin-1 bytes map to themselves; the others (controls, space,
    soft hyphen, ...) to U+0100 and up, in byte order. The order of the result
    is the order of CLIP's first 256 vocabulary entries.
    """
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table = {b: chr(b) for b in keep}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return {b: table[b] for b in keep + [b for b in range(256) if b not in keep]}


def clean(text):
    """ftfy's repairs for well-formed text, HTML unescaping, whitespace runs to
    one space, lower case: CLIP's text cleaning (see the module doc)."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_QUOTES).translate(_LIGATURES).translate(_WIDTH)
    text = html.unescape(html.unescape(text)).strip()
    return regex.sub(r"\s+", " ", text).strip().lower()


class Tokenizer:
    """Encodes text to CLIP token ids and back.

    ``merges_path`` is a gzip file in the format of CLIP's merges file (a
    version line, then one "left right" pair per line, by rank).
    """

    def __init__(self, merges_path=MERGES_PATH):
        with gzip.open(merges_path, "rt", encoding="utf-8") as f:
            lines = f.read().split("\n")
        merges = [tuple(line.split()) for line in lines[1 : 1 + N_MERGES]]
        if len(merges) != N_MERGES or any(len(m) != 2 for m in merges):
            raise ValueError(f"{merges_path}: want {N_MERGES} merges of two symbols each after the version line")
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {c: b for b, c in self.byte_encoder.items()}
        vocab = list(self.byte_encoder.values())
        vocab += [c + "</w>" for c in vocab]
        vocab += ["".join(m) for m in merges]
        vocab += [START, END]
        self.encoder = {token: i for i, token in enumerate(vocab)}
        self.decoder = vocab
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.start_id = self.encoder[START]
        self.end_id = self.encoder[END]
        self._bpe = functools.lru_cache(maxsize=65536)(self._bpe_uncached)

    def __len__(self):
        return len(self.decoder)

    def _bpe_uncached(self, piece):
        if piece in (START, END):
            return (piece,)
        symbols = list(piece[:-1]) + [piece[-1] + "</w>"]
        while len(symbols) > 1:
            pairs = {(symbols[i], symbols[i + 1]) for i in range(len(symbols) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(symbols):
                if i < len(symbols) - 1 and (symbols[i], symbols[i + 1]) == best:
                    merged.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            symbols = merged
        return tuple(symbols)

    def encode(self, text):
        """Token ids of text, without the start and end tokens."""
        ids = []
        for word in _WORDS.findall(clean(text)):
            piece = word if word in (START, END) else "".join(self.byte_encoder[b] for b in word.encode("utf-8"))
            ids.extend(self.encoder[s] for s in self._bpe(piece))
        return ids

    def decode(self, ids):
        """Text of token ids; word ends become spaces, as in CLIP."""
        text = "".join(self.decoder[i] for i in ids)
        data = bytearray(self.byte_decoder[c] for c in text)
        return data.decode("utf-8", errors="replace").replace("</w>", " ")

    def tokenize(self, texts, context_length=CONTEXT_LENGTH, truncate=False):
        """A LongTensor [len(texts), context_length]: start, ids, end, zeros.

        A text that does not fit raises ValueError naming it, unless truncate is
        set; then it is cut and its last token is the end token (CLIP's
        ``truncate=True``).
        """
        if isinstance(texts, str):
            texts = [texts]
        out = torch.zeros(len(texts), context_length, dtype=torch.long)
        for row, text in enumerate(texts):
            ids = [self.start_id] + self.encode(text) + [self.end_id]
            if len(ids) > context_length:
                if not truncate:
                    raise ValueError(f"text {text!r} has {len(ids)} tokens, more than the context length {context_length}")
                ids = ids[:context_length]
                ids[-1] = self.end_id
            out[row, : len(ids)] = torch.tensor(ids)
        return out


@functools.lru_cache(maxsize=1)
def default_tokenizer():
    """The tokeniser of the shipped merges file, built once per process."""
    return Tokenizer()
