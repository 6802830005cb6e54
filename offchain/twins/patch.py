"""JSON Patch (RFC 6902) for twin versions: parse, apply (never in place), diff, summarise."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import jsonpointer

from offchain.exceptions import PatchError

OPS = {"add", "remove", "replace", "move", "copy", "test"}
MAX_OPERATIONS = 1000


def parse_patch(value: Any) -> list[dict[str, Any]]:
    """Checks that `value` is an RFC 6902 patch: a non-empty list of operations, each with a known `op`, a JSON
    Pointer `path`, and `value` / `from` where the op needs them. Raises PatchError naming the bad operation."""
    if not isinstance(value, list):
        raise PatchError(f"a JSON Patch is a list of operations, not {type(value).__name__}")
    if not value:
        raise PatchError("the patch is empty: nothing to change")
    if len(value) > MAX_OPERATIONS:
        raise PatchError(f"the patch has {len(value)} operations, over the limit of {MAX_OPERATIONS}")
    for index, op in enumerate(value):
        where = f"operation {index}"
        if not isinstance(op, dict):
            raise PatchError(f"{where} is not an object")
        if op.get("op") not in OPS:
            raise PatchError(f"{where}: 'op' must be one of {', '.join(sorted(OPS))}; got {op.get('op')!r}")
        for key in ("path", *(("from",) if op["op"] in ("move", "copy") else ())):
            if not isinstance(op.get(key), str) or (op[key] and not op[key].startswith("/")):
                raise PatchError(f"{where}: {key!r} must be a JSON Pointer such as '/status'; got {op.get(key)!r}")
        if op["op"] in ("add", "replace", "test") and "value" not in op:
            raise PatchError(f"{where}: a {op['op']!r} operation needs a 'value'")
    return value


def apply_patch(document: Any, patch: list[dict[str, Any]]) -> Any:
    """The document after the patch (the input is not modified). PatchError when an operation does not apply."""
    try:
        return jsonpatch.JsonPatch(parse_patch(patch)).apply(copy.deepcopy(document), in_place=True)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as err:
        raise PatchError(f"the patch does not apply: {err}") from err
    except (KeyError, IndexError, TypeError, ValueError) as err:
        raise PatchError(f"the patch does not apply: {err.__class__.__name__}: {err}") from err


def diff(old: Any, new: Any) -> list[dict[str, Any]]:
    """A patch that turns `old` into `new` (for whole-document edits)."""
    return list(jsonpatch.make_patch(old, new).patch)


def summarise(patch: list[dict[str, Any]], limit: int = 3) -> str:
    """'replace /status, add /materials/- (+2 more)'."""
    parts = [f"{op.get('op')} {op.get('path')}" for op in patch[:limit]]
    more = f" (+{len(patch) - limit} more)" if len(patch) > limit else ""
    return ", ".join(parts) + more
