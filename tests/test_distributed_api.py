"""chainrule.distributed's API against torch.distributed's, without starting MPI: names,
signatures, constants, and the errors raised before a process group exists."""
import inspect
from datetime import timedelta

import pytest

import chainrule.distributed as dist

FUNCTIONS = [
    "init_process_group", "destroy_process_group", "new_group", "is_initialized",
    "is_available", "get_rank", "get_world_size", "get_backend", "get_process_group_ranks",
    "get_group_rank", "get_global_rank", "all_reduce", "all_reduce_coalesced", "broadcast",
    "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter",
    "reduce_scatter_tensor", "gather", "scatter", "all_to_all", "all_to_all_single",
    "barrier", "monitored_barrier", "send", "recv", "isend", "irecv", "batch_isend_irecv",
    "broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list",
    "send_object_list", "recv_object_list", "is_mpi_available", "is_nccl_available",
    "is_gloo_available", "is_torchelastic_launched", "get_node_local_rank",
    "supports_complex", "get_pg_count", "get_default_backend_for_device", "new_subgroups",
    "new_subgroups_by_enumeration",
]


@pytest.fixture
def tdist(torch):
    import torch.distributed as tdist
    return tdist


@pytest.mark.parametrize("name", FUNCTIONS)
def test_signature_is_torchs(tdist, name):
    ours = inspect.signature(getattr(dist, name)).parameters
    theirs = inspect.signature(getattr(tdist, name)).parameters
    assert list(ours) == list(theirs)
    for key, param in theirs.items():
        default = param.default
        if isinstance(default, tdist.ReduceOp.RedOpType):
            assert ours[key].default.name == default.name, key
        elif default is inspect.Parameter.empty or isinstance(default, (int, str, bool,
                                                                          type(None))):
            assert ours[key].default == default, key


def test_constants_match_torch(tdist):
    assert dist.GroupMember.NON_GROUP_MEMBER == tdist.GroupMember.NON_GROUP_MEMBER
    assert dist.default_pg_timeout == tdist.default_pg_timeout == timedelta(minutes=30)
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
        ours, theirs = getattr(dist.ReduceOp, name), getattr(tdist.ReduceOp, name)
        assert str(ours) == str(theirs) and repr(ours) == repr(theirs)
    for name in ("MPI", "GLOO", "NCCL", "UNDEFINED"):
        assert getattr(dist.Backend, name) == getattr(tdist.Backend, name)
    assert dist.Backend("MPI") == tdist.Backend("MPI") == "mpi"
    assert issubclass(dist.DistBackendError, dist.DistError)
    assert issubclass(dist.DistError, RuntimeError)
    assert dist.is_nccl_available() is tdist.is_nccl_available() is False
    assert dist.timedelta is tdist.timedelta
    for op in ("SUM", "AVG", "MAX", "MIN", "PRODUCT", "BAND"):
        assert dist.supports_complex(getattr(dist.ReduceOp, op)) == tdist.supports_complex(
            getattr(tdist.ReduceOp, op))


def test_before_init_errors_match_torch(tdist):
    assert dist.is_initialized() is False and dist.group.WORLD is None
    for fn_name in ("get_rank", "get_world_size"):
        with pytest.raises(ValueError) as theirs:
            getattr(tdist, fn_name)()
        with pytest.raises(ValueError) as ours:
            getattr(dist, fn_name)()
        assert str(ours.value) == str(theirs.value)
    assert dist.get_rank(dist.GroupMember.NON_GROUP_MEMBER) == -1


def test_bad_arguments_raise_before_mpi_starts():
    with pytest.raises(TypeError, match="datetime.timedelta"):
        dist.init_process_group("mpi", timeout=5)
    with pytest.raises(RuntimeError, match="NCCL"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.init_process_group("bogus")
    with pytest.raises(TypeError, match="Expected parameter `tensor` of type torch.Tensor"):
        dist.all_reduce([1.0, 2.0])
