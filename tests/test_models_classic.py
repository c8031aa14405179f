"""Classic image CNNs of lecture 06: shapes on the slides, parameter counts vs published figures.

The ImageNet-size models are counted on torch's ``meta`` device (parameters without storage),
so the counts cost no memory and no initialisation time; the forward checks use small widths
or small inputs.
"""

import pytest
import torch

from course_lib import models, params
from course_lib.models.inception import INCEPTION_CFGS
from course_lib.models.vgg import CFGS
from course_lib.shapes import receptive_field


def count_on_meta(builder, **kwargs) -> int:
    with torch.device("meta"):
        return params.count_params(builder(**kwargs))


# ---------------------------------------------------------------------------------- LeNet-5
def test_lenet5_shapes_are_the_slide():
    table = params.summary(models.lenet5(), (1, 1, 32, 32))
    shapes = {r.name: r.output_shape for r in table}
    assert shapes["features.c1"] == (1, 6, 28, 28)
    assert shapes["features.s2"] == (1, 6, 14, 14)
    assert shapes["features.c3"] == (1, 16, 10, 10)
    assert shapes["features.s4"] == (1, 16, 5, 5)
    assert shapes["classifier.c5"] == (1, 120)
    assert shapes["classifier.f6"] == (1, 84)
    assert shapes["classifier.output"] == table.output_shape == (1, 10)
    own = {r.name: r.params for r in table}
    # C1 156 + C3 2416 + C5 48120 + F6 10164 + output 850, each from the lecture's formulas
    assert own["features.c1"] == params.conv2d_params(1, 6, 5) == 156
    assert own["features.c3"] == params.conv2d_params(6, 16, 5) == 2_416
    assert own["classifier.c5"] == params.dense_params(400, 120) == 48_120
    assert own["classifier.f6"] == params.dense_params(120, 84) == 10_164
    assert table.total_params == 61_706


def test_lenet5_classic_uses_tanh_and_average_subsampling():
    classic, modern = models.lenet5(classic=True), models.lenet5()
    assert isinstance(classic.features.act1, torch.nn.Tanh)
    assert isinstance(classic.features.s2, torch.nn.AvgPool2d)
    assert isinstance(modern.features.act1, torch.nn.ReLU)
    assert isinstance(modern.features.s2, torch.nn.MaxPool2d)
    assert params.count_params(classic) == params.count_params(modern)
    # tanh outputs stay in (-1, 1) before the output layer; ReLU ones are >= 0
    x = torch.randn(4, 1, 32, 32)
    hidden = classic.classifier[:-1](classic.features(x))
    assert hidden.abs().max() < 1
    assert models.lenet5(num_classes=3, in_channels=2)(torch.zeros(5, 2, 32, 32)).shape == (5, 3)


@pytest.mark.parametrize(
    ("shape", "match"),
    [
        ((1, 1, 28, 28), "32x32"),
        ((1, 32, 32), "batch axis"),
        ((1, 3, 32, 32), "1 input channel"),
    ],
)
def test_lenet5_rejects_bad_input(shape, match):
    with pytest.raises(ValueError, match=match):
        models.lenet5()(torch.zeros(shape))


# ------------------------------------------------------------------ published parameter counts
@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        (models.alexnet, 61_100_840),
        (models.vgg11, 132_863_336),
        (models.vgg13, 133_047_848),
        (models.vgg16, 138_357_544),
        (models.vgg19, 143_667_240),
        (models.resnet18, 11_689_512),
        (models.resnet34, 21_797_672),
    ],
)
def test_imagenet_parameter_counts_match_published_figures(builder, expected):
    assert count_on_meta(builder) == expected


def test_plain_network_lacks_only_the_projection_shortcuts():
    # The three stages that change size and width project x with a 1x1 conv + batch norm.
    projections = sum(
        params.conv2d_params(c, 2 * c, 1, bias=False) + 2 * (2 * c) for c in (64, 128, 256)
    )
    plain = count_on_meta(models.resnet34, residual=False)
    assert plain == 21_797_672 - projections == 21_623_848


# --------------------------------------------------------------------------- forward shapes
SMALL = {
    "alexnet": lambda: models.alexnet(num_classes=7, width=0.125),
    "vgg11": lambda: models.VGG(CFGS["vgg11"], num_classes=7, hidden=64),
    "googlenet": lambda: models.googlenet(num_classes=7),
    "resnet18": lambda: models.resnet18(num_classes=7),
}


@pytest.mark.parametrize(
    ("name", "size"),
    [("alexnet", (63, 80)), ("vgg11", (32, 48)), ("googlenet", (40, 56)), ("resnet18", (33, 64))],
)
def test_classic_models_accept_any_input_size_thanks_to_adaptive_pooling(name, size):
    model = SMALL[name]()
    model.eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 3, *size)).shape == (2, 7)
        assert model(torch.zeros(1, 3, 96, 96)).shape == (1, 7)


