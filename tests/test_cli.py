import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_lib import cli, tasks
from course_lib.tasks import TaskSetup
from course_lib.tasks.tagging import ChunkAverage


def _toy_task(config, *, root=None, seed=0, hidden=4):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 6, generator=g)
    y = (x[:, 0] > 0).long()
    ds = TensorDataset(x, y)
    torch.manual_seed(seed)
    return TaskSetup(
        name="toy",
        model=nn.Sequential(nn.Linear(6, hidden), nn.ReLU(), nn.Linear(hidden, 2)),
        loss_fn=nn.functional.cross_entropy,
        train_loader=DataLoader(ds, batch_size=8, shuffle=True, generator=torch.Generator()),
        valid_loader=DataLoader(ds, batch_size=16),
        test_loader=DataLoader(ds, batch_size=16),
        num_epochs=3 if config == "smoke" else 5,
        lr=0.05,
        metrics_fn=lambda o, t: {"accuracy": (o.argmax(1) == t).float().mean()},
        monitor="valid_accuracy",
        mode="max",
        info={"classes": ["neg", "pos"]},
    )


@pytest.fixture
def toy(monkeypatch):
    real = tasks.get_task
    monkeypatch.setattr(tasks, "get_task", lambda name: _toy_task if name == "toy" else real(name))


def test_parse_set_options_reads_each_kind_of_value():
    items = ["augment=false", "lr=1e-3", "max_clips=10", "model=fcn", "flag=True"]
    items += ["init=none", "ratio=0.5", "widths=[8, 16]", "label=genre=x", "neg=-2"]
    assert cli.parse_set_options(items) == {
        "augment": False,
        "lr": 0.001,
        "max_clips": 10,
        "model": "fcn",
        "flag": True,
        "init": None,
        "ratio": 0.5,
        "widths": [8, 16],
        "label": "genre=x",
        "neg": -2,
    }
    assert isinstance(cli.parse_set_options(["n=3"])["n"], int)
    assert cli.parse_set_options(["a=1", "a=2"]) == {"a": 2}  # the last one wins
    assert cli.parse_set_options(None) == {} and cli.parse_set_options([]) == {}
    for bad in (["model"], ["=3"], ["two words=1"], ["1x=2"]):
        with pytest.raises(ValueError, match="key=value"):
            cli.parse_set_options(bad)


