#!/usr/bin/python3
"""Stand-ins for the models and data of POT's BERT (SQuAD) and NCF (MovieLens) configs, which
run.py points those configs at: small models with the inputs the configs' Accuracy Checker files
name, random weights (torch.manual_seed(0)), and our own small data in data/.

    /usr/bin/python3 bench/pot_configs/substitutes.py --out DIR

writes DIR/bert_squad_tiny.onnx (a 2-layer BERT-style encoder from the zoo's bert_encoder, with
segment embeddings: int64 inputs input_ids_1, input_mask_1, segment_ids_1 of shape [1, 384],
start and end logits named as the config's outputs) and DIR/ncf_tiny.onnx (NCF: matrix
factorization and MLP branches over user and item embeddings; four int64 inputs of shape [N]
named as ncf.yaml's). Needs python3-torch, python3-torchvision and python3-onnx.

data/ holds a SQuAD v1.1-format file of our own text (squad_tiny.json), a WordPiece vocabulary
covering it (vocab.txt; a few words split into pieces), and MovieLens-format test ratings and
negatives for 16 users (ml_test_ratings.csv, ml_test_negative.csv). squad_pickle() writes the
converted annotation file Accuracy Checker makes of the SQuAD file (for a config naming only
that file), without Accuracy Checker.
"""
import argparse
import pathlib
import pickle
import re
import sys
import types
import unicodedata

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data"
SQUAD = DATA / "squad_tiny.json"
VOCAB = DATA / "vocab.txt"
RATINGS = DATA / "ml_test_ratings.csv"
NEGATIVES = DATA / "ml_test_negative.csv"
SEQ_LENGTH = 384
NCF_INPUTS = ["embedding/embedding_lookup/placeholder_port_1", "embedding_1/embedding_lookup/placeholder_port_1",
              "embedding_2/embedding_lookup/placeholder_port_1", "embedding_3/embedding_lookup/placeholder_port_1"]