def test_alexnet_on_the_imagenet_input_and_its_smallest_input():
    model = models.alexnet(width=0.125)
    table = params.summary(model, (1, 3, 224, 224))
    assert table.rows[0].output_shape == (1, 8, 55, 55)  # conv1: 11x11 stride 4
    assert model.features(torch.zeros(1, 3, 224, 224)).shape[-2:] == (6, 6)
    model.eval()
    assert model(torch.zeros(1, 3, 63, 63)).shape == (1, 1000)
    with pytest.raises(ValueError, match="H, W >= 63"):
        model(torch.zeros(1, 3, 62, 62))
    dropouts = [m for m in model.classifier if isinstance(m, torch.nn.Dropout)]
    assert [m.p for m in dropouts] == [0.5, 0.5]
    assert sum(isinstance(m, torch.nn.ReLU) for m in model.modules()) == 7


# ---------------------------------------------------------------------------------- VGG
def test_vgg_block_halves_the_size_and_stacked_3x3_see_5x5():
    block = models.vgg_block(3, 8, num_convs=2)
    assert block(torch.zeros(1, 3, 16, 16)).shape == (1, 8, 8, 8)
    assert sum(isinstance(m, torch.nn.Conv2d) for m in block) == 2
    assert receptive_field([(3, 1), (3, 1)]).size == 5
    assert receptive_field([(3, 1)] * 3).size == 7
    # Two 3x3 layers use fewer weights than one 5x5 with the same channels.
    two_3x3 = 2 * params.conv2d_params(64, 64, 3, bias=False)
    one_5x5 = params.conv2d_params(64, 64, 5, bias=False)
    assert two_3x3 == 73_728 < one_5x5 == 102_400
    assert params.count_params(block) == params.conv2d_params(3, 8, 3) + params.conv2d_params(
        8, 8, 3
    )


def test_vgg16_is_five_blocks_of_the_paper():
    with torch.device("meta"):
        model = models.vgg16()
    convs = [[m.out_channels for m in b if isinstance(m, torch.nn.Conv2d)] for b in model.features]
    assert convs == [[64] * 2, [128] * 2, [256] * 3, [512] * 3, [512] * 3]
    assert model.min_size == 32
    small = models.VGG([8, "M", 16, 16, "M"], num_classes=4, hidden=32)
    assert small(torch.zeros(2, 3, 4, 4)).shape == (2, 4)
    with pytest.raises(ValueError, match="H, W >= 4"):
        small(torch.zeros(2, 3, 3, 3))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: models.vgg_block(3, 8, 0), "num_convs"),
        (lambda: models.vgg_block(3, 0, 2), "out_channels"),
        (lambda: models.VGG([64, 128, "M"]), "keeps its channel count"),
        (lambda: models.VGG([64, "M", "M"]), "two 'M'"),
        (lambda: models.VGG([64, 64]), "ends with 'M'"),
        (lambda: models.vgg16(num_classes=0), "num_classes"),
        (lambda: models.alexnet(width=0), "width"),
        (lambda: models.alexnet(dropout=1.0), "dropout"),
        (lambda: models.resnet34(in_channels=0), "in_channels"),
        (lambda: models.ResNet([2, 2], widths=(8,)), "one block count per stage"),
        (lambda: models.BasicBlock(8, 8, stride=0), "stride"),
        (lambda: models.InceptionModule(192, 64, 96, 128, 0, 32, 32), "ch5x5_reduce"),
    ],
)
def test_builders_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------- GoogLeNet
def test_inception_module_concatenates_branches_and_1x1_reduction_saves():
    module = models.InceptionModule(192, 64, 96, 128, 16, 32, 32)  # GoogLeNet inception (3a)
    out = module(torch.randn(1, 192, 28, 28))
    assert out.shape == (1, 256, 28, 28) and module.out_channels == 64 + 128 + 32 + 32
    assert [b(torch.zeros(1, 192, 7, 7)).shape[1] for b in module.children()] == [64, 128, 32, 32]
    reduced = params.conv2d_params(192, 16, 1) + params.conv2d_params(16, 32, 5)
    direct = params.conv2d_params(192, 32, 5)
    assert reduced == 15_920 and direct == 153_632  # 9.7x fewer
    assert params.count_params(module.branch3) == reduced
    with pytest.raises(ValueError, match="192 input channel"):
        module(torch.zeros(1, 64, 28, 28))


