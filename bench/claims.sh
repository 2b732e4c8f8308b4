#!/usr/bin/env bash
# The claims-check benchmark: `onshi claims check` of 1 M claims against 1 M members, timed
# against the sqlite3 shell running the equivalent join (claims ⨝ qualifications on the card
# key and the service dates) over tables imported from the same CSV files, in the same run.
#
# Both sides start from data at rest and end with a results CSV on disk: onshi loads the
# qualification history from its store, streams the claims CSV through the full rules and
# writes the results; sqlite3 opens a database holding the members table (indexed on the card
# key), imports the claims CSV and writes the join's rows. A second sqlite3 figure runs the
# join alone, on claims imported beforehand. onshi runs twice: cold (no history snapshot: every
# version is read and decoded from the store) and warm (nothing registered since the last run,
# so DIR/claims-history.bin is reused, as in a monthly run after the first). The ratios printed
# are onshi ÷ sqlite3 (< 1.0 means onshi is faster, while doing 振替・分割, the person check,
# the confirmations and the parse checks the join does not).
#
#   bench/claims.sh                     # 1 M members, 1 M claims, build/ binaries
#   MEMBERS=100000 CLAIMS=100000 BUILD=build-x bench/claims.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
MEMBERS=${MEMBERS:-1000000}
CLAIMS=${CLAIMS:-1000000}
THREADS=${THREADS:-2}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/onshi-claims-bench.XXXXXX")}
ONSHI="$BUILD/onshi"
MAKE_CLAIMS="$BUILD/bench_make_claims"

command -v sqlite3 >/dev/null || { echo "claims bench: sqlite3 shell missing (scripts/deps.sh)"; exit 2; }
if [ ! -x "$ONSHI" ] || [ ! -x "$MAKE_CLAIMS" ]; then
  cmake --build "$BUILD" --target onshi bench_make_claims -j"$(nproc)" >/dev/null
fi
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.3f'; }

mkdir -p "$WORK"
echo "claims bench: $MEMBERS members, $CLAIMS claims, $THREADS threads, work dir $WORK"

if [ ! -f "$WORK/data/onshi.db" ]; then
  "$ONSHI" generate members --count "$MEMBERS" --seed 42 --as-of 20250601 --out "$WORK/members.csv" >/dev/null
  t0=$(now)
  "$ONSHI" import --data-dir "$WORK/data" --report "$WORK/import.json" "$WORK/members.csv" >/dev/null
  echo "  import of the members: $(secs "$t0" "$(now)") s"
fi
"$MAKE_CLAIMS" --members "$WORK/members.csv" --count "$CLAIMS" --seed 42 --month 202505 \
  --out "$WORK/claims.csv" 2>"$WORK/claims-mix.txt"
echo "  claims mix: $(cat "$WORK/claims-mix.txt")"

# The baseline's tables, from the same CSV files.
rm -f "$WORK/baseline.db" "$WORK/baseline-joined.db"
sqlite3 "$WORK/baseline.db" <<SQL
.mode csv
.import $WORK/members.csv qualifications
CREATE INDEX qualifications_card ON qualifications(InsurerNumber, InsuredCardSymbol,
  InsuredIdentificationNumber, InsuredBranchNumber);
ANALYZE;
SQL
cp "$WORK/baseline.db" "$WORK/baseline-joined.db"
sqlite3 "$WORK/baseline-joined.db" ".mode csv" ".import $WORK/claims.csv claims" 2>"$WORK/sqlite-import.log"

JOIN="SELECT c.ClaimId,
  CASE WHEN q.InsurerNumber IS NULL THEN 'RETURN' ELSE 'OK' END,
  q.InsurerNumber, q.InsuredCardSymbol, q.InsuredIdentificationNumber, q.InsuredBranchNumber,
  c.FirstServiceDate, c.LastServiceDate
FROM claims c LEFT JOIN qualifications q
  ON q.InsurerNumber = c.InsurerNumber AND q.InsuredCardSymbol = c.InsuredCardSymbol
 AND q.InsuredIdentificationNumber = c.InsuredIdentificationNumber
 AND q.InsuredBranchNumber = c.InsuredBranchNumber
 AND q.QualificationDate <= c.FirstServiceDate
 AND (q.DisqualificationDate = '' OR q.DisqualificationDate > c.LastServiceDate);"

# onshi cold: no history snapshot, the versions are read from the store (and the snapshot is
# written); warm: a second run, nothing registered since, reuses the snapshot.
rm -f "$WORK/data/claims-history.bin"
sync
t0=$(now)
"$ONSHI" claims check --data-dir "$WORK/data" --in "$WORK/claims.csv" --out "$WORK/results.csv" \
  --threads "$THREADS" >"$WORK/summary-cold.json"
t_cold=$(secs "$t0" "$(now)")
t0=$(now)
"$ONSHI" claims check --data-dir "$WORK/data" --in "$WORK/claims.csv" --out "$WORK/results.csv" \
  --threads "$THREADS" >"$WORK/summary.json"
t_onshi=$(secs "$t0" "$(now)")

t0=$(now)
sqlite3 "$WORK/baseline.db" 2>"$WORK/sqlite-import.log" <<SQL
.mode csv
.import $WORK/claims.csv claims
.headers on
.output $WORK/sqlite-results.csv
$JOIN
SQL
t_sqlite=$(secs "$t0" "$(now)")
sqlite3 "$WORK/baseline.db" "DROP TABLE claims;"

t0=$(now)
sqlite3 "$WORK/baseline-joined.db" <<SQL
.mode csv
.headers on
.output $WORK/sqlite-join-results.csv
$JOIN
SQL
t_join=$(secs "$t0" "$(now)")

ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
echo "  onshi claims check, cold:      $t_cold s  $(cat "$WORK/summary-cold.json")"
echo "  onshi claims check, warm:      $t_onshi s  $(cat "$WORK/summary.json")"
echo "  sqlite3 import claims + join:  $t_sqlite s  ($(($(wc -l <"$WORK/sqlite-results.csv") - 1)) rows)"
echo "  sqlite3 join alone:            $t_join s"
echo "  ratio onshi warm / sqlite3 import + join: $(ratio "$t_onshi" "$t_sqlite")   (target < 1.0)"
echo "  ratio onshi warm / sqlite3 join alone:    $(ratio "$t_onshi" "$t_join")"
echo "  ratio onshi cold / sqlite3 import + join: $(ratio "$t_cold" "$t_sqlite")"
echo "  ratio onshi cold / sqlite3 join alone:    $(ratio "$t_cold" "$t_join")"
