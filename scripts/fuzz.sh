#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (one per parser of outside input; docs/reliability.md),
# built with the CMake preset `fuzz` (clang, ASan + UBSan) into build-fuzz/.
#
#   scripts/fuzz.sh [TARGET…]          each target for FUZZ_SECONDS (default 60) — `make fuzz`
#   scripts/fuzz.sh --smoke [TARGET…]  each for FUZZ_SMOKE_SECONDS (default 3) — `make test`
#
# Targets run one at a time (one fuzzing job). Each starts from its checked-in seeds
# (fuzz/corpus/TARGET, read only) plus what earlier runs found (build-fuzz/corpus/TARGET, where
# new inputs go), with the XML, JSON or CSV dictionary of fuzz/dict/. A crash, a leak, undefined
# behaviour, a timeout (one input over FUZZ_TIMEOUT seconds, default 10) or more than 2 GB of
# memory stops the target and leaves the input in build-fuzz/crashes/; the script ends
# non-zero when any target failed. One line per target: executions, seconds, result.
set -euo pipefail
cd "$(dirname "$0")/.."

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
cmake --build build-fuzz -j "$JOBS" --target fuzz_all

mkdir -p build-fuzz/crashes
failed=0
printf '%-20s %12s %8s  %s\n' target executions seconds result
for t in "${TARGETS[@]}"; do
  test -x "build-fuzz/fuzz_$t" || { echo "no fuzz target $t" >&2; exit 2; }
  mkdir -p "build-fuzz/corpus/$t"
  args=(-max_total_time="$SECONDS_EACH" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$t-")
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
  printf '%-20s %12s %8s  %s\n' "$t" "${runs:-?}" "$(( $(date +%s) - start ))" "$result"
done
exit $failed
