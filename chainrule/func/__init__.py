"""torch.func: composable function transforms (grad, vjp, jvp, jacrev, jacfwd, hessian,
vmap, functional_call) and the functorch-era helpers tutorials still use."""
from ..autograd import function as _function
from ._einops import debug_unwrap, functionalize, rearrange, replace_all_batch_norm_modules_
from ._functional_call import (
    combine_state_for_ensemble,
    functional_call,
    make_functional,
    make_functional_with_buffers,
    stack_module_state,
)
from ._transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from ._vmap import vmap
from ._vmap._custom import transform_hook as _transform_hook

_function.TRANSFORM_HOOK[0] = _transform_hook  # Functions under the transforms: torch's rules

__all__ = ["vmap", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
           "linearize", "functional_call", "stack_module_state", "make_functional",
           "make_functional_with_buffers", "combine_state_for_ensemble", "rearrange",
           "functionalize", "debug_unwrap", "replace_all_batch_norm_modules_"]
