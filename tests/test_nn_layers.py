"""Every layer module against torch's: the same weights (through state_dict), the same
outputs, input and parameter gradients, buffers, repr and state_dict keys."""
from __future__ import annotations

import pytest
from nn_layer_pairs import A, Case, I, P, Pos, R, build_pair, compare_case, torch  # noqa: F401

import chainrule

X4 = R(2, 3, 6, 6)
TE = ("train", "eval")  # layers whose output depends on the mode

CASES = [
    # ---------------------------------------------------------------- activations
    Case("ReLU", lambda nn: nn.ReLU(), (R(3, 4),)),
    Case("ReLU6", lambda nn: nn.ReLU6(), (R(3, 4) ,), ),
    Case("LeakyReLU", lambda nn: nn.LeakyReLU(0.2), (R(3, 4),)),
    Case("PReLU", lambda nn: nn.PReLU(), (R(2, 3, 4),)),
    Case("PReLU-channels", lambda nn: nn.PReLU(3, init=0.1), (R(2, 3, 4),)),
    Case("ELU", lambda nn: nn.ELU(alpha=0.7), (R(3, 4),)),
    Case("SELU", lambda nn: nn.SELU(), (R(3, 4),)),
    Case("CELU", lambda nn: nn.CELU(alpha=1.5), (R(3, 4),)),
    Case("GELU", lambda nn: nn.GELU(), (R(3, 4),)),
    Case("GELU-tanh", lambda nn: nn.GELU(approximate="tanh"), (R(3, 4),)),
    Case("SiLU", lambda nn: nn.SiLU(), (R(3, 4),)),
    Case("Mish", lambda nn: nn.Mish(), (R(3, 4),)),
    Case("Softplus", lambda nn: nn.Softplus(beta=2, threshold=1), (R(3, 4),)),
    Case("Softshrink", lambda nn: nn.Softshrink(0.3), (R(3, 4),)),
    Case("Hardshrink", lambda nn: nn.Hardshrink(0.3), (R(3, 4),)),
    Case("Tanhshrink", lambda nn: nn.Tanhshrink(), (R(3, 4),)),
    Case("Threshold", lambda nn: nn.Threshold(0.1, 20.0), (R(3, 4),)),
    Case("Hardtanh", lambda nn: nn.Hardtanh(-0.5, 0.5), (R(3, 4),)),
    Case("Hardsigmoid", lambda nn: nn.Hardsigmoid(), (R(3, 4),)),
    Case("Hardswish", lambda nn: nn.Hardswish(), (R(3, 4),)),
    Case("LogSigmoid", lambda nn: nn.LogSigmoid(), (R(3, 4),)),
    Case("Sigmoid", lambda nn: nn.Sigmoid(), (R(3, 4),)),
    Case("Tanh", lambda nn: nn.Tanh(), (R(3, 4),)),
    Case("Softsign", lambda nn: nn.Softsign(), (R(3, 4),)),
    Case("Softmax", lambda nn: nn.Softmax(dim=1), (R(3, 4),)),
    Case("Softmin", lambda nn: nn.Softmin(dim=0), (R(3, 4),)),
    Case("LogSoftmax", lambda nn: nn.LogSoftmax(dim=-1), (R(3, 4),)),
    Case("Softmax2d", lambda nn: nn.Softmax2d(), (R(2, 3, 2, 2),)),
    Case("GLU", lambda nn: nn.GLU(dim=1), (R(3, 4),)),
    Case("RReLU-eval", lambda nn: nn.RReLU(0.1, 0.3), (R(3, 4),), modes=("eval",)),
    # ---------------------------------------------------------------- linear, shapes
    Case("Identity", lambda nn: nn.Identity(3, unused=True), (R(3, 4),)),
    Case("Linear", lambda nn: nn.Linear(4, 3), (R(2, 4),)),
    Case("Linear-nobias", lambda nn: nn.Linear(4, 3, bias=False), (R(5, 2, 4),)),
    Case("Bilinear", lambda nn: nn.Bilinear(3, 4, 2), (R(5, 3), R(5, 4))),
    Case("Flatten", lambda nn: nn.Flatten(), (R(2, 3, 4),)),
    Case("Flatten-range", lambda nn: nn.Flatten(0, 1), (R(2, 3, 4),)),
    Case("Unflatten", lambda nn: nn.Unflatten(1, (2, 2)), (R(3, 4),)),
    # ---------------------------------------------------------------- convolutions
    Case("Conv1d", lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1), (R(2, 3, 9),)),
    Case("Conv1d-unbatched", lambda nn: nn.Conv1d(3, 4, 3), (R(3, 7),)),
    Case("Conv2d", lambda nn: nn.Conv2d(3, 4, 3), (X4,)),
    Case("Conv2d-unbatched", lambda nn: nn.Conv2d(3, 2, 2), (R(3, 5, 5),)),
    Case("Conv2d-args", lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2),
                                             dilation=(1, 2), groups=2, bias=False),
         (R(2, 4, 7, 6),)),
    Case("Conv2d-same", lambda nn: nn.Conv2d(3, 2, 4, padding="same", dilation=2), (X4,)),
    Case("Conv2d-same-asymmetric", lambda nn: nn.Conv2d(3, 2, (4, 3), padding="same"), (X4,)),
    Case("Conv1d-same-reflect", lambda nn: nn.Conv1d(3, 2, 2, padding="same",
                                                     padding_mode="reflect"), (R(2, 3, 5),)),
    Case("Conv3d-same", lambda nn: nn.Conv3d(2, 2, 2, padding="same"), (R(1, 2, 3, 3, 3),)),
    Case("Conv2d-valid", lambda nn: nn.Conv2d(3, 2, 3, padding="valid"), (X4,)),
    Case("Conv2d-reflect", lambda nn: nn.Conv2d(3, 2, 3, padding=2, padding_mode="reflect"),
         (X4,)),
    Case("Conv2d-replicate", lambda nn: nn.Conv2d(3, 2, 3, padding=(1, 2),
                                                  padding_mode="replicate"), (X4,)),
    Case("Conv2d-circular", lambda nn: nn.Conv2d(3, 2, 3, padding=1,
                                                 padding_mode="circular"), (X4,)),
    Case("Conv2d-same-circular", lambda nn: nn.Conv2d(3, 2, 4, padding="same",
                                                      padding_mode="circular"), (X4,)),
    Case("Conv3d", lambda nn: nn.Conv3d(2, 3, 2, stride=(1, 2, 1), padding=1),
         (R(1, 2, 4, 5, 4),)),
    Case("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(3, 2, 3, stride=2), (R(2, 3, 5),)),
    Case("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1,
                                                          output_padding=1, groups=1),
         (R(2, 3, 4, 4),)),
    Case("ConvTranspose2d-groups", lambda nn: nn.ConvTranspose2d(4, 6, 2, groups=2,
                                                                 dilation=2, bias=False),
         (R(1, 4, 3, 3),)),
    Case("ConvTranspose2d-output_size", lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2,
                                                                      padding=1),
         (R(1, 3, 4, 4),), call=lambda m, x: m(x, output_size=[8, 8])),
    Case("ConvTranspose2d-output_size-full", lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2),
         (R(1, 3, 4, 4),), call=lambda m, x: m(x, output_size=(1, 2, 10, 9))),
    Case("ConvTranspose3d", lambda nn: nn.ConvTranspose3d(2, 2, 2, stride=2),
         (R(1, 2, 2, 3, 2),)),
    # ---------------------------------------------------------------- pooling
    Case("MaxPool1d", lambda nn: nn.MaxPool1d(3, stride=2, padding=1), (R(2, 3, 9),)),
    Case("MaxPool2d", lambda nn: nn.MaxPool2d(2), (X4,)),
    Case("MaxPool2d-args", lambda nn: nn.MaxPool2d((3, 2), stride=(2, 1), padding=1,
                                                   dilation=(1, 2), ceil_mode=True), (X4,)),
    Case("MaxPool2d-indices", lambda nn: nn.MaxPool2d(2, return_indices=True), (X4,)),
    Case("MaxPool3d", lambda nn: nn.MaxPool3d(2, stride=1), (R(1, 2, 3, 4, 3),)),
    Case("AvgPool1d", lambda nn: nn.AvgPool1d(3, stride=2, padding=1,
                                              count_include_pad=False), (R(2, 3, 9),)),
    Case("AvgPool2d", lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
         (X4,)),
    Case("AvgPool2d-divisor", lambda nn: nn.AvgPool2d(2, divisor_override=3), (X4,)),
    Case("AvgPool3d", lambda nn: nn.AvgPool3d(2), (R(1, 2, 4, 4, 4),)),
    Case("LPPool1d", lambda nn: nn.LPPool1d(2, 3, stride=2), (R(2, 3, 9),)),
    Case("LPPool2d", lambda nn: nn.LPPool2d(3, 2), (Pos(2, 3, 6, 6),)),
    Case("LPPool3d", lambda nn: nn.LPPool3d(1, 2), (R(1, 2, 4, 4, 4),)),
    Case("AdaptiveAvgPool1d", lambda nn: nn.AdaptiveAvgPool1d(4), (R(2, 3, 9),)),
    Case("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((4, None)), (X4,)),
    Case("AdaptiveAvgPool2d-1", lambda nn: nn.AdaptiveAvgPool2d(1), (X4,)),
    Case("AdaptiveAvgPool3d", lambda nn: nn.AdaptiveAvgPool3d((2, 3, 1)), (R(1, 2, 4, 5, 3),)),
    Case("AdaptiveMaxPool1d", lambda nn: nn.AdaptiveMaxPool1d(4, return_indices=True),
         (R(2, 3, 9),)),
    Case("AdaptiveMaxPool2d", lambda nn: nn.AdaptiveMaxPool2d((3, 4)), (X4,)),
    Case("AdaptiveMaxPool3d", lambda nn: nn.AdaptiveMaxPool3d(2), (R(1, 2, 4, 5, 3),)),
    Case("MaxUnpool2d", lambda nn: nn.MaxUnpool2d(2),
         (R(1, 2, 2, 2), A([[[[0, 3], [9, 14]], [[5, 2], [8, 15]]]])),
         grad=(True, False)),
    Case("MaxUnpool1d", lambda nn: nn.MaxUnpool1d(2, stride=2),
         (R(1, 1, 3), A([[[1, 2, 5]]])), grad=(True, False),
         call=lambda m, x, i: m(x, i, output_size=[7])),
    Case("MaxUnpool3d", lambda nn: nn.MaxUnpool3d(2),
         (R(1, 1, 1, 1, 1), A([[[[[5]]]]])), grad=(True, False)),
    # ---------------------------------------------------------------- normalisation
    Case("BatchNorm1d", lambda nn: nn.BatchNorm1d(3), (R(4, 3),), modes=TE),
    Case("BatchNorm1d-3d", lambda nn: nn.BatchNorm1d(3, momentum=None), (R(4, 3, 5),), modes=TE),
    Case("BatchNorm2d", lambda nn: nn.BatchNorm2d(3), (X4,), modes=TE),
    Case("BatchNorm2d-noaffine", lambda nn: nn.BatchNorm2d(3, affine=False, eps=1e-3),
         (X4,), modes=TE),
    Case("BatchNorm2d-nostats", lambda nn: nn.BatchNorm2d(3, track_running_stats=False),
         (X4,), modes=TE),
    Case("BatchNorm2d-nobias", lambda nn: nn.BatchNorm2d(3, bias=False), (X4,), modes=TE),
    Case("BatchNorm3d", lambda nn: nn.BatchNorm3d(2), (R(2, 2, 3, 2, 2),), modes=TE),
    Case("SyncBatchNorm", lambda nn: nn.SyncBatchNorm(3), (R(4, 3, 5),), modes=TE),
    Case("InstanceNorm1d", lambda nn: nn.InstanceNorm1d(3), (R(2, 3, 5),), modes=TE),
    Case("InstanceNorm1d-unbatched", lambda nn: nn.InstanceNorm1d(3, affine=True),
         (R(3, 5),), modes=TE),
    Case("InstanceNorm2d", lambda nn: nn.InstanceNorm2d(3, affine=True,
                                                        track_running_stats=True), (X4,), modes=TE),
    Case("InstanceNorm3d", lambda nn: nn.InstanceNorm3d(2), (R(2, 2, 3, 2, 2),), modes=TE),
    Case("LayerNorm", lambda nn: nn.LayerNorm(4), (R(2, 3, 4),)),
    Case("LayerNorm-shape", lambda nn: nn.LayerNorm([3, 4], eps=1e-3, bias=False),
         (R(2, 3, 4),)),
    Case("LayerNorm-noaffine", lambda nn: nn.LayerNorm((4,), elementwise_affine=False),
         (R(2, 3, 4),)),
    Case("GroupNorm", lambda nn: nn.GroupNorm(2, 4), (R(2, 4, 3, 3),)),
    Case("GroupNorm-noaffine", lambda nn: nn.GroupNorm(1, 4, affine=False), (R(2, 4, 5),)),
    Case("RMSNorm", lambda nn: nn.RMSNorm(4), (R(2, 3, 4),)),
    Case("RMSNorm-eps", lambda nn: nn.RMSNorm([3, 4], eps=1e-3, elementwise_affine=False),
         (R(2, 3, 4),)),
    Case("LocalResponseNorm", lambda nn: nn.LocalResponseNorm(3, alpha=0.1, k=2.0),
         (R(2, 5, 3, 3),)),
    Case("CrossMapLRN2d", lambda nn: nn.CrossMapLRN2d(3, alpha=0.1, k=2.0),
         (R(2, 5, 3, 3),), grad=(False,)),
    # ---------------------------------------------------------------- dropout (eval)
    Case("Dropout-eval", lambda nn: nn.Dropout(0.3), (R(3, 4),), modes=("eval",)),
    Case("Dropout1d-eval", lambda nn: nn.Dropout1d(), (R(2, 3, 4),), modes=("eval",)),
    Case("Dropout2d-eval", lambda nn: nn.Dropout2d(0.2), (X4,), modes=("eval",)),
    Case("Dropout3d-eval", lambda nn: nn.Dropout3d(), (R(1, 2, 2, 2, 2),), modes=("eval",)),
    Case("AlphaDropout-eval", lambda nn: nn.AlphaDropout(0.2), (R(3, 4),), modes=("eval",)),
    Case("FeatureAlphaDropout-eval", lambda nn: nn.FeatureAlphaDropout(0.2), (X4,),
         modes=("eval",)),
    Case("Dropout-p0", lambda nn: nn.Dropout(0.0), (R(3, 4),), modes=TE),
    # ---------------------------------------------------------------- embeddings
    Case("Embedding", lambda nn: nn.Embedding(10, 3), (I(10, 2, 4),)),
    Case("Embedding-padding", lambda nn: nn.Embedding(10, 3, padding_idx=-1),
         (A([[1, 9, 9], [0, 2, 9]]),)),
    Case("Embedding-max_norm", lambda nn: nn.Embedding(10, 3, max_norm=1.0, norm_type=1.0),
         (I(10, 2, 4),)),
    Case("Embedding-freq", lambda nn: nn.Embedding(5, 2, scale_grad_by_freq=True),
         (A([1, 1, 2, 4, 1]),)),
    Case("Embedding-sparse", lambda nn: nn.Embedding(5, 2, sparse=True), (A([0, 3]),)),
    Case("EmbeddingBag", lambda nn: nn.EmbeddingBag(10, 3), (I(10, 2, 4),)),
    Case("EmbeddingBag-offsets", lambda nn: nn.EmbeddingBag(10, 3, mode="sum"),
         (A([1, 2, 4, 5, 4, 3, 2, 9]), A([0, 4]))),
    Case("EmbeddingBag-max", lambda nn: nn.EmbeddingBag(10, 3, mode="max",
                                                        include_last_offset=True),
         (A([1, 2, 4, 5, 4, 3, 2, 9]), A([0, 3, 8]))),
    Case("EmbeddingBag-weights", lambda nn: nn.EmbeddingBag(10, 3, mode="sum",
                                                            padding_idx=2),
         (A([1, 2, 4, 5, 4, 3]), A([0, 2]), R(6)), grad=(False, False, True)),
    # ---------------------------------------------------------------- reshaping layers
    Case("PixelShuffle", lambda nn: nn.PixelShuffle(2), (R(1, 8, 2, 3),)),
    Case("PixelUnshuffle", lambda nn: nn.PixelUnshuffle(2), (R(1, 2, 4, 6),)),
    Case("ChannelShuffle", lambda nn: nn.ChannelShuffle(2), (R(1, 4, 2, 2),), grad=(False,)),
    Case("Upsample", lambda nn: nn.Upsample(scale_factor=2), (R(1, 2, 3, 3),)),
    Case("Upsample-bilinear", lambda nn: nn.Upsample(size=(5, 4), mode="bilinear"),
         (R(1, 2, 3, 3),)),
    Case("Upsample-bicubic", lambda nn: nn.Upsample(scale_factor=(1.5, 2), mode="bicubic",
                                                    align_corners=True), (R(1, 2, 3, 3),)),
    Case("Upsample-linear", lambda nn: nn.Upsample(scale_factor=3, mode="linear"),
         (R(1, 2, 3),)),
    Case("Upsample-trilinear", lambda nn: nn.Upsample(scale_factor=2, mode="trilinear"),
         (R(1, 1, 2, 2, 2),)),
    Case("UpsamplingNearest2d", lambda nn: nn.UpsamplingNearest2d(size=5), (R(1, 2, 3, 3),)),
    Case("UpsamplingBilinear2d", lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
         (R(1, 2, 3, 3),)),
    Case("Fold", lambda nn: nn.Fold((4, 5), (2, 2)), (R(1, 12, 12),)),
    Case("Unfold", lambda nn: nn.Unfold((2, 3), dilation=1, padding=1, stride=2), (X4,)),
    # ---------------------------------------------------------------- padding
    Case("ZeroPad1d", lambda nn: nn.ZeroPad1d((1, 2)), (R(2, 3, 4),)),
    Case("ZeroPad2d", lambda nn: nn.ZeroPad2d(2), (R(1, 2, 3, 3),)),
    Case("ZeroPad3d", lambda nn: nn.ZeroPad3d((1, 0, 0, 1, 2, 0)), (R(1, 1, 2, 2, 2),)),
    Case("ConstantPad1d", lambda nn: nn.ConstantPad1d(2, 3.5), (R(2, 4),)),
    Case("ConstantPad2d", lambda nn: nn.ConstantPad2d((1, 0, 2, 1), -1.0), (R(1, 2, 3, 3),)),
    Case("ConstantPad3d", lambda nn: nn.ConstantPad3d(1, 0.5), (R(1, 1, 2, 2, 2),)),
    Case("ReflectionPad1d", lambda nn: nn.ReflectionPad1d((2, 1)), (R(2, 3, 4),)),
    Case("ReflectionPad2d", lambda nn: nn.ReflectionPad2d(2), (R(1, 2, 3, 3),)),
    Case("ReflectionPad3d", lambda nn: nn.ReflectionPad3d(1), (R(1, 1, 2, 3, 2),)),
    Case("ReplicationPad1d", lambda nn: nn.ReplicationPad1d(3), (R(2, 3, 4),)),
    Case("ReplicationPad2d", lambda nn: nn.ReplicationPad2d((1, 2, 0, 1)), (R(1, 2, 3, 3),)),
    Case("ReplicationPad3d", lambda nn: nn.ReplicationPad3d(1), (R(1, 1, 2, 2, 2),)),
    Case("CircularPad1d", lambda nn: nn.CircularPad1d(2), (R(2, 3, 4),)),
    Case("CircularPad2d", lambda nn: nn.CircularPad2d((1, 2, 2, 0)), (R(1, 2, 3, 3),)),
    Case("CircularPad3d", lambda nn: nn.CircularPad3d(1), (R(1, 1, 2, 2, 2),)),
    # ---------------------------------------------------------------- distances
    # ---------------------------------------------------------------- float64 modules
    Case("Conv2d-double", lambda nn: nn.Conv2d(3, 2, 3, padding=1), (X4,), double=True),
    Case("BatchNorm2d-double", lambda nn: nn.BatchNorm2d(3), (X4,), double=True, modes=TE),
    Case("LayerNorm-double", lambda nn: nn.LayerNorm(4), (R(2, 4),), double=True),
    Case("Embedding-double", lambda nn: nn.Embedding(5, 2, max_norm=0.5), (A([0, 3, 3]),),
         double=True),
    Case("Upsample-recompute", lambda nn: nn.Upsample(scale_factor=1.7, mode="bilinear",
                                                      recompute_scale_factor=True),
         (R(1, 2, 3, 3),)),
    Case("Softmax-implicit-dim", lambda nn: nn.Softmax(), (R(2, 3, 4),)),
    Case("LogSoftmax-implicit-dim-1d", lambda nn: nn.LogSoftmax(), (R(4),)),
    Case("PairwiseDistance", lambda nn: nn.PairwiseDistance(p=1.5, keepdim=True),
         (R(3, 4), R(3, 4))),
    Case("CosineSimilarity", lambda nn: nn.CosineSimilarity(dim=0), (R(3, 4), R(3, 4))),
]

