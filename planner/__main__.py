import gc
import os
import sys

# One command, then the process ends: its imports need the cycle collector no more than
# its work does (planner.collector), and its passes over them cost a cold 3,760-cell
# solve about 4 ms (measured).
gc.disable()

# NumPy comes in with highspy, and OpenBLAS starts a thread per core at import, which
# spins while this process works: on two shared cores, a third of the command's CPU
# time (measured at 3,760 cells: 0.34 s of CPU against 0.21 s). The planner uses NumPy
# for indexing only, never for linear algebra. A caller's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from planner import highs_process  # noqa: E402 - after the setting above: numpy reads it on import

# HiGHS and NumPy load in a child on the second core while this process reads the problem.
highs_process.start_for(sys.argv[1:])

try:
    from planner.cli import main

    code = main()
finally:
    highs_process.stop()
if "multiprocessing" in sys.modules:
    sys.exit(code)  # a selection: multiprocessing's exit handler sees its worker off
# The result is written and the output file closed: end the process without tearing
# down every module the interpreter loaded (NumPy's and HiGHS's included), which cost
# 20 ms of a 3,760-cell solve's 250 (measured). Only the standard streams need flushing.
try:
    sys.stdout.flush()
    sys.stderr.flush()
except OSError:
    sys.exit(code)  # e.g. a closed pipe: let the interpreter report it as it always has
os._exit(code)