def test_googlenet_follows_table_1_of_the_paper():
    model = models.googlenet(num_classes=10)
    table = params.summary(model, (1, 3, 224, 224))
    out = {r.name: r.output_shape for r in table}
    # the paper's "output size" column (the modules' outputs are their concatenations)
    for name, h, c in [
        ("stem.0.0", 112, 64),
        ("stem.1", 56, 64),
        ("stem.3.0", 56, 192),
        ("stem.4", 28, 192),
        ("inception.pool3", 14, 480),
        ("inception.pool4", 7, 832),
    ]:
        assert out[name] == (1, c, h, h), name
    expected_out = [256, 480, 512, 512, 512, 528, 832, 832, 1024]
    modules = [m for m in model.inception if isinstance(m, models.InceptionModule)]
    assert [m.out_channels for m in modules] == expected_out
    assert len([c for c in INCEPTION_CFGS if c != "M"]) == 9
    # 22 weight layers deep: 3 stem convolutions, 2 per inception module, the classifier
    stem_convs = sum(isinstance(m, torch.nn.Conv2d) for m in model.stem.modules())
    branch_convs = [
        sum(isinstance(c, torch.nn.Conv2d) for c in m.branch2.modules()) for m in modules
    ]
    assert stem_convs + sum(branch_convs) + 1 == 22
    # "efficiency": about 7 M parameters, against AlexNet's 61 M
    total = count_on_meta(models.googlenet)
    assert total == 6_998_552
    assert count_on_meta(models.alexnet) / total > 8


# -------------------------------------------------------------------------------- ResNet
def test_basic_block_identity_and_projection_shortcuts():
    same = models.BasicBlock(16, 16)
    assert isinstance(same.shortcut, torch.nn.Identity)
    down = models.BasicBlock(16, 32, stride=2)
    assert isinstance(down.shortcut, torch.nn.Sequential)
    assert down(torch.zeros(2, 16, 8, 8)).shape == (2, 32, 4, 4)
    assert params.count_params(down.shortcut) == params.conv2d_params(16, 32, 1, bias=False) + 64
    # With the residual branch zeroed, the block passes relu(x) through unchanged ...
    torch.nn.init.zeros_(same.bn2.weight)
    same.eval()
    x = torch.randn(1, 16, 6, 6)
    torch.testing.assert_close(same(x), torch.relu(x))
    # ... and the plain block, without the skip connection, outputs zeros.
    plain = models.BasicBlock(16, 16, residual=False)
    plain.load_state_dict(same.state_dict())
    plain.eval()
    assert plain.shortcut is None
    torch.testing.assert_close(plain(x), torch.zeros_like(x))
    with pytest.raises(ValueError, match="16 input channel"):
        same(torch.zeros(1, 8, 6, 6))


def test_resnet34_stages_are_the_slide():
    model = models.resnet34(num_classes=10)
    assert [len(stage) for stage in model.stages] == [3, 4, 6, 3]
    table = params.summary(model, (1, 3, 64, 64))
    out = {r.name: r.output_shape for r in table}
    assert out["stem.0"] == (1, 64, 32, 32)  # 7x7 conv, 64, /2
    assert out["stem.3"] == (1, 64, 16, 16)  # pool, /2
    for i, (c, h) in enumerate([(64, 16), (128, 8), (256, 4), (512, 2)]):
        assert out[f"stages.{i}.0.conv1"] == (1, c, h, h)
    assert table.output_shape == (1, 10)
    convs = [
        m for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size != (1, 1)
    ]
    assert len(convs) + 1 == 34  # 33 convolutions + fc


@pytest.mark.parametrize("name", sorted(SMALL))
@pytest.mark.parametrize(
    ("x", "match"),
    [
        (torch.zeros(3, 64, 64), "batch axis"),
        (torch.zeros(64, 64), r"x\[None, None\]"),
        (torch.zeros(1, 1, 64, 64), "3 input channel"),
        (torch.zeros(1, 3, 64, 64).numpy(), "torch.Tensor"),
    ],
    ids=["3d", "2d", "channels", "numpy"],
)
def test_models_reject_bad_input_with_a_clear_message(name, x, match):
    with pytest.raises(ValueError, match=match):
        SMALL[name]()(x)


# ------------------------------------------------------------------------ ILSVRC results
def test_ilsvrc_results_are_the_slides_numbers():
    by_model = {r.model: r for r in models.ILSVRC_TOP5}
    assert by_model["AlexNet"].top5_error == 15.3 and by_model["AlexNet"].year == 2012
    assert by_model["ResNet"].layers == 152 and by_model["ResNet"].top5_error == 3.57
    years = [r.year for r in models.ILSVRC_TOP5]
    assert years == sorted(years)
    # deeper and deeper, and better and better once CNNs took over
    cnn = [r for r in models.ILSVRC_TOP5 if r.layers is not None]
    assert [r.layers for r in cnn] == sorted(r.layers for r in cnn)
    errors = [r.top5_error for r in models.ILSVRC_TOP5]
    assert errors == sorted(errors, reverse=True)
    assert min(errors) < models.HUMAN_TOP5_ERROR < by_model["GoogLeNet"].top5_error
