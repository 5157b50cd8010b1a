"""Collection rules for the doctest run over chainrule/ (tests/conftest.py holds the
fixtures): modules that need an optional extra are skipped when it is not installed."""
import importlib.util

collect_ignore_glob = []
if importlib.util.find_spec("tensorboard") is None:  # the extra 'tensorboard'
    collect_ignore_glob.append("chainrule/utils/tensorboard/*")
