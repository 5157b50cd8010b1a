"""The generated pages stay current."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ops_page_is_current():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_ops_doc.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr + "\n(run: python tools/gen_ops_doc.py)"