_PARAMS = [(c, mode) for c in CASES for mode in c.modes]


@pytest.mark.parametrize(("case", "mode"), _PARAMS,
                         ids=[f"{c.id}-{mode}" for c, mode in _PARAMS])
def test_layer_matches_torch(case, mode):
    compare_case(case, mode)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_repr_and_state_dict_match_torch(case):
    tm, cm = build_pair(case.ctor)
    assert repr(cm) == repr(tm)
    tsd, csd = tm.state_dict(), cm.state_dict()
    assert list(csd) == list(tsd)
    for k in tsd:
        assert tuple(csd[k].shape) == tuple(tsd[k].shape), k
        assert str(csd[k].dtype) == str(tsd[k].dtype), k
    assert [n for n, _ in cm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in cm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert type(cm).__module__.replace("chainrule", "torch") == type(tm).__module__
    # and back: torch loads chainrule's state_dict strictly
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in csd.items()})


def _layer_classes():
    import chainrule.nn as cnn
    return [n for n in sorted(cnn.__all__) if isinstance(getattr(cnn, n), type)
            and issubclass(getattr(cnn, n), cnn.Module) and hasattr(torch.nn, n)]


@pytest.mark.parametrize("name", _layer_classes())
def test_constructor_and_forward_signatures_are_torchs(name):
    """Argument names, kinds, defaults and order of __init__ and forward equal torch's."""
    import inspect

    import chainrule.nn as cnn
    for meth in ("__init__", "forward"):
        ours, theirs = getattr(getattr(cnn, name), meth), getattr(getattr(torch.nn, name), meth)
        def shape(fn):  # a default that is a function (F.relu) is compared by name
            return [(p.name, p.kind, getattr(p.default, "__name__", p.default))
                    for p in inspect.signature(fn).parameters.values()]
        sig, ref = shape(ours), shape(theirs)
        assert sig == ref, meth


