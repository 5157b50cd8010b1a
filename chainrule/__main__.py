"""``python -m chainrule``: the version, the backend and the optional packages found."""
from __future__ import annotations

import chainrule


def main() -> None:
    print(chainrule.__config__.show(), end="")


if __name__ == "__main__":
    main()
