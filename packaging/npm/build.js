#!/usr/bin/env node
// Makes the npm packages of a release, ready for `npm pack` or `npm publish`:
//
//   node packaging/npm/build.js VERSION BINARIES_DIR OUT_DIR [TARGET...]
//
// VERSION       the release's version (Cargo.toml's, without the tag's `v`): it becomes the version of every
//               package and the exact version the main package requires of each platform package.
// BINARIES_DIR  a folder holding the release archives unpacked, one folder per target as each archive holds
//               it: BINARIES_DIR/miglint-<target>/miglint (miglint.exe for Windows). For example:
//                 for a in dist/miglint-*.tar.gz; do tar -xzf "$a" -C dist; done
//                 unzip -q dist/miglint-x86_64-pc-windows-msvc.zip -d dist
// OUT_DIR       where the packages are written (emptied first): OUT_DIR/miglint (the main package) and
//               OUT_DIR/cli-<os>-<cpu> (the package `@miglint/cli-<os>-<cpu>`) per platform.
// TARGET...     the targets to make platform packages for; by default all five of a release (an error if one
//               of their binaries is missing). The main package always requires all five.
//
// Publish the platform packages before the main package, so that the versions the main one requires exist
// the moment it does:
//   for p in OUT_DIR/cli-*; do npm publish --provenance "$p"; done && npm publish --provenance OUT_DIR/miglint
//
// The main package is packaging/npm/miglint with its version and optionalDependencies set here; the platform
// packages are generated whole: nothing of them is kept by hand. Each binary's header is checked against its
// target (format and CPU), so a binary cannot land in another platform's package.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { PLATFORMS, platformPackage } = require("./miglint/bin/miglint.js");

const REPOSITORY = "https://github.com/miglint/miglint";

function usage(message) {
  process.stderr.write(`build.js: ${message}\nusage: node packaging/npm/build.js VERSION BINARIES_DIR OUT_DIR [TARGET...]\n`);
  process.exit(2);
}

/** The format and CPU a binary's header says it is for, as `<format>-<cpu>`, or undefined. */
function binaryKind(file) {
  const header = Buffer.alloc(4096);
  const fd = fs.openSync(file, "r");
  const length = fs.readSync(fd, header, 0, header.length, 0);
  fs.closeSync(fd);
  const bytes = header.subarray(0, length);
  if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
    // ELF, little-endian (EI_DATA 1): e_machine at 18.
    const machine = { 62: "x64", 183: "arm64" }[bytes.readUInt16LE(18)];
    return machine && `elf-${machine}`;
  }
  if (bytes.length >= 8 && bytes.readUInt32LE(0) === 0xfeedfacf) {
    // 64-bit Mach-O: cputype after the magic.
    const cpu = { 0x01000007: "x64", 0x0100000c: "arm64" }[bytes.readUInt32LE(4)];
    return cpu && `macho-${cpu}`;
  }
  if (bytes.length >= 0x40 && bytes.toString("latin1", 0, 2) === "MZ") {
    // PE: the offset of "PE\0\0" at 0x3c, the machine right after it.
    const pe = bytes.readUInt32LE(0x3c);
    if (pe + 6 <= bytes.length && bytes.readUInt32LE(pe) === 0x00004550) {
      const machine = { 0x8664: "x64", 0xaa64: "arm64" }[bytes.readUInt16LE(pe + 4)];
      return machine && `pe-${machine}`;
    }
  }
  return undefined;
}

const FORMATS = { linux: "elf", darwin: "macho", win32: "pe" };

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

// The licence files at the repository's root (LICENSE-MIT, LICENSE-APACHE), shipped in every package.
const ROOT = path.join(__dirname, "..", "..");
const LICENCES = fs.readdirSync(ROOT).filter((name) => /^LICEN[CS]E/i.test(name)).sort();

function copyLicences(dir) {
  for (const name of LICENCES) {
    fs.copyFileSync(path.join(ROOT, name), path.join(dir, name));
  }
}

