"""CNN models of the lecture, one readable file per family.

Lecture: CNN architectures for image classification (LeNet-5, AlexNet, VGGNet, GoogLeNet,
ResNet) and CNNs for music: classification and auto-tagging (FCN, short-chunk CNN, musicnn),
onset detection, instrument recognition, pitch (CREPE) and multi-F0 (deep salience).

Each family is a module (``lenet``, ``alexnet``, ``vgg``, ``inception``, ``resnet``,
``tagging``, ``onset``, ``instrument``, ``pitch``, ``salience``) that reads top to bottom:
helpers, blocks, the model class, keyword-only builder functions. ``imagenet`` holds the
ILSVRC results of the "deeper and deeper" slide.
"""

from .alexnet import AlexNet, alexnet
from .imagenet import HUMAN_TOP5_ERROR, ILSVRC_TOP5
from .inception import GoogLeNet, InceptionModule, googlenet
from .instrument import ActivityCNN, InstrumentCNN, instrument_cnn
from .lenet import LeNet5, lenet5
from .onset import OnsetCNN, onset_cnn
from .pitch import CREPE, crepe
from .resnet import BasicBlock, ResNet, resnet18, resnet34
from .salience import DeepSalience, deep_salience
from .tagging import FCN, LogMelFrontEnd, Musicnn, ShortChunkResCNN, fcn, musicnn, short_chunk_cnn
from .vgg import VGG, vgg11, vgg13, vgg16, vgg19, vgg_block

__all__ = [
    # image classification (lecture 06)
    "LeNet5",
    "lenet5",
    "AlexNet",
    "alexnet",
    "VGG",
    "vgg_block",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
    "InceptionModule",
    "GoogLeNet",
    "googlenet",
    "BasicBlock",
    "ResNet",
    "resnet18",
    "resnet34",
    "ILSVRC_TOP5",
    "HUMAN_TOP5_ERROR",
    # music classification and auto-tagging
    "LogMelFrontEnd",
    "FCN",
    "ShortChunkResCNN",
    "Musicnn",
    "fcn",
    "short_chunk_cnn",
    "musicnn",
    # event- and frame-level MIR
    "OnsetCNN",
    "onset_cnn",
    "InstrumentCNN",
    "ActivityCNN",
    "instrument_cnn",
    "CREPE",
    "crepe",
    "DeepSalience",
    "deep_salience",
]
