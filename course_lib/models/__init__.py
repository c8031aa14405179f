"""CNN models of the lecture, one readable file per family.

Lecture: CNN architectures for image classification (LeNet-5, AlexNet, VGGNet, GoogLeNet,
ResNet) and CNNs for music classification and auto-tagging (FCN, short-chunk CNN, musicnn).
"""

from .alexnet import AlexNet, alexnet
from .inception import InceptionModule
from .lenet import LeNet5, lenet5
from .resnet import BasicBlock, ResNet, resnet18, resnet34
from .tagging import FCN, LogMelFrontEnd, Musicnn, ShortChunkResCNN, fcn, musicnn, short_chunk_cnn
from .vgg import VGG, vgg11, vgg16, vgg_block

__all__ = [
    "AlexNet",
    "alexnet",
    "InceptionModule",
    "LeNet5",
    "lenet5",
    "BasicBlock",
    "ResNet",
    "resnet18",
    "resnet34",
    "VGG",
    "vgg11",
    "vgg16",
    "vgg_block",
    "FCN",
    "LogMelFrontEnd",
    "Musicnn",
    "ShortChunkResCNN",
    "fcn",
    "musicnn",
    "short_chunk_cnn",
]
