"""`python -m repolora_trainer ...`"""

import os

# Must happen before torch loads OpenMP. With the default (spinning) wait policy, a 2-thread step stalled
# 3-10x whenever another process held a core (editor, runtime server, CI); sleeping waiters avoid it.
# Measured in docs/decisions/2026-11-23-trainer-cpu-precision.md. An explicit setting is respected.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .cli import main

raise SystemExit(main())
