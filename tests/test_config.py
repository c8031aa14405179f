import pytest

from course_lib.config import select_config


def test_explicit_and_environment_choice(monkeypatch):
    assert select_config("FULL") == "full"
    monkeypatch.setenv("COURSE_CONFIG", "smoke")
    assert select_config() == "smoke"
    monkeypatch.setenv("COURSE_CONFIG", "fast")
    with pytest.raises(ValueError, match="COURSE_CONFIG.*'fast'"):
        select_config()


def test_default_follows_the_hardware(monkeypatch):
    import torch

    monkeypatch.delenv("COURSE_CONFIG", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert select_config() == "smoke"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert select_config() == "full"
