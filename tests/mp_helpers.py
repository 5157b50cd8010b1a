"""Code that spawned child processes import by name: kept free of torch and pytest so a
spawned child starts quickly (it imports only chainrule)."""
import os

import chainrule as cr
import chainrule.utils.data as cdata


class SpawnRows(cdata.Dataset):
    """Row i is [i, worker id]."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = cdata.get_worker_info()
        return cr.tensor([i, -1 if info is None else info.id])


def add_rank(rank, shared, done):
    """spawn target: add rank + 1 into a shared tensor's slot ``rank``."""
    shared[rank] += rank + 1
    done.put((rank, os.getpid(), shared.is_shared()))


def fail_on_rank(rank, bad_rank):
    if rank == bad_rank:
        raise ValueError(f"rank {rank} failed on purpose")


def exit_with(rank, code):
    os._exit(code)


def echo(inbox, outbox):
    """Receive tensors, change them in place, send them back (and a new one)."""
    while True:
        item = inbox.get()
        if item is None:
            break
        item.add_(1)
        outbox.put(item)
        outbox.put(cr.full((2,), 7.0))
    outbox.put("bye")


def hogwild_train(rank, model, steps, data):
    """Hogwild: SGD steps on a model whose parameters are shared with the parent."""
    cr.manual_seed(rank)
    opt = cr.optim.SGD(model.parameters(), lr=0.05)
    x, y = data
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()


def fill_segment(tensor, value):
    tensor.fill_(value)


def square(t):
    return t * t


def sleep_rank(rank, seconds):
    import time
    time.sleep(seconds)
