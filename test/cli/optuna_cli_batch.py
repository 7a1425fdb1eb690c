"""Run several `optuna` CLI commands in one interpreter (Optuna's own `optuna.cli.main`), so a test
can compare many outputs without paying Python's start-up for each.

stdin: a JSON list of argument lists (without the leading `optuna`).
stdout: a JSON list of {"code": exit status, "stdout": what the command printed}.
"""
import contextlib
import io
import json
import logging
import sys
import warnings

import optuna.cli

warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.WARNING)
# `_Studies` appends ("user_attrs", "") to a class attribute on every call that sees user
# attributes: restore the header between commands, as separate processes would start afresh.
STUDIES_HEADER = list(optuna.cli._Studies._study_list_header)

results = []
for argv in json.load(sys.stdin):
    optuna.cli._Studies._study_list_header = list(STUDIES_HEADER)
    logging.getLogger().handlers.clear()
    out = io.StringIO()
    sys.argv = ["optuna", *argv]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            code = optuna.cli.main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except Exception:  # Optuna lets errors such as DuplicatedStudyError escape: exit status 1
            code = 1
    results.append({"code": code, "stdout": out.getvalue()})
print(json.dumps(results))
