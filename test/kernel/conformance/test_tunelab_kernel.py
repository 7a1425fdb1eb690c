"""Jupyter's kernel conformance suite (jupyter_kernel_test) run against the tunelab kernel.

The suite skips a test whose sample attribute is left empty; the only one left empty here is
`code_page_something`: the pager payload is IPython's `?`/`%page` machinery, which TypeScript has no
syntax for (inspection is answered by inspect_request instead, tested through code_inspect_sample).
The suite's other class, IopubWelcomeTests, checks the `iopub_welcome` message of messaging protocol
5.4 (an XPUB iopub socket); the tunelab kernel speaks 5.3, so it is not subclassed here.

Run with the kernelspec installed where JUPYTER_PATH points:
    python -m unittest -v test_tunelab_kernel
"""
import unittest

import jupyter_kernel_test


class TunelabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "tunelab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world");'
    code_stderr = 'console.error("something went wrong");'

    # Completion through TypeScript's language service: members of standard objects and of a value
    # declared in the same code. (TypeScript also offers case-insensitive matches: "Math.SQRT" gives
    # sqrt as well, so the prefixes are chosen to have one reading.)
    completion_samples = [
        {"text": "Math.SQRT1", "matches": {"SQRT1_2"}},
        {"text": "Number.isSafe", "matches": {"isSafeInteger"}},
        {"text": "JSON.str", "matches": {"stringify"}},
        {"text": "const completeMe = [1, 2];\ncompleteMe.fil", "matches": {"fill", "filter"}},
    ]

    complete_code_samples = ["1 + 1", "const x: number = 1;", "function f(a: number) {\n  return a;\n}", ""]
    incomplete_code_samples = ["function f(a: number) {", "const list = [1,", "if (true) {\n  console.log(1);"]
    invalid_code_samples = ["const = 1;", "1 +* 2;", "let x: number = ];"]

    code_generate_error = 'throw new Error("generated error");'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "'hel' + 'lo'", "result": "'hello'"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": "({ 'text/html': '<b>bold</b>' })", "mime": "text/html", "result": "<b>bold</b>"},
    ]

    code_display_data = [
        {"code": "display({ 'text/html': '<i>shown</i>' });", "mime": "text/html"},
        {"code": "display('plain text');", "mime": "text/plain"},
    ]

    # Matches "6 * 7" only (a glob over whole inputs, as IPython's history search).
    code_history_pattern = "6 ? 7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = "clearOutput();"


if __name__ == "__main__":
    unittest.main()
