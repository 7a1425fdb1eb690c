"""papermill parameters for TypeScript notebooks.

papermill writes the injected-parameters cell through a translator chosen by kernel name or
notebook language, and ships none for TypeScript: without this package `papermill -k tunelab`
fails with "No parameter translator functions specified for kernel 'tunelab' or language
'typescript'". Installing it registers `TypeScriptTranslator` for the language "typescript" (the
tunelab kernelspec's, also tslab's) and the kernel name "tunelab".

Parameters become `let` declarations, as `tunelab run --param` writes them, so they replace the
declarations of the cell tagged "parameters" (`const FULL = false;`) for the cells after it:

    // Parameters
    let FULL = true;
    let name = "run \\"A\\"";
    let grid = {"lr": [0.1, 0.01], "layers": null};

Values are the JSON papermill holds (from -p, -y, -f or the Python API), written as TypeScript
literals: strings, numbers (NaN and Infinity included), booleans, null, arrays and objects.
"""
import json
import math
import re

from papermill.engines import NBClientEngine
from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

__all__ = ["TypeScriptTranslator", "TunelabEngine"]

_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")
# A declaration in a parameters cell: `const NAME: TYPE = VALUE; // help`
_DECLARATION = re.compile(
    r"^\s*(?:export\s+)?(?:const|let|var)\s+(?P<target>[A-Za-z_$][\w$]*)\s*"
    r"(?::\s*(?P<annotation>[^=]+?))?\s*=\s*(?P<value>.*?)\s*;?\s*(?://\s*(?P<help>.*))?$"
)


class TypeScriptTranslator(Translator):
    """papermill parameters as TypeScript `let` declarations."""

    @classmethod
    def translate(cls, val):
        if isinstance(val, float) and not math.isfinite(val):
            return "NaN" if math.isnan(val) else ("Infinity" if val > 0 else "-Infinity")
        try:
            # JSON is a TypeScript literal; json.dumps also writes NaN/Infinity inside containers as
            # the JavaScript globals of those names. ensure_ascii keeps the cell plain ASCII.
            return json.dumps(val)
        except (TypeError, ValueError):
            # Not JSON (e.g. a date parsed from YAML): its text, as a string.
            return json.dumps(str(val))

    @classmethod
    def comment(cls, cmt_str):
        return f"// {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        if not _IDENTIFIER.match(name):
            raise PapermillException(
                f"parameter name {name!r} is not a TypeScript identifier (letters, digits, _ and $, "
                "not starting with a digit): rename it in the command or the parameters file"
            )
        return f"let {name} = {str_val};"

    @classmethod
    def inspect(cls, parameters_cell):
        """The declarations of a parameters cell, for `papermill --help-notebook`."""
        params = []
        for line in parameters_cell.source.splitlines():
            match = _DECLARATION.match(line)
            if not match:
                continue
            annotation = (match.group("annotation") or "").strip()
            params.append(
                Parameter(
                    name=match.group("target"),
                    inferred_type_name=annotation or "None",
                    default=match.group("value"),
                    help=(match.group("help") or "").strip(),
                )
            )
        return params


class TunelabEngine(NBClientEngine):
    """papermill's default nbclient engine, under the name "tunelab" (`--engine tunelab` is optional)."""


papermill_translators.register("typescript", TypeScriptTranslator)
papermill_translators.register("tunelab", TypeScriptTranslator)
