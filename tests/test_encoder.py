"""The embedding model's fitted adapter: saved and read back exactly, merged into the weights
so the model computes what the low-rank update says, and named by its fingerprint."""

import numpy as np
import pytest
import torch

from chatbot.embedding import LazyEmbeddings, encoder_fingerprint, load_embeddings
from chatbot.encoder import BASE, DEFAULT_ADAPTER, NO_ADAPTER, Adapter, adapter_path, fingerprint


def _adapter(seed: int, layers: dict[str, tuple[int, int]], rank: int = 2) -> Adapter:
    rng = np.random.default_rng(seed)
    return Adapter({name: (rng.normal(size=(rank, n_in)).astype(np.float32),
                           rng.normal(size=(n_out, rank)).astype(np.float32))
                    for name, (n_in, n_out) in layers.items()}, 0.5)


def test_saved_and_read_back_exactly(tmp_path):
    adapter = _adapter(1, {"0.a": (4, 3), "1.b": (3, 5)})
    path = tmp_path / "encoder.npz"
    adapter.save(path)
    again = Adapter.load(path)
    assert again.scale == 0.5 and list(again.layers) == ["0.a", "1.b"]
    for name, (a, b) in adapter.layers.items():  # kept in half precision
        assert np.allclose(again.layers[name][0], a, rtol=1e-3)
        assert np.allclose(again.layers[name][1], b, rtol=1e-3)
        assert again.layers[name][0].dtype == np.float32


def test_merging_computes_the_low_rank_update():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    x = torch.randn(5, 4)
    adapter = _adapter(2, {"0": (4, 3)})
    a, b = (torch.from_numpy(m) for m in adapter.layers["0"])
    with torch.no_grad():
        expected = model[2](torch.relu(model[0](x) + 0.5 * (x @ a.T @ b.T)))
        adapter.merge_into(model)
        assert torch.allclose(model(x), expected, atol=1e-5)


def test_fingerprints_name_the_encoder(tmp_path):
    one, two = tmp_path / "one.npz", tmp_path / "two.npz"
    _adapter(1, {"0": (4, 3)}).save(one)
    _adapter(2, {"0": (4, 3)}).save(two)
    assert fingerprint(None) == BASE
    assert fingerprint(one) != fingerprint(two)
    assert adapter_path(NO_ADAPTER) is None and adapter_path(one) == one
    with pytest.raises(FileNotFoundError):  # a path given is never silently replaced
        adapter_path(tmp_path / "missing.npz")
    _adapter(1, {"0": (4, 3)}).save(two)  # the same weights saved again: the same name
    assert fingerprint(two) == fingerprint(one)
    assert adapter_path(None) == (DEFAULT_ADAPTER if DEFAULT_ADAPTER.exists() else None)


@pytest.mark.integration
def test_the_real_model_with_an_adapter(tmp_path):
    """A zero update changes nothing; a real one changes the vectors, and says so."""
    packaged = load_embeddings(adapter=NO_ADAPTER)
    layers = {f"0.model.encoder.layer.{i}.attention.self.query": (384, 384)
              for i in range(6)}
    zero = _adapter(3, layers)
    zero = Adapter({n: (a, np.zeros_like(b)) for n, (a, b) in zero.layers.items()}, 1.0)
    zero_path, real_path = tmp_path / "zero.npz", tmp_path / "real.npz"
    zero.save(zero_path)
    _adapter(3, layers).save(real_path)
    text = "How fast does IVIG work?"
    base = np.array(packaged.embed_query(text))
    assert np.allclose(load_embeddings(adapter=zero_path).embed_query(text), base, atol=1e-6)
    adapted = load_embeddings(adapter=real_path)
    assert not np.allclose(adapted.embed_query(text), base, atol=1e-3)
    assert encoder_fingerprint(packaged) == BASE
    assert encoder_fingerprint(adapted) == fingerprint(real_path)
    lazy = LazyEmbeddings(adapter=real_path)  # named before it loads, as what it then loads
    assert lazy.fingerprint == fingerprint(real_path)
    assert np.allclose(lazy.embed_query(text), adapted.embed_query(text), atol=1e-6)


def test_an_encoder_is_also_named_by_its_base_model(tmp_path):
    """Vectors made by another model are never read as the packaged one's: a base model
    other than the packaged one is part of the name an index records."""
    from chatbot.embedding import default_model_path, with_base

    assert with_base("adapter-1", None) == "adapter-1"
    assert with_base("adapter-1", default_model_path()) == "adapter-1"
    other, third = tmp_path / "other", tmp_path / "third"
    for folder, config in ((other, '{"hidden_size": 384}'), (third, '{"hidden_size": 768}')):
        folder.mkdir()
        (folder / "config.json").write_text(config)
        (folder / "model.safetensors").write_bytes(b"0" * 10)
    named = with_base("adapter-1", other)
    assert named.startswith("model-") and named.endswith("+adapter-1")
    assert with_base("adapter-1", third) != named  # another config: another name
    (third / "config.json").write_text('{"hidden_size": 384}')
    assert with_base("adapter-1", third) == named  # the same files: the same name
    (third / "model.safetensors").write_bytes(b"0" * 11)
    assert with_base("adapter-1", third) != named  # other weights: another name
    lazy = LazyEmbeddings(model_path=other, adapter=NO_ADAPTER)  # named before it loads
    assert lazy.fingerprint == with_base(BASE, other)
