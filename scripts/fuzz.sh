#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (one per parser of outside input; docs/reliability.md),
# built with the CMake preset `fuzz` (clang, ASan + UBSan) into build-fuzz/.
#
#   scripts/fuzz.sh [TARGET…]          each target for FUZZ_SECONDS (default 60) — `make fuzz`
#   scripts/fuzz.sh --smoke [TARGET…]  each for FUZZ_SMOKE_SECONDS (default 3) — `make test`
#   FUZZ_RUNS=10000000 scripts/fuzz.sh [TARGET…]
#                                      each until it has run FUZZ_RUNS inputs (the long run of
#                                      docs/reliability.md; FUZZ_SECONDS, when also given, still
#                                      stops it at that time)
#
# Targets run one at a time (one fuzzing job). Each starts from its checked-in seeds
# (fuzz/corpus/TARGET, read only) plus what earlier runs found (build-fuzz/corpus/TARGET, where
# new inputs go), with the XML, JSON or CSV dictionary of fuzz/dict/. A crash, a leak, undefined
# behaviour, a timeout (one input over FUZZ_TIMEOUT seconds, default 10) or more than 2 GB of
# memory stops the target and leaves the input in build-fuzz/crashes/; the script ends
# non-zero when any target failed. One line per target: executions, seconds, result.
#
# AddressSanitizer records no allocation stack (malloc_context_size=0) unless ASAN_OPTIONS
# says otherwise: recording one per malloc was about 70 % of a target's time (a 4× slower
# run). A crash found is replayed with full stacks by running the target on the saved input
# (`build-fuzz/fuzz_T build-fuzz/crashes/T-…`, ASAN_OPTIONS unset in that shell).
set -euo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=0}"

SECONDS_EACH="${FUZZ_SECONDS:-60}"
if [ "${1:-}" = "--smoke" ]; then
  SECONDS_EACH="${FUZZ_SMOKE_SECONDS:-3}"
  shift
fi
JOBS="${JOBS:-2}"

# target → dictionary
declare -A DICT=(
  [oqs_request_xml]=xml [oqs_result_xml]=xml [bridge_files]=xml [clinical_xml]=xml
  [oqs_json]=json [qualification_json]=json [registrations_json]=json [card_file]=json
  [members_csv]=csv [medical_aid_csv]=csv [claims_body]=csv [clinical_records]=csv [http_request]= [service_routes]=json [access_args]=
)
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  mapfile -t TARGETS < <(ls fuzz/*.cpp | xargs -n1 basename | sed 's/\.cpp$//' | grep -vx replay_main | sort)
fi

test -f build-fuzz/CMakeCache.txt || cmake --preset fuzz >/dev/null
build_targets=()
for t in "${TARGETS[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build build-fuzz -j "$JOBS" --target "${build_targets[@]}"

mkdir -p build-fuzz/crashes
failed=0
printf '%-20s %12s %8s %10s  %s\n' target executions seconds 'per second' result
for t in "${TARGETS[@]}"; do
  test -x "build-fuzz/fuzz_$t" || { echo "no fuzz target $t" >&2; exit 2; }
  mkdir -p "build-fuzz/corpus/$t"
  args=(-timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$t-")
  if [ -n "${FUZZ_RUNS:-}" ]; then
    args+=(-runs="$FUZZ_RUNS")
    if [ -n "${FUZZ_SECONDS:-}" ]; then args+=(-max_total_time="$FUZZ_SECONDS"); fi
  else
    args+=(-max_total_time="$SECONDS_EACH")
  fi
  if [ -n "${DICT[$t]:-}" ]; then args+=(-dict="fuzz/dict/${DICT[$t]}.dict"); fi
  log="build-fuzz/fuzz-$t.log"
  start=$(date +%s)
  if "build-fuzz/fuzz_$t" "${args[@]}" "build-fuzz/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log and build-fuzz/crashes/$t-*)"
    failed=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(( $(date +%s) - start ))
  rate=$(( ${runs:-0} / (took > 0 ? took : 1) ))
  printf '%-20s %12s %8s %10s  %s\n' "$t" "${runs:-?}" "$took" "$rate" "$result"
done
exit $failed