def test_every_torch_layer_class_is_exported():
    import chainrule.nn as cnn
    elsewhere = {"Container", "DataParallel", "GRU", "GRUCell", "LSTM", "LSTMCell",
                 "ModuleDict", "MultiheadAttention",
                 "ParameterDict", "ParameterList", "RNN", "RNNBase", "RNNCell", "RNNCellBase",
                 "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
                 "TransformerEncoder", "TransformerEncoderLayer"}  # other helpers' areas
    missing = [n for n in dir(torch.nn) if isinstance(getattr(torch.nn, n), type)
               and not n.startswith("_") and n not in elsewhere and not hasattr(cnn, n)]
    assert missing == []


def test_linear_cross_entropy_options_validate_like_torch():
    from nn_layer_pairs import assert_same_error
    for lib in (torch, chainrule):
        assert repr(lib.nn.LinearCrossEntropyOptions(batch_chunk_size=4)) == repr(
            torch.nn.LinearCrossEntropyOptions(batch_chunk_size=4))
    assert_same_error(lambda lib: lib.nn.LinearCrossEntropyOptions(acc_policy="fast"))
    assert_same_error(lambda lib: lib.nn.LinearCrossEntropyOptions(chunking_method="x:2"))
    assert_same_error(lambda lib: lib.nn.LinearCrossEntropyOptions(batch_chunk_size=0))
    assert_same_error(lambda lib: lib.nn.LinearCrossEntropyOptions(acc_dtype=lib.int32))
