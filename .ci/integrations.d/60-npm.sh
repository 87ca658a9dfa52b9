# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work and release_bin come from there.
# --- npm --------------------------------------------------------------------------------------------------
# The npm packages as a release makes them (packaging/npm/build.js from the static Linux binary), packed by
# `npm pack` and installed from the tarballs with no registry reachable: the registry does not have these
# packages, and the test must not depend on it. An `overrides` entry points the main package's optional
# dependency at the local tarball, so npm installs it as that optional dependency, as from the registry.
npm_checks() {
  local npm_dir=$work/npm version packages tarballs main_tgz platform_tgz
  version=$release_version
  packages=$npm_dir/packages
  tarballs=$npm_dir/tarballs
  mkdir -p "$npm_dir/binaries/miglint-x86_64-unknown-linux-musl" "$tarballs"
  cp "$release_bin" "$npm_dir/binaries/miglint-x86_64-unknown-linux-musl/miglint"

  # No user or global npmrc, no cache but this one, a registry that refuses connections, and --offline:
  # whatever is not in the tarballs cannot be fetched.
  : >"$npm_dir/user-npmrc"
  : >"$npm_dir/global-npmrc"
  export NPM_CONFIG_USERCONFIG=$npm_dir/user-npmrc NPM_CONFIG_GLOBALCONFIG=$npm_dir/global-npmrc
  export NPM_CONFIG_CACHE=$npm_dir/cache NPM_CONFIG_REGISTRY=http://127.0.0.1:9/ NPM_CONFIG_OFFLINE=true
  export NPM_CONFIG_AUDIT=false NPM_CONFIG_FUND=false NPM_CONFIG_UPDATE_NOTIFIER=false

  check "npm: build.js makes the main package and the linux-x64 one from the release binary" \
    node packaging/npm/build.js "$version" "$npm_dir/binaries" "$packages" x86_64-unknown-linux-musl
  # The main package in the repository is what build.js makes of it for Cargo.toml's version: its version
  # and the versions it requires of the platform packages are in step with the crate's.
  check "npm: packaging/npm/miglint/package.json has Cargo.toml's version, pinned for every platform" \
    diff packaging/npm/miglint/package.json "$packages/miglint/package.json"
  wrong_binary() {
    mkdir -p "$npm_dir/wrong/miglint-aarch64-unknown-linux-musl"
    cp "$release_bin" "$npm_dir/wrong/miglint-aarch64-unknown-linux-musl/miglint"
    exits_with 2 node packaging/npm/build.js "$version" "$npm_dir/wrong" "$npm_dir/wrong-out" \
      aarch64-unknown-linux-musl 2>&1 | tee "$npm_dir/wrong.out" &&
      grep -q 'its header says elf-x64, aarch64-unknown-linux-musl needs elf-arm64' "$npm_dir/wrong.out" &&
      [ ! -e "$npm_dir/wrong-out" ]
  }
  check "npm: build.js refuses an x86_64 binary for linux-arm64 and writes nothing" wrong_binary

  # A release's run makes all five packages. Headers alone stand in for the other targets' binaries: ELF for
  # aarch64 (e_machine 183), 64-bit Mach-O for x86_64 and arm64 (cputype 0x01000007, 0x0100000c), and PE for
  # x86_64 (machine 0x8664 after the "PE" signature that offset 0x3c points at).
  all_targets() {
    local dir=$npm_dir/all-binaries out=$npm_dir/all-packages
    mkdir -p "$dir"/miglint-{aarch64-unknown-linux-musl,x86_64-apple-darwin,aarch64-apple-darwin,x86_64-pc-windows-msvc}
    cp -r "$npm_dir/binaries/miglint-x86_64-unknown-linux-musl" "$dir/"
    { printf '\177ELF\2\1\1'; head -c 11 /dev/zero; printf '\267\0'; } >"$dir/miglint-aarch64-unknown-linux-musl/miglint"
    printf '\317\372\355\376\7\0\0\1' >"$dir/miglint-x86_64-apple-darwin/miglint"
    printf '\317\372\355\376\14\0\0\1' >"$dir/miglint-aarch64-apple-darwin/miglint"
    { printf 'MZ'; head -c 58 /dev/zero; printf '\100\0\0\0PE\0\0\144\206'; } >"$dir/miglint-x86_64-pc-windows-msvc/miglint.exe"
    # shellcheck disable=SC2016 # JavaScript, not shell: its ${} are template literals
    node packaging/npm/build.js "$version" "$dir" "$out" &&
      node -e '
        const [out, version] = process.argv.slice(1);
        const fs = require("fs");
        const expected = { "linux-x64": "", "linux-arm64": "", "darwin-x64": "", "darwin-arm64": "", "win32-x64": ".exe" };
        for (const [key, exe] of Object.entries(expected)) {
          const [os, cpu] = key.split("-");
          const manifest = JSON.parse(fs.readFileSync(`${out}/cli-${key}/package.json`, "utf8"));
          const ok = manifest.name === `@miglint/cli-${key}` && manifest.version === version &&
            manifest.os.join() === os && manifest.cpu.join() === cpu && !("libc" in manifest) &&
            fs.statSync(`${out}/cli-${key}/bin/miglint${exe}`).mode & 0o100;
          console.log(`${manifest.name}: os ${manifest.os}, cpu ${manifest.cpu}, bin/miglint${exe}: ${ok ? "ok" : "WRONG"}`);
          if (!ok) process.exit(1);
        }' "$out" "$version"
  }
  check "npm: build.js makes the five platform packages of a release, os and cpu each" all_targets

  pack() { (cd "$1" && npm pack --pack-destination "$tarballs"); }
  check "npm pack: miglint" pack "$packages/miglint"
  check "npm pack: @miglint/cli-linux-x64" pack "$packages/cli-linux-x64"
  main_tgz=$tarballs/miglint-$version.tgz
  platform_tgz=$tarballs/miglint-cli-linux-x64-$version.tgz

  # Neither package may run anything at install: no install scripts, and no binding.gyp (for which npm
  # would run node-gyp as an implicit install script). Read from the tarballs, as the registry gets them.
  no_install_scripts() {
    local tgz
    for tgz in "$main_tgz" "$platform_tgz"; do
      # shellcheck disable=SC2016 # JavaScript, not shell: its ${} are template literals
      tar -xzOf "$tgz" package/package.json | node -e '
        const manifest = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const hooks = ["preinstall", "install", "postinstall", "prepare"].filter((h) => h in (manifest.scripts || {}));
        console.log(`${manifest.name}: scripts ${JSON.stringify(manifest.scripts || {})}`);
        process.exit(hooks.length === 0 ? 0 : 1);' || return 1
      if tar -tzf "$tgz" | grep -E '(^|/)binding\.gyp$'; then return 1; fi
    done
  }
  check "npm: neither package has an install script" no_install_scripts

  # A fresh project per install; `overrides` (optional) sends @miglint/cli-linux-x64 to the local tarball.
  fresh_project() {
    local dir=$npm_dir/$1 overrides=${2:-}
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ -n "$overrides" ]; then
      overrides=$(printf ', "overrides": {"@miglint/cli-linux-x64": "file:%s"}' "$overrides")
    fi
    printf '{"name": "npm-sample", "private": true%s}\n' "$overrides" >"$dir/package.json"
  }
  in_project() { (cd "$npm_dir/$1" && shift && "$@"); }
  installed_as_optional_dependency() {
    in_project project npm install --no-audit --no-fund "$main_tgz" &&
      in_project project npm ls --all | tee "$npm_dir/ls.out" &&
      grep -q "@miglint/cli-linux-x64@$version" "$npm_dir/ls.out" &&
      [ -x "$npm_dir/project/node_modules/@miglint/cli-linux-x64/bin/miglint" ]
  }
  fresh_project project "$platform_tgz"
  check "npm install: the tarball, with the platform package as its optional dependency, offline" \
    installed_as_optional_dependency

  dangerous_blocked() {
    exits_with 1 in_project project npx miglint check "$repo/examples/migrations" | tee "$npm_dir/check.out" &&
      grep -q 'require-concurrent-index' "$npm_dir/check.out"
  }
  check "npx miglint check examples/migrations: blocked (exit 1), require-concurrent-index" dangerous_blocked
  check "npx miglint check examples/safe-migrations: passes (exit 0)" \
    exits_with 0 in_project project npx miglint check "$repo/examples/safe-migrations"
  version_printed() {
    in_project project npx miglint --version | tee "$npm_dir/version.out" &&
      grep -q "^miglint $version (commit " "$npm_dir/version.out"
  }
  check "npx miglint --version: the package's version" version_printed

  # Without the platform package the launcher says why and exits 2: only the main tarball installed; the
  # platform package's tarball at hand but npm told the machine has another CPU (its cpu field must keep
  # it out); optional dependencies omitted.
  missing_platform() {
    local name=$1
    shift
    in_project "$name" npm install --no-audit --no-fund "$@" "$main_tgz" &&
      [ ! -e "$npm_dir/$name/node_modules/@miglint/cli-linux-x64" ] &&
      exits_with 2 in_project "$name" npx miglint --version 2>&1 | tee "$npm_dir/$name.out" &&
      grep -q "the package @miglint/cli-linux-x64, which holds the miglint binary for linux x64, is not installed" \
        "$npm_dir/$name.out" &&
      grep -q -- "--omit=optional" "$npm_dir/$name.out" &&
      grep -q "pip install miglint" "$npm_dir/$name.out" &&
      grep -q "cargo binstall miglint" "$npm_dir/$name.out"
  }
  fresh_project main-only
  check "npx miglint with only the main package: the missing-platform message, exit 2" missing_platform main-only
  fresh_project other-cpu "$platform_tgz"
  check "npm install --cpu=arm64: the linux-x64 package is left out, the message, exit 2" \
    missing_platform other-cpu --cpu=arm64
  fresh_project omitted "$platform_tgz"
  check "npm install --omit=optional: the message, exit 2" missing_platform omitted --omit=optional

  # MIGLINT_BINARY names the binary to run, here in the project that has no platform package.
  binary_from_env() {
    [ -e "$npm_dir/main-only/node_modules/miglint/bin/miglint.js" ] &&
      MIGLINT_BINARY=$release_bin exits_with 1 in_project main-only npx miglint check "$repo/examples/migrations" |
      tee "$npm_dir/from-env.out" && grep -q 'require-concurrent-index' "$npm_dir/from-env.out"
  }
  check "MIGLINT_BINARY: npx miglint runs the binary it names" binary_from_env
  # A binary killed by a signal kills the launcher with the same signal (143 = 128 + SIGTERM in bash).
  printf '#!/bin/sh\nkill -TERM $$\n' >"$npm_dir/killed-by-sigterm"
  chmod +x "$npm_dir/killed-by-sigterm"
  launcher_killed() {
    MIGLINT_BINARY=$npm_dir/killed-by-sigterm exits_with 143 node "$npm_dir/main-only/node_modules/miglint/bin/miglint.js"
  }
  check "the launcher dies of the signal that killed the binary" launcher_killed

  unset NPM_CONFIG_USERCONFIG NPM_CONFIG_GLOBALCONFIG NPM_CONFIG_CACHE NPM_CONFIG_REGISTRY NPM_CONFIG_OFFLINE
  unset NPM_CONFIG_AUDIT NPM_CONFIG_FUND NPM_CONFIG_UPDATE_NOTIFIER
}

if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; then
  npm_checks
elif [ "${CI:-}" = true ]; then
  # CI's machines have Node and npm: a missing one there is a broken machine, not a reason to skip.
  check "npm: node and npm are on PATH (required under CI=true)" command -v node npm
else
  echo "skipped npm: node or npm is not on PATH (the npm checks run when both are; CI requires them)"
fi
