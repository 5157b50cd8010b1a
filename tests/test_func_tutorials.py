"""PyTorch's torch.func tutorials ("Jacobians, Hessians, hvp, vhp, and more",
"Per-sample-gradients", "Model ensembling") run with ``import chainrule as torch``: the
tutorials' code with its imports pointed at chainrule (``from torch.func import`` becomes
``from chainrule.func import``), sizes made small and the device CPU (the ensembling
tutorial's ``base_model.to('meta')`` kept: a meta device). Each runs as a module of its own (the tutorials pass ``globals()`` to their Timers)."""
import textwrap
import warnings

import pytest

JACOBIANS_HESSIANS = """
import chainrule as torch
import chainrule.nn.functional as F
from functools import partial
_ = torch.manual_seed(0)

def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()

D = 16
weight = torch.randn(D, D)
bias = torch.randn(D)
x = torch.randn(D)  # feature vector

def compute_jac(xp):
    jacobian_rows = [torch.autograd.grad(predict(weight, bias, xp), xp, vec)[0]
                     for vec in unit_vectors]
    return torch.stack(jacobian_rows)

xp = x.clone().requires_grad_()
unit_vectors = torch.eye(D)

jacobian = compute_jac(xp)

print(jacobian.shape)
print(jacobian[0])  # show first row

from chainrule.func import jacrev

jacobian = jacrev(predict, argnums=2)(weight, bias, x)

# confirm we match the previous jacobian
ft_jacobian = jacobian
assert torch.allclose(ft_jacobian, compute_jac(xp))

from chainrule.func import vmap, vjp

_, vjp_fn = vjp(partial(predict, weight, bias), x)

ft_jacobian, = vmap(vjp_fn)(unit_vectors)

# let's confirm both methods compute the same result
assert torch.allclose(ft_jacobian, jacobian)

from chainrule.utils.benchmark import Timer

without_vmap = Timer(stmt="compute_jac(xp)", globals=globals())
with_vmap = Timer(stmt="jacrev(predict, argnums=2)(weight, bias, x)", globals=globals())

no_vmap_timer = without_vmap.timeit(5)
with_vmap_timer = with_vmap.timeit(5)

print(no_vmap_timer)
print(with_vmap_timer)

def get_perf(first, first_descriptor, second, second_descriptor):
    faster = second.times[0]
    slower = first.times[0]
    gain = (slower-faster)/slower
    if gain < 0: gain *=-1
    final_gain = gain*100
    print(f" Performance delta: {final_gain:.4f} percent improvement with {second_descriptor} ")

get_perf(no_vmap_timer, "without vmap",  with_vmap_timer, "vmap")

ft_jac_weight, ft_jac_bias = jacrev(predict, argnums=(0, 1))(weight, bias, x)

from chainrule.func import jacrev, jacfwd

Din = 32
Dout = 512
weight = torch.randn(Dout, Din)

bias = torch.randn(Dout)
x = torch.randn(Din)

# remember the general rule about taller vs wider... here we have a taller matrix:
print(weight.shape)

using_fwd = Timer(stmt="jacfwd(predict, argnums=2)(weight, bias, x)", globals=globals())
using_bwd = Timer(stmt="jacrev(predict, argnums=2)(weight, bias, x)", globals=globals())

jacfwd_timing = using_fwd.timeit(2)
jacrev_timing = using_bwd.timeit(2)

print(f'jacfwd time: {jacfwd_timing}')
print(f'jacrev time: {jacrev_timing}')

from chainrule.func import hessian

Din = 64
Dout = 16
weight = torch.randn(Dout, Din)
bias = torch.randn(Dout)
x = torch.randn(Din)

hess_api = hessian(predict, argnums=2)(weight, bias, x)
hess_fwdfwd = jacfwd(jacfwd(predict, argnums=2), argnums=2)(weight, bias, x)
hess_revrev = jacrev(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)

assert torch.allclose(hess_api, hess_fwdfwd)
assert torch.allclose(hess_api, hess_revrev)

batch_size = 64
Din = 31
Dout = 33

weight = torch.randn(Dout, Din)
print(f"weight shape = {weight.shape}")

bias = torch.randn(Dout)

x = torch.randn(batch_size, Din)

compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
batch_jacobian0 = compute_batch_jacobian(weight, bias, x)

def predict_with_output_summed(weight, bias, x):
    return predict(weight, bias, x).sum(0)

batch_jacobian1 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, x).movedim(1, 0)
assert torch.allclose(batch_jacobian0, batch_jacobian1)

compute_batch_hessian = vmap(hessian(predict, argnums=2), in_dims=(None, None, 0))

batch_hess = compute_batch_hessian(weight, bias, x)
print(batch_hess.shape)
assert batch_hess.shape == (batch_size, Dout, Din, Din)

from chainrule.func import jvp, grad, vjp

def hvp(f, primals, tangents):
    return jvp(grad(f), primals, tangents)[1]

def f(x):
    return x.sin().sum()

x = torch.randn(2048)
tangent = torch.randn(2048)

result = hvp(f, (x,), (tangent,))

def hvp_revrev(f, primals, tangents):
    _, vjp_fn = vjp(grad(f), *primals)
    return vjp_fn(*tangents)

result_hvp_revrev = hvp_revrev(f, (x,), (tangent,))
assert torch.allclose(result, result_hvp_revrev[0])
assert torch.allclose(result, -x.sin() * tangent, atol=1e-6)
"""