def export_models(out):
    import torch
    import torch.nn as nn
    sys.path.insert(0, str(HERE.parent / "zoo"))
    from export import BertEncoder

    class BertSquad(nn.Module):
        """The zoo's encoder over token + position + segment embeddings; a start and an end logit
        per token."""

        def __init__(self, vocab):
            super().__init__()
            self.bert = BertEncoder(vocab=vocab, d=64, max_len=SEQ_LENGTH, layers=2, heads=4, ff=128, classes=2)
            self.segments = nn.Embedding(2, 64)

        def forward(self, input_ids, input_mask, segment_ids):
            b = self.bert
            x = b.tokens(input_ids) + b.positions[:, : input_ids.shape[1]] + self.segments(segment_ids)
            x = b.encoder(b.norm(x), src_key_padding_mask=input_mask == 0)
            logits = b.classifier(x)
            return logits[..., 0], logits[..., 1]

    class NCF(nn.Module):
        """Neural collaborative filtering: a GMF branch (user * item embeddings) and an MLP branch
        (concatenated user and item embeddings), joined by a linear layer and a sigmoid."""

        def __init__(self, users=64, items=256, d=16):
            super().__init__()
            self.user_mf, self.item_mf = nn.Embedding(users, d), nn.Embedding(items, d)
            self.user_mlp, self.item_mlp = nn.Embedding(users, d), nn.Embedding(items, d)
            self.mlp = nn.Sequential(nn.Linear(2 * d, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU())
            self.out = nn.Linear(d + 16, 1)

        def forward(self, user_mf, item_mf, user_mlp, item_mlp):
            mf = self.user_mf(user_mf) * self.item_mf(item_mf)
            mlp = self.mlp(torch.cat([self.user_mlp(user_mlp), self.item_mlp(item_mlp)], dim=1))
            return torch.sigmoid(self.out(torch.cat([mf, mlp], dim=1)))

    out.mkdir(parents=True, exist_ok=True)
    vocab_size = len(VOCAB.read_text().splitlines())
    torch.manual_seed(0)
    bert = BertSquad(vocab_size).eval()
    ids = torch.randint(0, vocab_size, (1, SEQ_LENGTH))
    ones = torch.ones(1, SEQ_LENGTH, dtype=torch.int64)
    # With gradients on, PyTorch keeps the encoder's exportable path (not its fused inference kernel).
    torch.onnx.export(bert, (ids, ones, torch.zeros_like(ones)), str(out / "bert_squad_tiny.onnx"), opset_version=13,
                      do_constant_folding=True, input_names=["input_ids_1", "input_mask_1", "segment_ids_1"],
                      output_names=["unstack/Squeeze_", "unstack/Split.1"])
    torch.manual_seed(0)
    ncf = NCF().eval()
    users = torch.randint(0, 16, (4,))
    items = torch.randint(0, 200, (4,))
    with torch.no_grad():
        torch.onnx.export(ncf, (users, items, users, items), str(out / "ncf_tiny.onnx"), opset_version=13,
                          do_constant_folding=True, input_names=NCF_INPUTS, output_names=["rating"],
                          dynamic_axes={name: {0: "batch"} for name in NCF_INPUTS + ["rating"]})


# BERT's tokenization, for the converted annotation file only (pot-host has its own).
def _basic_tokens(text):
    words = []
    for word in text.lower().split():
        word = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")
        words += [w for w in re.split(r"([^\w\s]|_)", word) if w]
    return words


def _word_pieces(text, vocab):
    out = []
    for word in _basic_tokens(text):
        start, pieces = 0, []
        while start < len(word):
            end = len(word)
            while end > start and (("##" if start else "") + word[start:end]) not in vocab:
                end -= 1
            if end == start:
                pieces = ["[UNK]"]
                break
            pieces.append(("##" if start else "") + word[start:end])
            start = end
        out += pieces
    return out


def _is_max_context(spans, span, position):
    """BERT's reference: whether window `span` of `spans` ((start, length) each) gives context token
    `position` the most context on its shorter side (longer windows winning ties by a hair)."""
    best, best_score = None, None
    for k, (start, length) in enumerate(spans):
        end = start + length - 1
        if start <= position <= end:
            score = min(position - start, end - position) + 0.01 * length
            if best_score is None or score > best_score:
                best, best_score = k, score
    return best == span


def squad_pickle(out, seq_length=SEQ_LENGTH, query_length=64, doc_stride=128):
    """Writes `out` as Accuracy Checker's squad converter would save its annotations (one pickle of
    a QuestionAnsweringAnnotation per feature, one after another), lower-cased, for SQUAD and
    VOCAB: the features' arrays, and what its answer extraction and metrics read (question_id,
    orig_answer_text, doc_tokens, the feature's tokens, token_to_orig_map, token_is_max_context). The class is defined here under Accuracy Checker's module name, so nothing of it is
    needed to write the file (nor to read it in pot-host)."""
    import json
    import numpy as np

    module = "openvino.tools.accuracy_checker.representation.question_answering_representation"
    mod = types.ModuleType(module)

    class QuestionAnsweringAnnotation:
        def __init__(self, **fields):
            self.__dict__.update(fields)
            self.metadata = {"lower_case": True}

    QuestionAnsweringAnnotation.__module__ = module
    QuestionAnsweringAnnotation.__qualname__ = "QuestionAnsweringAnnotation"
    mod.QuestionAnsweringAnnotation = QuestionAnsweringAnnotation
    # pickle imports the module to check the class: its packages are registered too.
    parts = module.split(".")
    for k in range(1, len(parts)):
        sys.modules.setdefault(".".join(parts[:k]), types.ModuleType(".".join(parts[:k])))
    sys.modules[module] = mod

    vocab = {t.strip(): i for i, t in enumerate(VOCAB.read_text().splitlines())}
    squad = json.loads(SQUAD.read_text())
    index, unique_id = 0, 1000000000
    with open(out, "wb") as f:
        for entry in squad["data"]:
            for paragraph in entry["paragraphs"]:
                # SQuAD's words (whitespace and U+202F split them) and each word's pieces.
                words = paragraph["context"].replace("\u202f", " ").split()
                doc, doc_word = [], []
                for w, word in enumerate(words):
                    pieces = _word_pieces(word, vocab)
                    doc += pieces
                    doc_word += [w] * len(pieces)
                for qa in paragraph["qas"]:
                    query_tokens = _word_pieces(qa["question"], vocab)[:query_length]
                    query = [vocab[t] for t in query_tokens]
                    window = seq_length - len(query) - 3
                    spans = []
                    start = 0
                    while start < len(doc):
                        spans.append((start, min(window, len(doc) - start)))
                        if start + spans[-1][1] >= len(doc):
                            break
                        start += doc_stride
                    for span, (start, length) in enumerate(spans):
                        ids = [vocab["[CLS]"]] + query + [vocab["[SEP]"]]
                        first = len(ids)
                        segments = [0] * len(ids)
                        ids += [vocab[t] for t in doc[start:start + length]] + [vocab["[SEP]"]]
                        segments += [1] * (length + 1)
                        mask = [1] * len(ids)
                        pad = seq_length - len(ids)
                        ids, segments, mask = ids + [vocab["[PAD]"]] * pad, segments + [0] * pad, mask + [0] * pad
                        a = QuestionAnsweringAnnotation(
                            identifier=[f"{k}_{index}_{span}" for k in ("input_ids", "input_mask", "segment_ids",
                                                                          "position_ids")],
                            question_id=qa["id"], unique_id=np.array(unique_id), input_ids=np.array(ids),
                            input_mask=np.array(mask), segment_ids=np.array(segments),
                            position_ids=np.arange(seq_length), cls_index=np.array(0),
                            orig_answer_text=qa["answers"], paragraph_text=paragraph["context"],
                            doc_tokens=words, paragraph_len=length, is_impossible=False,
                            tokens=["[CLS]"] + query_tokens + ["[SEP]"] + doc[start:start + length] + ["[SEP]"],
                            token_to_orig_map={first + k: doc_word[start + k] for k in range(length)},
                            token_is_max_context={first + k: _is_max_context(spans, span, start + k)
                                                  for k in range(length)})
                        pickle.dump(a, f)
                        unique_id += 1
                    index += 1
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=pathlib.Path)
    args = parser.parse_args()
    export_models(args.out)
    print(f"wrote {args.out / 'bert_squad_tiny.onnx'} and {args.out / 'ncf_tiny.onnx'}")


if __name__ == "__main__":
    main()
