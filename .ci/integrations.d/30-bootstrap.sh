# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work and release_bin come from there.
# --- scripts/bootstrap ------------------------------------------------------------------------------------
# On this machine everything is there; with no C compiler on PATH it names the package it would install.
check "bootstrap: nothing to install here" exits_with 0 scripts/bootstrap --with-postgres
no_cc=$work/no-cc
mkdir -p "$no_cc"
for tool in cargo apt-get id uname; do ln -sf "$(command -v "$tool")" "$no_cc/$tool"; done
bootstrap_without_cc() { PATH=$no_cc /bin/bash scripts/bootstrap --dry-run | tee "$work/bootstrap.out" && grep -q 'build-essential' "$work/bootstrap.out"; }
check "bootstrap: without a C compiler it would install build-essential" bootstrap_without_cc
