"""The digits network of examples/train_digits.py, trained data-parallel on several ranks.

Every rank builds the same ``DigitsNet`` (DistributedDataParallel broadcasts rank 0's
weights anyway), a ``DistributedSampler`` gives each rank its share of every epoch, and
backward averages the gradients across ranks, so the replicas stay equal. With the global
batch kept at ``--batch-size`` (each rank takes ``batch_size / world`` of it) the
hyper-parameters are the single-process ones and so is the accuracy (README).

    mpirun -n 2 python examples/ddp_digits.py
    python -m chainrule.distributed.run --nproc-per-node 2 examples/ddp_digits.py
    mpirun -n 2 python examples/ddp_digits.py --quick     # 2 epochs on 400 digits (tests)

(as root add ``--allow-run-as-root``, or set OMPI_ALLOW_RUN_AS_ROOT=1 and
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1.)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chainrule.distributed as dist  # noqa: E402
from train_digits import DigitsNet, accuracy, load_digits  # noqa: E402

import chainrule as torch  # noqa: E402
import chainrule.nn.functional as F  # noqa: E402
from chainrule.nn.parallel import DistributedDataParallel as DDP  # noqa: E402
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402


def train(args, log=print):
    """Train on this rank's shards; returns the history (the same on every rank)."""
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        raise ValueError(f"--batch-size {args.batch_size} is not a multiple of the "
                         f"{world} ranks")
    torch.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = load_digits(args.seed, args.quick)
    data = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    sampler = DistributedSampler(data, shuffle=True, seed=args.seed)
    loader = DataLoader(data, batch_size=args.batch_size // world, sampler=sampler)
    net = DigitsNet()
    model = DDP(net)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = {"loss": [], "train_acc": [], "test_acc": []}
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)
        total = torch.zeros(2, dtype=torch.float64)   # this rank's loss sum and count
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += torch.tensor([loss.item() * len(yb), len(yb)], dtype=torch.float64)
        dist.all_reduce(total)
        history["loss"].append(float(total[0] / total[1]))
        history["train_acc"].append(accuracy(net, x_train, y_train))
        history["test_acc"].append(accuracy(net, x_test, y_test))
        if rank == 0:
            log(f"epoch {epoch:2d}  loss {history['loss'][-1]:.4f}  "
                f"train acc {history['train_acc'][-1]:.3f}  "
                f"test acc {history['test_acc'][-1]:.3f}")
    return history, net


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=32, help="the global batch")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="2 epochs on 400 digits (a smoke test; the tests run this)")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = min(args.epochs, 2)
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    dist.init_process_group("mpi")
    start = time.perf_counter()
    history, net = train(args)
    # the replicas must be equal: compare every rank's weights with rank 0's
    flat = torch.cat([p.detach().reshape(-1) for p in net.parameters()])
    ref = flat.clone()
    dist.broadcast(ref, src=0)
    same = bool((flat == ref).all())
    agree = torch.tensor([int(same)])
    dist.all_reduce(agree, op=dist.ReduceOp.MIN)
    if dist.get_rank() == 0:
        print(f"done in {time.perf_counter() - start:.1f} s on {dist.get_world_size()} "
              f"ranks; replicas {'equal' if int(agree) else 'DIFFER'}; final test accuracy "
              f"{history['test_acc'][-1]:.3f}", flush=True)
    dist.destroy_process_group()
    if not int(agree):
        raise SystemExit("the replicas' weights differ")
    return history


if __name__ == "__main__":
    main()
