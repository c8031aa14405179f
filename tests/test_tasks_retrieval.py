"""Tag-based similarity and retrieval: cosine similarity, nearest songs, precision@k."""

from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
import torch

from course_lib.data.generate import TAGS
from course_lib.models.tagging import short_chunk_cnn
from course_lib.tasks import retrieval
from course_lib.tasks.tagging import tag_probabilities

# three songs: the second halfway between the first and the third
X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
LABELS = ["a", "a", "b"]


def test_cosine_similarity_by_hand():
    S = retrieval.cosine_similarity_matrix(X)
    r = 1 / np.sqrt(2)
    np.testing.assert_allclose(S, [[1, r, 0], [r, 1, r], [0, r, 1]], atol=1e-12)
    np.testing.assert_allclose(retrieval.cosine_similarity_matrix(X[:1], X[2:]), [[0.0]])
    with pytest.raises(ValueError, match="all-zero rows \\[1\\]"):
        retrieval.cosine_similarity_matrix([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="same number of columns"):
        retrieval.cosine_similarity_matrix(X, np.ones((2, 3)))


def test_nearest_excludes_the_query_and_breaks_ties_by_index():
    S = retrieval.cosine_similarity_matrix(X)
    np.testing.assert_array_equal(retrieval.nearest(S, 0, k=2), [1, 2])
    np.testing.assert_array_equal(retrieval.nearest(S, 1, k=2), [0, 2])  # a tie: 0 first
    np.testing.assert_array_equal(retrieval.nearest(S, 2, k=1), [1])
    with pytest.raises(ValueError, match="k must be between 1 and 2"):
        retrieval.nearest(S, 0, k=3)
    with pytest.raises(ValueError, match="query must be a song index"):
        retrieval.nearest(S, 3)
    with pytest.raises(ValueError, match="square"):
        retrieval.nearest(S[:2], 0)


def test_precision_at_k_and_chance_by_hand():
    S = retrieval.cosine_similarity_matrix(X)
    # k = 1: song 0 -> 1 (a, hit), song 1 -> 0 (tie with 2, lower index; hit), song 2 -> 1
    # (miss)
    assert retrieval.precision_at_k(S, LABELS, 1) == pytest.approx(2 / 3)
    # k = 2 retrieves both other songs: 1/2, 1/2, 0
    assert retrieval.precision_at_k(S, LABELS, 2) == pytest.approx(1 / 3)
    # chance: the share of the other songs with the same label, 1/2, 1/2 and 0
    assert retrieval.chance_precision_at_k(LABELS) == pytest.approx(1 / 3)
    assert retrieval.chance_precision_at_k(list("aabbbc")) == pytest.approx(
        (1 / 5 * 2 + 2 / 5 * 3 + 0) / 6
    )
    with pytest.raises(ValueError, match="one label per song"):
        retrieval.precision_at_k(S, LABELS[:2], 1)
    with pytest.raises(ValueError, match="at least two songs"):
        retrieval.chance_precision_at_k(["a"])


def test_query_by_tags_ranks_by_mean_probability():
    P = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]])
    np.testing.assert_array_equal(retrieval.query_by_tags(P, ["soft", "slow"], ["soft"]), [1, 2, 0])
    # every song averages 0.5 over both tags: ties keep the index order
    np.testing.assert_array_equal(
        retrieval.query_by_tags(P, ["soft", "slow"], ["soft", "slow"]), [0, 1, 2]
    )
    with pytest.raises(ValueError, match="unknown: \\['calm'\\]"):
        retrieval.query_by_tags(P, ["soft", "slow"], ["calm"])
    with pytest.raises(ValueError, match="2 tags"):
        retrieval.query_by_tags(P[:, :1], ["soft", "slow"], ["soft"])


class _Manifest:
    """Just what song_embeddings reads: split() and audio_path()."""

    def __init__(self, root, items):
        self.root, self.items = root, items

    def split(self, name):
        return [it for it in self.items if it.split == name]

    def audio_path(self, item):
        return self.root / item.path


def _songs(tmp_path, n=3):
    rng = np.random.default_rng(0)
    items = []
    for i in range(n):
        sf.write(tmp_path / f"s{i}.wav", 0.1 * rng.standard_normal(4 * 22050), 22050)
        items.append(SimpleNamespace(split="test", path=f"s{i}.wav", labels={}))
    return _Manifest(tmp_path, items)


def test_song_embeddings_record_tag_probabilities_and_the_last_hidden_layer(tmp_path):
    manifest = _songs(tmp_path)
    torch.manual_seed(0)
    model = short_chunk_cnn(num_classes=len(TAGS), width=4)
    E = retrieval.song_embeddings(manifest, "test", model=model)
    assert E["tags"] == list(TAGS) and len(E["items"]) == 3
    assert E["probabilities"].shape == (3, len(TAGS)) and E["penultimate"].shape == (3, 8)
    y, sr = sf.read(tmp_path / "s1.wav", dtype="float32")
    p = tag_probabilities(y, sr, model=model)
    np.testing.assert_allclose(E["probabilities"][1], [p[t] for t in TAGS], rtol=1e-5)
    # the hook is removed afterwards
    assert not model.dense[-1]._forward_pre_hooks
    with pytest.raises(ValueError, match="no songs"):
        retrieval.song_embeddings(manifest, "train", model=model)


def test_song_embeddings_without_a_dense_stack_give_no_penultimate(tmp_path):
    class Fixed(torch.nn.Module):
        def forward(self, y):
            return torch.zeros(len(y), len(TAGS))

    E = retrieval.song_embeddings(_songs(tmp_path, 2), model=Fixed())
    assert E["penultimate"] is None
    np.testing.assert_allclose(E["probabilities"], 0.5)