def test_train_writes_results_and_resumes(tmp_path, toy):
    results = cli.run_training("toy", "smoke", out=tmp_path, device="cpu", progress=False)
    run = tmp_path / "toy-smoke"
    assert results["epochs"] == 3 and results["params"] == 6 * 4 + 4 + 4 * 2 + 2
    assert json.loads((run / "results.json").read_text())["test"] == results["test"]
    assert set(results["test"]) == {"test_loss", "test_accuracy"}
    assert len((run / "history.csv").read_text().splitlines()) == 4
    # "full" has 5 epochs: resuming the smoke folder's checkpoint continues at epoch 4
    (tmp_path / "toy-full").mkdir()
    (tmp_path / "toy-full" / "last.pt").write_bytes((run / "last.pt").read_bytes())
    again = cli.run_training("toy", "full", out=tmp_path, device="cpu", resume=True, progress=False)
    assert again["epochs"] == 5
    history = json.loads((tmp_path / "toy-full" / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2, 3, 4, 5]
    with_option = cli.run_training(
        "toy", "smoke", out=tmp_path, device="cpu", options={"hidden": 8}, progress=False
    )
    assert with_option["params"] == 6 * 8 + 8 + 8 * 2 + 2
    assert (tmp_path / "toy-smoke-hidden=8" / "results.json").exists()


def test_registry_finds_tagging_and_rejects_unknown_tasks():
    assert "tagging" in tasks.available_tasks()
    assert tasks.get_task("tagging").__module__ == "course_lib.tasks.tagging"
    with pytest.raises(ValueError, match="unknown task 'nope'; available: .*tagging"):
        tasks.get_task("nope")
    with pytest.raises(ValueError, match="module name"):
        tasks.get_task("../x")
    with pytest.raises(ValueError, match="config must be one of"):
        tasks.build_task("tagging", "medium")


def test_tagging_task_builds_a_consistent_setup():
    setup = tasks.build_task("tagging", "smoke")
    x, y = next(iter(setup.train_loader))
    assert x.shape == (8, 3 * 22050) and y.shape == (8, len(setup.info["classes"]))
    with torch.no_grad():
        assert setup.model.eval()(x).shape == y.shape
    scores = setup.metrics_fn(torch.randn(16, y.shape[1]), torch.eye(16, y.shape[1]))
    assert set(scores) == {"roc_auc", "pr_auc"}
    genre = tasks.build_task("tagging", "smoke", model="fcn", label="genre")
    assert genre.name == "genre" and genre.monitor == "valid_accuracy"
    # predicted [0, 1, 2] for true [0, 1, 1]: F1 per class 1, 2/3 and 0 (class 2 is a false alarm)
    assert genre.metrics_fn(torch.eye(3), torch.tensor([0, 1, 1])) == {
        "accuracy": pytest.approx(2 / 3),
        "f1_macro": pytest.approx((1 + 2 / 3 + 0) / 3),
    }
    with pytest.raises(ValueError, match="model must be one of"):
        tasks.build_task("tagging", "smoke", model="vgg")
    with pytest.raises(ValueError, match="label must be"):
        tasks.build_task("tagging", "smoke", label="mood")


def test_command_line():
    listed = subprocess.run(
        [sys.executable, "-m", "course_lib", "tasks"], capture_output=True, text=True, check=True
    )
    assert "tagging" in listed.stdout.split()
    bad = subprocess.run(
        [sys.executable, "-m", "course_lib", "train", "nope", "--config", "smoke"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "unknown task 'nope'" in bad.stderr
    assert cli.main(["train", "tagging", "--set", "model"]) == 2


def test_tagging_task_on_a_real_corpus_layout(tmp_path):
    import soundfile as sf

    from course_lib.data import real

    for genre in ("blues", "rock"):
        for k in range(3):
            path = tmp_path / "genres" / genre / f"{genre}.0000{k}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, np.full(22050 * (k + 1) // 2, 0.1, np.float32), 22050)  # 0.5-1.5 s
    for split, k in (("train", 0), ("valid", 1), ("test", 2)):
        lines = [f"{g}/{g}.0000{k}.wav" for g in ("blues", "rock")]
        (tmp_path / f"{split}_filtered.txt").write_text("\n".join(lines))
    setup = tasks.build_task(
        "tagging",
        "smoke",
        dataset="gtzan",
        data_dir=str(tmp_path),
        label="genre",
        chunk_seconds=0.5,
        eval_seconds=1.0,
    )
    assert setup.info["classes"] == list(real.GTZAN_GENRES) and setup.info["dataset"] == "gtzan"
    assert isinstance(setup.model, ChunkAverage) and setup.model.chunk == 11025
    x, y = next(iter(setup.train_loader))
    assert x.shape == (2, 11025) and sorted(y.tolist()) == [0, real.GTZAN_GENRES.index("rock")]
    x, y = next(iter(setup.test_loader))
    assert x.shape == (2, 22050)  # 1.5 s clips cut to eval_seconds=1
    with torch.no_grad():
        assert setup.model.eval()(x).shape == (2, 10)
    with pytest.raises(ValueError, match="needs data_dir"):
        tasks.build_task("tagging", "smoke", dataset="gtzan", label="genre")
    with pytest.raises(ValueError, match="gtzan has no 'tags' labels"):
        tasks.build_task("tagging", "smoke", dataset="gtzan", data_dir=str(tmp_path))
    with pytest.raises(ValueError, match="dataset must be"):
        tasks.build_task("tagging", "smoke", dataset="msd")


class _FirstSamples(nn.Module):
    """A stand-in model: the first ``k`` samples of each chunk are its logits."""

    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x[:, : self.k]


def test_chunk_average_by_hand():
    y = torch.tensor([[0.0, 0.0, float(np.log(3)), 0.0]])  # two chunks of 2 samples
    tags = ChunkAverage(_FirstSamples(1), chunk_samples=2).eval()
    # chunk probabilities sigmoid(0) = 1/2 and sigmoid(log 3) = 3/4 -> mean 5/8 -> logit log(5/3)
    torch.testing.assert_close(tags(y), torch.tensor([[float(np.log(5 / 3))]]))
    classes = ChunkAverage(_FirstSamples(2), chunk_samples=2, multilabel=False).eval()
    # softmax [1/2, 1/2] and [3/4, 1/4] -> mean [5/8, 3/8]
    torch.testing.assert_close(classes(y).exp(), torch.tensor([[5 / 8, 3 / 8]]))
    assert tags.train()(y).item() == 0.0  # training: the model sees the input as is
    with pytest.raises(ValueError, match="chunk_samples"):
        ChunkAverage(_FirstSamples(1), 0)
