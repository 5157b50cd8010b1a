"""Forward-mode JVP of nn ops: the explicit rule (chainrule/ops/_jvp_rules_nn.py) against
the generic rule from the op's backward (two backward passes), in one process.
Run: python bench/jvp_rules_nn.py (prints a table: median ms per jvp, and the ratio;
"raises" where the op's backward has no derivative, so only the explicit rule works)."""
import time

import chainrule as torch
import chainrule.func as func
from chainrule.ops._vocab import OPS

F = torch.nn.functional
torch.manual_seed(0)
g = torch.rand(8, 16, 16, 2) * 2 - 1
CASES = [
    ("cdist p=2, no mm (64x32, 64x32)", "_cdist_forward",
     lambda a, b: torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist"),
     (torch.randn(64, 32), torch.randn(64, 32))),
    ("cdist p=2, mm (64x32, 64x32)", "_euclidean_dist",
     lambda a, b: torch.cdist(a, b), (torch.randn(64, 32), torch.randn(64, 32))),
    ("pdist p=2 (64x32)", "_pdist_forward", lambda a: F.pdist(a), (torch.randn(64, 32),)),
    ("grid_sample bilinear (8,4,32,32)", "grid_sampler_2d",
     lambda x, gg: F.grid_sample(x, gg, align_corners=False), (torch.randn(8, 4, 32, 32), g)),
    ("sdpa (4,4,64,32)", "_scaled_dot_product_flash_attention_for_cpu",
     lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
     tuple(torch.randn(4, 4, 64, 32) for _ in range(3))),
    ("embedding_bag sum (1000x64, 512 idx)", "_embedding_bag",
     lambda w: F.embedding_bag(torch.randint(0, 1000, (512,)), w, torch.arange(0, 512, 8),
                               mode="sum"), (torch.randn(1000, 64),)),
    ("conv_tbc (64,8,32)", "conv_tbc", lambda x, w, b: torch.conv_tbc(x, w, b, 1),
     (torch.randn(64, 8, 32), torch.randn(3, 32, 32), torch.randn(32))),
]


def timed(fn, args, reps=15):
    tangents = tuple(torch.randn_like(a) for a in args)
    func.jvp(fn, args, tangents)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        func.jvp(fn, args, tangents)
        times.append(time.perf_counter() - t0)
    return sorted(times)[reps // 2] * 1e3


def main():
    print(f"{'case':40s} {'explicit ms':>12s} {'generic ms':>12s} {'generic/explicit':>17s}")
    for label, name, fn, args in CASES:
        op = OPS[name]
        rule = op.jvp
        explicit = timed(fn, args)
        op.jvp = None
        try:
            generic = timed(fn, args)
        except NotImplementedError:  # the backward has no derivative: only the rule works
            generic = None
        finally:
            op.jvp = rule
        if generic is None:
            print(f"{label:40s} {explicit:12.2f} {'raises':>12s} {'-':>17s}")
        else:
            print(f"{label:40s} {explicit:12.2f} {generic:12.2f} {generic / explicit:16.2f}x")


if __name__ == "__main__":
    main()
