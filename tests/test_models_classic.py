import pytest
import torch

from course_lib import models, params
from course_lib.shapes import receptive_field


def test_lenet5_shapes_are_the_slide():
    table = params.summary(models.lenet5(), (1, 1, 32, 32))
    shapes = {r.name: r.output_shape for r in table}
    assert shapes["features.0"] == (1, 6, 28, 28)  # C1
    assert shapes["features.2"] == (1, 6, 14, 14)  # S2
    assert shapes["features.3"] == (1, 16, 10, 10)  # C3
    assert shapes["features.5"] == (1, 16, 5, 5)  # S4
    assert shapes["classifier.1"] == (1, 120)  # C5
    assert shapes["classifier.3"] == (1, 84)  # F6
    assert table.output_shape == (1, 10)
    # C1 156 + C3 2416 + C5 48120 + F6 10164 + output 850
    assert table.total_params == 61_706
    classic = models.lenet5(classic=True)
    assert isinstance(classic.features[1], torch.nn.Tanh)
    assert isinstance(classic.features[2], torch.nn.AvgPool2d)


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        (models.resnet34, 21_797_672),
        (models.resnet18, 11_689_512),
        (models.vgg16, 138_357_544),
        (models.alexnet, 61_100_840),
    ],
)
def test_imagenet_parameter_counts_match_published_figures(builder, expected):
    assert params.count_params(builder()) == expected


@pytest.mark.parametrize(
    "model",
    [
        models.alexnet(num_classes=7, width=0.25),
        models.vgg11(num_classes=7),
        models.resnet34(num_classes=7),
    ],
    ids=["alexnet", "vgg11", "resnet34"],
)
def test_classic_models_accept_any_reasonable_input_size(model):
    model.eval()
    with torch.no_grad():
        for size in [(64, 64), (96, 128)]:
            assert model(torch.zeros(2, 3, *size)).shape == (2, 7)


def test_vgg_block_halves_the_size_and_stacked_3x3_see_5x5():
    block = models.vgg_block(3, 8, num_convs=2)
    assert block(torch.zeros(1, 3, 16, 16)).shape == (1, 8, 8, 8)
    assert receptive_field([(3, 1), (3, 1)]).size == 5
    # Two 3x3 layers use fewer weights than one 5x5 with the same channels.
    two_3x3 = 2 * params.conv2d_params(64, 64, 3, bias=False)
    one_5x5 = params.conv2d_params(64, 64, 5, bias=False)
    assert two_3x3 == 73_728 < one_5x5 == 102_400
    with pytest.raises(ValueError, match="num_convs"):
        models.vgg_block(3, 8, 0)


def test_inception_module_concatenates_branches_and_1x1_reduction_saves():
    module = models.InceptionModule(192, 64, 96, 128, 16, 32, 32)  # GoogLeNet inception (3a)
    out = module(torch.zeros(1, 192, 28, 28))
    assert out.shape == (1, 256, 28, 28) and module.out_channels == 256
    reduced = params.conv2d_params(192, 16, 1) + params.conv2d_params(16, 32, 5)
    direct = params.conv2d_params(192, 32, 5)
    assert reduced == 15_920 and direct == 153_632
    assert params.count_params(module.branch3) == reduced
    with pytest.raises(ValueError, match=r"\(N, 192, H, W\)"):
        module(torch.zeros(1, 64, 28, 28))


def test_basic_block_identity_and_projection_shortcuts():
    same = models.BasicBlock(16, 16)
    assert isinstance(same.shortcut, torch.nn.Identity)
    down = models.BasicBlock(16, 32, stride=2)
    assert isinstance(down.shortcut, torch.nn.Sequential)
    assert down(torch.zeros(2, 16, 8, 8)).shape == (2, 32, 4, 4)
    # With the residual branch zeroed, the block passes relu(x) through unchanged.
    torch.nn.init.zeros_(same.bn2.weight)
    same.eval()
    x = torch.randn(1, 16, 6, 6)
    torch.testing.assert_close(same(x), torch.relu(x))


def test_lenet_rejects_wrong_input_size():
    with pytest.raises(ValueError, match="32x32"):
        models.lenet5()(torch.zeros(1, 1, 28, 28))