PER_SAMPLE_GRADS = """
import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F
torch.manual_seed(0)

# Here's a simple CNN and loss function:

class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.fc1 = nn.Linear(72, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        output = x
        return output

def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)

device = 'cpu'

num_models = 10
batch_size = 8
data = torch.randn(batch_size, 1, 10, 10, device=device)

targets = torch.randint(10, (batch_size,), device=device)

model = SimpleCNN().to(device=device)
predictions = model(data)  # move the entire mini-batch through the model

loss = loss_fn(predictions, targets)
loss.backward()  # back propagate the 'average' gradient of this mini-batch

def compute_grad(sample, target):
    sample = sample.unsqueeze(0)  # prepend batch dimension for processing
    target = target.unsqueeze(0)

    prediction = model(sample)
    loss = loss_fn(prediction, target)

    return torch.autograd.grad(loss, list(model.parameters()))


def compute_sample_grads(data, targets):
    \"\"\" manually process each sample with per sample gradient \"\"\"
    sample_grads = [compute_grad(data[i], targets[i]) for i in range(batch_size)]
    sample_grads = zip(*sample_grads)
    sample_grads = [torch.stack(shards) for shards in sample_grads]
    return sample_grads

per_sample_grads = compute_sample_grads(data, targets)

print(per_sample_grads[0].shape)

from chainrule.func import functional_call, vmap, grad

params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}

def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    targets = target.unsqueeze(0)

    predictions = functional_call(model, (params, buffers), (batch,))
    loss = loss_fn(predictions, targets)
    return loss

ft_compute_grad = grad(compute_loss)

ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))

ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)

for per_sample_grad, ft_per_sample_grad in zip(per_sample_grads, ft_per_sample_grads.values()):
    assert torch.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)

def get_perf(first, first_descriptor, second, second_descriptor):
    \"\"\"takes torch.benchmark objects and compares delta of second vs first.\"\"\"
    second_res = second.times[0]
    first_res = first.times[0]

    gain = (first_res-second_res)/first_res
    if gain < 0: gain *=-1
    final_gain = gain*100

    print(f"Performance delta: {final_gain:.4f} percent improvement with {first_descriptor} ")

from chainrule.utils.benchmark import Timer

without_vmap = Timer(stmt="compute_sample_grads(data, targets)", globals=globals())
with_vmap = Timer(stmt="ft_compute_sample_grad(params, buffers, data, targets)",globals=globals())
no_vmap_timing = without_vmap.timeit(2)
with_vmap_timing = with_vmap.timeit(2)

print(f'Per-sample-grads without vmap {no_vmap_timing}')
print(f'Per-sample-grads with vmap {with_vmap_timing}')

get_perf(with_vmap_timing, "vmap", no_vmap_timing, "no vmap")
"""

