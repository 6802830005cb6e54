#!/usr/bin/env node
// A `solc`-compatible command line in front of solcjs (the npm package `solc`).
//
// No native solc can be downloaded on our machines, but the npm registry serves solcjs. ape-solidity (through
// py-solc-x) and slither (through crytic-compile) only need a small part of solc's command line, which this
// shim implements:
//
//   solc --version
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths A,B]   < input.json
//   solc --combined-json abi,bin,... [--evm-version V] [--optimize [--optimize-runs N]]
//        [--base-path P] [--include-path P]... [--allow-paths A,B] [prefix=target]... FILE...
//
// Anything else exits with status 2 and names the unsupported option. Output is written with a completion
// callback and the process ends on its own: calling process.exit() right after a large write truncates the
// JSON at the pipe's 64 KiB buffer.
"use strict";

const fs = require("fs");
const path = require("path");
const solc = require("solc");

const USAGE = `usage: solc --version
       solc --standard-json [--base-path P] [--include-path P]... [--allow-paths A,B] < input.json
       solc --combined-json FIELDS [--evm-version V] [--optimize] [--optimize-runs N]
            [--base-path P] [--include-path P]... [--allow-paths A,B] [prefix=target]... FILE...`;

// Fields of --combined-json and where each one lives in a standard-json contract output.
const COMBINED_FIELDS = {
  abi: { select: "abi", get: (c) => c.abi },
  bin: { select: "evm.bytecode.object", get: (c) => c.evm.bytecode.object },
  "bin-runtime": { select: "evm.deployedBytecode.object", get: (c) => c.evm.deployedBytecode.object },
  srcmap: { select: "evm.bytecode.sourceMap", get: (c) => c.evm.bytecode.sourceMap },
  "srcmap-runtime": { select: "evm.deployedBytecode.sourceMap", get: (c) => c.evm.deployedBytecode.sourceMap },
  hashes: { select: "evm.methodIdentifiers", get: (c) => c.evm.methodIdentifiers },
  userdoc: { select: "userdoc", get: (c) => c.userdoc },
  devdoc: { select: "devdoc", get: (c) => c.devdoc },
  metadata: { select: "metadata", get: (c) => c.metadata },
  "storage-layout": { select: "storageLayout", get: (c) => c.storageLayout },
};

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { mode: null, basePath: null, includePaths: [], remappings: [], files: [], fields: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`option ${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case "--version":
        opts.mode = "version";
        break;
      case "--standard-json":
        opts.mode = "standard-json";
        break;
      case "--combined-json":
        opts.mode = "combined-json";
        opts.fields = value().split(",").filter((f) => f && f !== "compact-format" && f !== "ast");
        opts.wantAst = true;
        break;
      case "--base-path":
        opts.basePath = value();
        break;
      case "--include-path":
        opts.includePaths.push(value());
        break;
      case "--allow-paths":
        value(); // solcjs reads through our callback, which is confined to the paths below anyway
        break;
      case "--evm-version":
        opts.evmVersion = value();
        break;
      case "--optimize":
        opts.optimize = true;
        break;
      case "--optimize-runs":
        opts.optimizeRuns = Number(value());
        break;
      case "--via-ir":
        opts.viaIR = true;
        break;
      case "--help":
      case "-h":
        opts.mode = "help";
        break;
      default:
        if (arg.startsWith("-")) throw new UsageError(`unsupported option ${arg} (this is a solcjs shim)`);
        if (arg.includes("=")) opts.remappings.push(arg);
        else opts.files.push(arg);
    }
  }
  return opts;
}

// solcjs asks for every import it cannot find in the input; look it up like solc does: the base path, then
// each include path, then the path as given.
function makeImportReader(opts) {
  const roots = [opts.basePath || process.cwd(), ...opts.includePaths];
  return (importPath) => {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.resolve(root, importPath)).concat([path.resolve(importPath)]);
    for (const candidate of candidates) {
      try {
        return { contents: fs.readFileSync(candidate, "utf8") };
      } catch (err) {
        if (err.code !== "ENOENT" && err.code !== "EISDIR") return { error: `${candidate}: ${err.message}` };
      }
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
  };
}

function compileStandard(input, opts) {
  return solc.compile(input, { import: makeImportReader(opts) });
}

function combinedJson(opts) {
  if (opts.files.length === 0) throw new UsageError("--combined-json needs at least one source file");
  for (const field of opts.fields) {
    if (!(field in COMBINED_FIELDS)) throw new UsageError(`unsupported --combined-json field ${field}`);
  }
  const root = opts.basePath || process.cwd();
  const sources = {};
  for (const file of opts.files) {
    sources[file] = { content: fs.readFileSync(path.resolve(root, file), "utf8") };
  }
  const settings = {
    remappings: opts.remappings,
    optimizer: { enabled: Boolean(opts.optimize), runs: opts.optimizeRuns || 200 },
    outputSelection: { "*": { "*": opts.fields.map((f) => COMBINED_FIELDS[f].select), "": ["ast"] } },
  };
  if (opts.evmVersion) settings.evmVersion = opts.evmVersion;
  if (opts.viaIR) settings.viaIR = true;
  const output = JSON.parse(compileStandard(JSON.stringify({ language: "Solidity", sources, settings }), opts));

  const errors = output.errors || [];
  for (const e of errors) process.stderr.write(`${e.formattedMessage || e.message}\n`);
  if (errors.some((e) => e.severity === "error")) return { status: 1, text: "" };

  const contracts = {};
  for (const [source, byName] of Object.entries(output.contracts || {})) {
    for (const [name, contract] of Object.entries(byName)) {
      const entry = {};
      for (const field of opts.fields) entry[field] = COMBINED_FIELDS[field].get(contract);
      contracts[`${source}:${name}`] = entry;
    }
  }
  const byId = Object.entries(output.sources || {}).sort((a, b) => a[1].id - b[1].id);
  const result = {
    contracts,
    sourceList: byId.map(([name]) => name),
    sources: Object.fromEntries(byId.map(([name, s]) => [name, { AST: s.ast, id: s.id }])),
    version: solc.version(),
  };
  return { status: 0, text: JSON.stringify(result) };
}

function readStdin() {
  return fs.readFileSync(0, "utf8");
}

function run(argv) {
  const opts = parseArgs(argv);
  switch (opts.mode) {
    case "version":
      return {
        status: 0,
        text: `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`,
      };
    case "help":
      return { status: 0, text: `${USAGE}\n` };
    case "standard-json":
      return { status: 0, text: `${compileStandard(readStdin(), opts)}\n` };
    case "combined-json":
      return combinedJson(opts);
    default:
      throw new UsageError("nothing to do");
  }
}

function main() {
  let result;
  try {
    result = run(process.argv.slice(2));
  } catch (err) {
    const usage = err instanceof UsageError;
    process.stderr.write(`solc-shim: ${err.message}\n${usage ? USAGE + "\n" : ""}`);
    process.exitCode = usage ? 2 : 1;
    return;
  }
  process.exitCode = result.status;
  if (result.text) process.stdout.write(result.text);
}

main();
