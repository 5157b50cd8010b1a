"""torch.utils.benchmark: Timer, Measurement and Compare for timing Python statements."""
from ._common import Measurement, TaskSpec, select_unit
from ._compare import Compare
from ._timer import Language, Timer

__all__ = ["Timer", "Measurement", "TaskSpec", "Compare", "Language", "select_unit"]