ENSEMBLING = """
import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F
torch.manual_seed(0)

# Here's a simple MLP
class SimpleMLP(nn.Module):
    def __init__(self):
        super(SimpleMLP, self).__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        x = x.flatten(1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        x = F.relu(x)
        x = self.fc3(x)
        return x

device = 'cpu'
num_models = 10

data = torch.randn(100, 16, 1, 8, 8, device=device)
targets = torch.randint(10, (1600,), device=device)

models = [SimpleMLP().to(device) for _ in range(num_models)]

minibatches = data[:num_models]
predictions_diff_minibatch_loop = [model(minibatch) for model, minibatch in zip(models, minibatches)]

minibatch = data[0]
predictions2 = [model(minibatch) for model in models]

from chainrule.func import stack_module_state

params, buffers = stack_module_state(models)

from chainrule.func import functional_call
import copy

# Construct a "stateless" version of one of the models. It is "stateless" in
# the sense that the parameters are meta Tensors and do not have storage.
base_model = copy.deepcopy(models[0])
base_model = base_model.to('meta')

def fmodel(params, buffers, x):
    return functional_call(base_model, (params, buffers), (x,))

print([p.size(0) for p in params.values()]) # show the leading 'num_models' dimension

assert minibatches.shape == (num_models, 16, 1, 8, 8) # verify minibatch has leading dimension of size 'num_models'

from chainrule import vmap

predictions1_vmap = vmap(fmodel)(params, buffers, minibatches)

# verify the ``vmap`` predictions match the
assert torch.allclose(predictions1_vmap, torch.stack(predictions_diff_minibatch_loop), atol=1e-3, rtol=1e-5)

predictions2_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)

assert torch.allclose(predictions2_vmap, torch.stack(predictions2), atol=1e-3, rtol=1e-5)

from chainrule.utils.benchmark import Timer
without_vmap = Timer(
    stmt="[model(minibatch) for model, minibatch in zip(models, minibatches)]",
    globals=globals())
with_vmap = Timer(
    stmt="vmap(fmodel)(params, buffers, minibatches)",
    globals=globals())
print(f'Predictions without vmap {without_vmap.timeit(10)}')
print(f'Predictions with vmap {with_vmap.timeit(10)}')

# functorch-era API, still used by older versions of the tutorial
from chainrule.func import combine_state_for_ensemble
fmodel2, params2, buffers2 = combine_state_for_ensemble(models)
predictions3_vmap = vmap(fmodel2)(params2, buffers2, minibatches)
assert torch.allclose(predictions3_vmap, predictions1_vmap, atol=1e-6)
"""


def _conv2d_module():
    """A stand-in nn.Conv2d for branches where chainrule.nn has none yet (built from
    F.conv2d and Parameters, initialised as torch's)."""
    import math

    import chainrule as cr

    class Conv2d(cr.nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride=1):
            super().__init__()
            bound = 1 / math.sqrt(in_channels * kernel_size * kernel_size)
            self.weight = cr.nn.Parameter(
                cr.rand(out_channels, in_channels, kernel_size, kernel_size) * 2 * bound - bound)
            self.bias = cr.nn.Parameter(cr.rand(out_channels) * 2 * bound - bound)
            self.stride = stride

        def forward(self, x):
            return cr.nn.functional.conv2d(x, self.weight, self.bias, self.stride)
    return Conv2d


@pytest.mark.parametrize("name,code", [("jacobians_hessians", JACOBIANS_HESSIANS),
                                       ("per_sample_grads", PER_SAMPLE_GRADS),
                                       ("ensembling", ENSEMBLING)])
def test_tutorial_runs(name, code, capsys, monkeypatch):
    import chainrule as cr
    if not hasattr(cr.nn, "Conv2d"):
        monkeypatch.setattr(cr.nn, "Conv2d", _conv2d_module(), raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no per-sample loops on these paths
        exec(compile(textwrap.dedent(code), f"<tutorial {name}>", "exec"),
             {"__name__": f"tutorial_{name}"})
    out = capsys.readouterr().out
    assert "Measurement object" in out
