"""What there is to cover: the project's contracts compiled exactly as ape compiles them (ape-solidity's own standard
JSON input, through the solc shim) with the two outputs coverage needs and ape-solidity does not keep — the runtime
and creation source maps, and the AST — turned into per-contract maps from program counter to source range, and
per-file lists of statements, branches and functions.

ape-solidity 0.8.6 implements none of ape's coverage hooks (no PC map, no AST in its contract types), which is why
`ape test --coverage` found "no coverage data"; this module and `collector.py` supply the measurement.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COVERED_FOLDERS = ("contracts/", "contracts/libraries/")  # interfaces hold no code; OpenZeppelin is not ours
STATEMENTS = {
    "ExpressionStatement", "VariableDeclarationStatement", "Return", "EmitStatement", "RevertStatement",
    "IfStatement", "ForStatement", "WhileStatement", "DoWhileStatement", "Break", "Continue", "InlineAssembly",
    "TryStatement",
}  # fmt: skip
COMPOUND = {"IfStatement", "ForStatement", "WhileStatement", "DoWhileStatement", "TryStatement"}
PUSH1, PUSH32, JUMPI = 0x60, 0x7F, 0x57


@dataclass(frozen=True)
class Range:
    file: int
    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length

    def within(self, other: Range) -> bool:
        return self.file == other.file and other.start <= self.start and self.end <= other.end


@dataclass(eq=False)  # identity: statements are counted in sets
class Statement:
    source: str  # source id, e.g. contracts/OrderBook.sol
    range: Range
    kind: str
    line: int
    function: str
    hits: int = 0
    has_code: bool = False  # False: the optimizer left it no instruction of its own (shared code): not measurable


@dataclass(eq=False)
class Branch:
    """An `if` or a `?:`: its decision jump (a JUMPI the compiler maps to the whole statement) either jumps or falls
    through; each way is a branch."""

    source: str
    range: Range
    line: int
    function: str
    outcomes: set[bool] = field(default_factory=set)  # True: the decision jump jumped


@dataclass(eq=False)
class Function:
    source: str
    name: str  # Contract.function
    range: Range
    line: int
    hits: int = 0


@dataclass(frozen=True)
class CodeMap:
    """One contract's bytecode (runtime or creation): instruction ranges by program counter."""

    code: bytes
    ranges: dict[int, Range]  # pc → source range of the instruction (only instructions mapped to a source)
    jumps: frozenset[int]  # pcs of JUMPI instructions
    pcs: tuple[int, ...] = ()  # every instruction's pc, in code order
    position: dict[int, int] = field(default_factory=dict)  # pc → its index in `pcs`

    def following(self, pc: int, count: int) -> tuple[int, ...]:
        """The pcs of the `count` instructions from `pc` on, in code order."""
        at = self.position.get(pc)
        return () if at is None else self.pcs[at : at + count]


@dataclass
class SourceIndex:
    sources: dict[int, str]  # file index (source maps) → source id
    texts: dict[str, str]
    runtime: dict[str, CodeMap]  # contract name → map
    creation: dict[str, CodeMap]
    statements: list[Statement]
    branches: list[Branch]
    functions: list[Function]

    def created(self, data: bytes) -> str | None:
        """The contract a deployment's data creates (its creation code, then constructor arguments)."""
        for name, mapped in self.creation.items():
            if mapped.code and data.startswith(mapped.code):
                return name
        return None

    def innermost(self, where: Range) -> Statement | None:
        """The smallest statement of a covered file whose source range holds `where`."""
        if not self.covered_file(where.file):
            return None
        inner = [s for s in self.statements if where.within(s.range)]
        return min(inner, key=lambda s: s.range.length) if inner else None

    def covered_file(self, file: int) -> str | None:
        source = self.sources.get(file)
        return source if source in self.texts else None


# ---------------------------------------------------------------------------------------------- building


