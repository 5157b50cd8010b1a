"""The PyTorch tutorial "Neural Tangent Kernels" (neural_tangent_kernels), run with
``import chainrule as torch``: its code as written (tiny sizes: 8x8 images, 4 channels),
both ways of computing the empirical NTK (Jacobian contraction and NTK-vector products,
the latter vjp + jvp under two vmaps), checked against each other as the tutorial does and
against real torch run on the same weights and inputs."""
import textwrap

import numpy as np
import pytest

real_torch = pytest.importorskip("torch")

NTK = """
import {module} as torch
import {module}.nn as nn
from {module}.func import functional_call, vmap, vjp, jvp, jacrev
device = 'cuda' if torch.cuda.device_count() > 0 else 'cpu'

class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, (3, 3))
        self.conv2 = nn.Conv2d(4, 4, (3, 3))
        self.conv3 = nn.Conv2d(4, 4, (3, 3))
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        x = self.conv1(x)
        x = x.relu()
        x = self.conv2(x)
        x = x.relu()
        x = self.conv3(x)
        x = x.flatten(1)
        x = self.fc(x)
        return x

x_train = torch.tensor(X_TRAIN, device=device)
x_test = torch.tensor(X_TEST, device=device)

net = CNN().to(device)
net.load_state_dict({{k: torch.tensor(v) for k, v in WEIGHTS.items()}})
net.eval()
params = {{k: v.detach() for k, v in net.named_parameters()}}

def fnet_single(params, x):
    return functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)

def empirical_ntk_jacobian_contraction(fnet_single, params, x1, x2, compute='full'):
    # Compute J(x1)
    jac1 = vmap(jacrev(fnet_single), (None, 0))(params, x1)
    jac1 = jac1.values()
    jac1 = [j.flatten(2) for j in jac1]

    # Compute J(x2)
    jac2 = vmap(jacrev(fnet_single), (None, 0))(params, x2)
    jac2 = jac2.values()
    jac2 = [j.flatten(2) for j in jac2]

    # Compute J(x1) @ J(x2).T
    einsum_expr = None
    if compute == 'full':
        einsum_expr = 'Naf,Mbf->NMab'
    elif compute == 'trace':
        einsum_expr = 'Naf,Maf->NM'
    elif compute == 'diagonal':
        einsum_expr = 'Naf,Maf->NMa'
    else:
        assert False

    result = torch.stack([torch.einsum(einsum_expr, j1, j2) for j1, j2 in zip(jac1, jac2)])
    result = result.sum(0)
    return result

result = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test)
print(result.shape)
RESULTS['full'] = result
result = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test, 'trace')
print(result.shape)
RESULTS['trace'] = result

def empirical_ntk_ntk_vps(func, params, x1, x2, compute='full'):
    def get_ntk(x1, x2):
        def func_x1(params):
            return func(params, x1)

        def func_x2(params):
            return func(params, x2)

        output, vjp_fn = vjp(func_x1, params)

        def get_ntk_slice(vec):
            # This computes ``vec @ J(x2).T``
            # `vec` is some unit vector (a single slice of the Identity matrix)
            vjps = vjp_fn(vec)
            # This computes ``J(X1) @ vjps``
            _, jvps = jvp(func_x2, (params,), vjps)
            return jvps

        # Here's our identity matrix
        basis = torch.eye(output.numel(), dtype=output.dtype, device=output.device).view(output.numel(), -1)
        return vmap(get_ntk_slice)(basis)

    # ``get_ntk(x1, x2)`` computes the NTK for a single data point x1, x2
    # Since the x1, x2 inputs to ``empirical_ntk_ntk_vps`` are batched,
    # we actually wish to compute the NTK between every pair of data points
    # between {{x1}} and {{x2}}. That's what the ``vmaps`` here do.
    result = vmap(vmap(get_ntk, (None, 0)), (0, None))(x1, x2)

    if compute == 'full':
        return result
    if compute == 'trace':
        return torch.einsum('NMKK->NM', result)
    if compute == 'diagonal':
        return torch.einsum('NMKK->NMK', result)

# Disable TensorFloat-32 for convolutions on Ampere+ GPUs to sacrifice performance in favor of accuracy
with torch.backends.cudnn.flags(allow_tf32=False):
    result_from_jacobian_contraction = empirical_ntk_jacobian_contraction(fnet_single, params, x_test, x_test)
    result_from_ntk_vps = empirical_ntk_ntk_vps(fnet_single, params, x_test, x_test)

assert torch.allclose(result_from_jacobian_contraction, result_from_ntk_vps, atol=1e-5)
RESULTS['vps'] = result_from_ntk_vps
"""


def _run(module, data):
    results = {}
    env = dict(data, RESULTS=results, __name__="tutorial_ntk")
    exec(compile(textwrap.dedent(NTK.format(module=module)), f"<ntk {module}>", "exec"), env)
    return results


def test_neural_tangent_kernels_tutorial(capsys):
    rng = np.random.default_rng(0)
    real_torch.manual_seed(0)
    weights = {k: v.detach().numpy().copy() for k, v in _torch_net_state().items()}
    data = {"X_TRAIN": rng.standard_normal((3, 3, 8, 8)).astype(np.float32),
            "X_TEST": rng.standard_normal((2, 3, 8, 8)).astype(np.float32),
            "WEIGHTS": weights}
    mine = _run("chainrule", data)
    theirs = _run("torch", data)
    out = capsys.readouterr().out
    assert "torch.Size([3, 2, 3, 3])" in out and "torch.Size([3, 2])" in out
    for key in ("full", "trace", "vps"):
        assert tuple(mine[key].shape) == tuple(theirs[key].shape), key
        np.testing.assert_allclose(mine[key].detach().numpy(), theirs[key].detach().numpy(),
                                   rtol=1e-4, atol=1e-5, err_msg=key)


def _torch_net_state():
    nn = real_torch.nn
    net = nn.Sequential()
    net.add_module("conv1", nn.Conv2d(3, 4, (3, 3)))
    net.add_module("conv2", nn.Conv2d(4, 4, (3, 3)))
    net.add_module("conv3", nn.Conv2d(4, 4, (3, 3)))
    net.add_module("fc", nn.Linear(16, 3))
    return net.state_dict()
