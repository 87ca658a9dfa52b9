#!/usr/bin/env bash
# miglint against squawk on the PostgreSQL files of ../shared/corpus, in the
# same run on the same machine: wall time and peak memory of each whole
# process (GNU time), the median of several alternating runs, and the ratios.
#
#   benches/vs-squawk.sh [RUNS]
#
# squawk-cli is installed from PyPI into a temporary virtualenv (removed at
# the end); miglint is built in release mode. Both read the same files, named
# on the command line as squawk takes them (`squawk --reporter json FILES`,
# `miglint check --format json FILES`); miglint is also run on the projects'
# migration folders. Every rule, the catalog replay and history stay on.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-7}
corpus=../shared/corpus
[ -f "$corpus/MANIFEST.tsv" ] || { echo "no corpus at $corpus" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check squawk-cli
squawk="$work/venv/bin/squawk"
cargo build --release --quiet
miglint="$PWD/target/release/miglint"

# The PostgreSQL projects' migration folders, and their .sql files.
folders=()
while IFS=$'\t' read -r dir paths; do
  IFS=, read -ra parts <<<"$paths"
  for part in "${parts[@]}"; do folders+=("$corpus/$dir/$part"); done
done < <(awk -F'\t' 'NR > 1 && $6 == "postgres" { print $1 "\t" $9 }' "$corpus/MANIFEST.tsv")
mapfile -t files < <(find "${folders[@]}" -type f -name '*.sql' | sort)
echo "files: ${#files[@]} PostgreSQL migrations in ${#folders[@]} folders; $("$squawk" --version); miglint $("$miglint" --version | cut -d' ' -f2-)"
echo "machine: $(nproc) cores, $(uname -srm)"

# One run: "<wall seconds> <peak KiB>" appended to $1.
measure() {
  local out=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
  cat "$work/time" >>"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$work/squawk" && : >"$work/named" && : >"$work/folders"
# Warm the page cache, then alternate so drift hits all three alike.
"$squawk" --reporter json "${files[@]}" >/dev/null 2>&1 || true
"$miglint" check --format json "${files[@]}" >/dev/null 2>&1 || true
for _ in $(seq "$runs"); do
  measure "$work/squawk" "$squawk" --reporter json "${files[@]}"
  measure "$work/named" "$miglint" check --format json "${files[@]}"
  measure "$work/folders" "$miglint" check --format json "${folders[@]}"
done

report() {
  local name=$1 file=$2
  local wall mem
  wall=$(cut -d' ' -f1 "$file" | median)
  mem=$(cut -d' ' -f2 "$file" | median)
  printf '%-26s wall %6.3f s   peak %7.1f MB\n' "$name" "$wall" "$(echo "$mem / 1024" | bc -l)"
  echo "$wall $mem" >"$file.median"
}
echo "medians of $runs runs:"
report "squawk (named files)" "$work/squawk"
report "miglint (named files)" "$work/named"
report "miglint (folders)" "$work/folders"
read -r sw sm <"$work/squawk.median"
for kind in named folders; do
  read -r mw mm <"$work/$kind.median"
  printf 'miglint %-8s speed: %5.2fx squawk   memory: %5.2fx squawk\n' "$kind" \
    "$(echo "$sw / $mw" | bc -l)" "$(echo "$mm / $sm" | bc -l)"
done
# What no miglint run can beat: PostgreSQL's grammar (libpg_query) and the
# protobuf round trip of its trees, on every core, with nothing else.
floor=$(cargo bench --quiet --bench corpus -- --parse-only 2>/dev/null | sed -n 's/^parse floor: .*: \([0-9.]*\) s .*/\1/p')
if [ -n "$floor" ]; then
  printf 'parse floor (pg_query::parse alone, in process): %.3f s = %.2fx squawk'"'"'s whole run\n' \
    "$floor" "$(echo "$sw / $floor" | bc -l)"
fi