def build_index(project: Any, compiler: Any, shim: Path) -> SourceIndex:
    """Compiles the project's contracts with ape-solidity's standard input (same settings, so the same bytecode)
    plus source maps and ASTs, and indexes what there is to cover."""
    folder = project.contracts_folder
    paths = sorted(
        p for p in folder.rglob("*.sol") if not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    inputs = compiler.get_standard_input_json(paths, project=project)
    ((_version, standard),) = inputs.items()
    standard["settings"]["outputSelection"] = {
        "*": {"*": ["evm.bytecode.object", "evm.bytecode.sourceMap", "evm.deployedBytecode.object",
                    "evm.deployedBytecode.sourceMap"], "": ["ast"]},
    }  # fmt: skip
    done = subprocess.run(
        [str(shim), "--standard-json", "--base-path", str(project.path)],
        input=json.dumps(standard), capture_output=True, text=True, check=True, cwd=project.path,
    )  # fmt: skip
    output = json.loads(done.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError(f"coverage compile failed: {errors[0].get('formattedMessage')}")
    sources = {int(data["id"]): source_id for source_id, data in output["sources"].items()}
    texts = {
        source_id: (project.path / source_id).read_text()
        for source_id in output["sources"]
        if source_id.startswith(COVERED_FOLDERS) and source_id.count("/") <= 2 and "/interfaces/" not in source_id
    }
    runtime, creation = {}, {}
    for contracts in output["contracts"].values():
        for name, data in contracts.items():
            evm = data["evm"]
            if evm["deployedBytecode"]["object"]:
                runtime[name] = code_map(evm["deployedBytecode"]["object"], evm["deployedBytecode"]["sourceMap"])
                creation[name] = code_map(evm["bytecode"]["object"], evm["bytecode"]["sourceMap"])
    index = SourceIndex(sources, texts, runtime, creation, [], [], [])
    for source_id, text in texts.items():
        _walk(index, source_id, text, output["sources"][source_id]["ast"])
    for mapped in [*runtime.values(), *creation.values()]:
        for where in set(mapped.ranges.values()):
            if (statement := index.innermost(where)) is not None:
                statement.has_code = True
    return index


def code_map(bytecode: str, source_map: str) -> CodeMap:
    code = bytes.fromhex(bytecode.removeprefix("0x"))
    pcs = list(_instructions(code))
    ranges: dict[int, Range] = {}
    jumps = set()
    entry = ["0", "0", "-1", "-", "0"]
    for (pc, op), item in zip(pcs, source_map.split(";"), strict=False):
        for i, part in enumerate(item.split(":")):
            if part:
                entry[i] = part
        if int(entry[2]) >= 0:
            ranges[pc] = Range(int(entry[2]), int(entry[0]), int(entry[1]))
        if op == JUMPI:
            jumps.add(pc)
    order = tuple(pc for pc, _op in pcs)
    return CodeMap(code, ranges, frozenset(jumps), order, {pc: i for i, pc in enumerate(order)})


def _instructions(code: bytes) -> Iterator[tuple[int, int]]:
    pc = 0
    while pc < len(code):
        op = code[pc]
        yield pc, op
        pc += 1 + (op - PUSH1 + 1 if PUSH1 <= op <= PUSH32 else 0)


def _range(src: str) -> Range:
    start, length, file = (int(x) for x in src.split(":"))
    return Range(file, start, length)


def _walk(index: SourceIndex, source_id: str, text: str, node: Any, contract: str = "", function: str = "") -> None:
    if isinstance(node, list):
        for child in node:
            _walk(index, source_id, text, child, contract, function)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("nodeType")
    if kind == "ContractDefinition":
        contract = node["name"]
    elif kind in ("FunctionDefinition", "ModifierDefinition") and node.get("body"):
        name = node.get("name") or node.get("kind", "")  # constructor, receive, fallback have no name
        function = f"{contract}.{name}"
        where = _range(node["src"])
        index.functions.append(Function(source_id, function, where, _line(text, where.start)))
    if kind in STATEMENTS and function:
        where = _range(node["src"])
        index.statements.append(Statement(source_id, where, kind, _line(text, where.start), function))
    if kind in ("IfStatement", "Conditional") and function:
        where = _range(node["src"])
        index.branches.append(Branch(source_id, where, _line(text, where.start), function))
    for key, value in node.items():
        if key != "nodeType" and isinstance(value, dict | list):
            _walk(index, source_id, text, value, contract, function)


def _line(text: str, offset: int) -> int:
    return text.encode()[:offset].count(b"\n") + 1
