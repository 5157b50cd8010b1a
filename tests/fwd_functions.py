"""Custom autograd Functions shared by the forward-mode tests, built for either library."""


def cube_function(m, vmappable=False):
    """x ** 3 with a jvp and no backward (forward mode only); ``vmappable`` sets
    generate_vmap_rule, which jacfwd's vmap over the basis needs."""
    class Cube(m.autograd.Function):
        generate_vmap_rule = vmappable

        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_forward(inputs[0])

        @staticmethod
        def jvp(ctx, t):
            x, = ctx.saved_tensors
            return 3 * x ** 2 * t
    return Cube