function main(args) {
  const [version, binariesDir, outDir, ...requested] = args;
  if (!version || !binariesDir || !outDir) {
    usage("VERSION, BINARIES_DIR and OUT_DIR are required");
  }
  // A semantic version, as npm requires (a leading `v` is the tag's, not the version's).
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)) {
    usage(`${JSON.stringify(version)} is not a version like 1.2.3`);
  }
  const byTarget = Object.fromEntries(Object.entries(PLATFORMS).map(([key, target]) => [target, key]));
  const targets = requested.length > 0 ? requested : Object.values(PLATFORMS);
  for (const target of targets) {
    if (!(target in byTarget)) {
      usage(`unknown target ${target} (known: ${Object.values(PLATFORMS).join(", ")})`);
    }
  }

  // Every binary is checked before anything is written: a failed run leaves no half-made packages.
  const sources = targets.map((target) => {
    const [platform, arch] = byTarget[target].split("-");
    const exe = platform === "win32" ? ".exe" : "";
    const source = path.join(binariesDir, `miglint-${target}`, `miglint${exe}`);
    if (!fs.existsSync(source)) {
      usage(`no binary for ${target}: ${source} does not exist`);
    }
    const kind = binaryKind(source);
    const expected = `${FORMATS[platform]}-${arch}`;
    if (kind !== expected) {
      usage(`${source}: its header says ${kind || "neither ELF, Mach-O nor PE"}, ${target} needs ${expected}`);
    }
    return { target, platform, arch, exe, source };
  });

  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  for (const { target, platform, arch, exe, source } of sources) {
    const { name } = platformPackage(platform, arch);
    const dir = path.join(outDir, `cli-${platform}-${arch}`);
    fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
    const binary = path.join(dir, "bin", `miglint${exe}`);
    fs.copyFileSync(source, binary);
    // npm keeps a file's mode in the tarball and on install: the binary must be executable as packed.
    fs.chmodSync(binary, 0o755);
    writeJson(path.join(dir, "package.json"), {
      name,
      version,
      description: `The miglint binary for ${platform} ${arch} (${target}), installed by the miglint package`,
      homepage: `${REPOSITORY}#readme`,
      repository: { type: "git", url: `git+${REPOSITORY}.git`, directory: "packaging/npm" },
      license: "MIT OR Apache-2.0",
      // npm installs the package only where these match. No `libc` field: the Linux binaries are static
      // (musl), so they run on glibc and musl systems alike.
      os: [platform],
      cpu: [arch],
      files: [`bin/miglint${exe}`, ...LICENCES],
      // Yarn's Plug'n'Play must unpack it: a binary is run from the disk, not read from a zip.
      preferUnplugged: true,
      // A scoped package is published private unless told otherwise.
      publishConfig: { access: "public" },
    });
    copyLicences(dir);
    fs.writeFileSync(
      path.join(dir, "README.md"),
      `# ${name}\n\nThe \`miglint\` binary for ${platform} ${arch} (\`${target}\`). Install [\`miglint\`](https://www.npmjs.com/package/miglint) instead: it depends on this package where it fits and runs the binary.\n`,
    );
  }

  const main = path.join(__dirname, "miglint");
  const mainOut = path.join(outDir, "miglint");
  fs.cpSync(main, mainOut, { recursive: true });
  copyLicences(mainOut);
  const manifest = JSON.parse(fs.readFileSync(path.join(main, "package.json"), "utf8"));
  manifest.version = version;
  manifest.optionalDependencies = Object.fromEntries(
    Object.keys(PLATFORMS)
      .map((key) => [platformPackage(...key.split("-")).name, version])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  writeJson(path.join(mainOut, "package.json"), manifest);

  const made = [mainOut, ...targets.map((t) => path.join(outDir, `cli-${byTarget[t]}`))];
  process.stdout.write(`${made.map((dir) => `${dir}\n`).join("")}`);
}

main(process.argv.slice(2));
