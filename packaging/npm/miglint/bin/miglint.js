#!/usr/bin/env node
// The `miglint` command of the npm package `miglint`. The binary itself is in a package per platform
// (`@miglint/cli-<os>-<cpu>`), each an optional dependency of this one whose `os` and `cpu` fields let npm
// install only the one that fits: no install script, nothing downloaded at install or at run time. This
// file finds that binary and runs it, passing the arguments, the standard streams and the exit status
// through. MIGLINT_BINARY, when set, names the binary to run instead (a build of your own, or a platform
// the packages do not cover).
"use strict";

const { spawnSync } = require("node:child_process");
const { constants } = require("node:os");

// `<process.platform>-<process.arch>` -> the release target whose binary the platform package holds
// (docs/distribution.md). packaging/npm/build.js makes the platform packages from this same list.
const PLATFORMS = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
};

// What miglint exits with when it cannot do its job (as the binary itself does).
const CANNOT_RUN = 2;

/** The platform package's name and the binary's path inside it, for `platform` and `arch`. */
function platformPackage(platform, arch) {
  const name = `@miglint/cli-${platform}-${arch}`;
  return { name, binary: `${name}/bin/miglint${platform === "win32" ? ".exe" : ""}` };
}

function otherWays(version) {
  return [
    "Other ways to install miglint:",
    "  pip install miglint          (or: pipx run miglint, uvx miglint)",
    "  cargo binstall miglint",
    `  the release archives         https://github.com/miglint/miglint/releases/tag/v${version}`,
    "Or set MIGLINT_BINARY to the path of a miglint binary, and this command runs that one.",
  ];
}

function fail(lines) {
  process.stderr.write(`${lines.join("\n")}\n`);
  process.exit(CANNOT_RUN);
}

/** The binary to run: MIGLINT_BINARY, else the installed platform package's. */
function binaryPath() {
  if (process.env.MIGLINT_BINARY) {
    return process.env.MIGLINT_BINARY;
  }
  const { version } = require("../package.json");
  const key = `${process.platform}-${process.arch}`;
  if (!(key in PLATFORMS)) {
    fail([
      `miglint: the npm package has no prebuilt binary for ${process.platform} ${process.arch}.`,
      `It has binaries for: ${Object.keys(PLATFORMS).join(", ")}.`,
      "  cargo install miglint --locked    builds it from source (needs a C compiler and libclang)",
      ...otherWays(version),
    ]);
  }
  const { name, binary } = platformPackage(process.platform, process.arch);
  try {
    return require.resolve(binary);
  } catch {
    fail([
      `miglint: the package ${name}, which holds the miglint binary for ${process.platform} ${process.arch}, is not installed.`,
      "npm installs it as an optional dependency of miglint, so it is missing when optional dependencies were",
      "skipped: `npm install --no-optional` or `--omit=optional`, `omit=optional` in .npmrc or NPM_CONFIG_OMIT,",
      "or a package-lock.json written on another platform that left this one's package out (remove it and",
      "node_modules, then install again). Install again with optional dependencies, or add the package itself:",
      `  npm install --save-dev ${name}@${version}`,
      ...otherWays(version),
    ]);
  }
  return undefined; // not reached: fail() exits
}

function run() {
  const binary = binaryPath();
  const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
  if (result.error) {
    const from = process.env.MIGLINT_BINARY ? " (named by MIGLINT_BINARY)" : "";
    const why = { ENOENT: "no such file", EACCES: "not executable" }[result.error.code] || result.error.message;
    fail([`miglint: could not run ${binary}${from}: ${why}`]);
  }
  if (result.signal) {
    // Die of the same signal, so that whoever runs this (a shell, make, a CI runner) sees what happened to
    // miglint; where that signal does not end this process (ignored, as Node ignores SIGPIPE), exit the
    // way a shell reports it.
    process.kill(process.pid, result.signal);
    process.exit(128 + (constants.signals[result.signal] || 0));
  }
  process.exit(result.status);
}

if (require.main === module) {
  run();
}

module.exports = { PLATFORMS, platformPackage };
