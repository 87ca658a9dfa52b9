# shellcheck shell=bash disable=SC2154
# A part of .ci/integrations, sourced by it: check, exits_with, repo, work and release_bin come from there.
# --- scripts/bootstrap ------------------------------------------------------------------------------------
# On this machine everything is there; with no C compiler on PATH it names the package it would install.
check "bootstrap: nothing to install here" exits_with 0 scripts/bootstrap --with-postgres --with-mariadb
no_cc=$work/no-cc
mkdir -p "$no_cc"
for tool in cargo apt-get id uname; do ln -sf "$(command -v "$tool")" "$no_cc/$tool"; done
bootstrap_without_cc() { PATH=$no_cc /bin/bash scripts/bootstrap --dry-run | tee "$work/bootstrap.out" && grep -q 'build-essential' "$work/bootstrap.out"; }
check "bootstrap: without a C compiler it would install build-essential" bootstrap_without_cc
# MariaDB is looked for where the tests look (MIGLINT_MARIADB_BIN alone when set): an empty folder lacks it.
mkdir -p "$work/no-mariadb"
bootstrap_without_mariadb() {
  MIGLINT_MARIADB_BIN=$work/no-mariadb scripts/bootstrap --with-mariadb --dry-run | tee "$work/bootstrap-mariadb.out" &&
    grep -q 'would run: .*mariadb-server mariadb-client' "$work/bootstrap-mariadb.out"
}
check "bootstrap: without MariaDB it would install mariadb-server and mariadb-client" bootstrap_without_mariadb
