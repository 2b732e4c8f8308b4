#!/usr/bin/env bash
# Where a SQLite member store's bytes go: the pages of each table and index (SQLite's `dbstat`
# virtual table), bytes per member, and the average stored size of each column of
# `qualification_version` and of each field of its payload (store/payload.h), over every tenth
# version stored as text (a compressed payload, schema 5, is counted as a whole). Reads the
# store only; run it on a copy when a server is writing to it.
#
#   bench/store_size.sh DIR          # DIR: an `onshi` data directory (DIR/onshi.db)
#
# The figures of docs/performance.md ("Where a member's bytes go") were made with it.
set -euo pipefail
DIR=${1:?usage: bench/store_size.sh DATA_DIR}
DB=$DIR/onshi.db
[ -f "$DB" ] || { echo "no store at $DB" >&2; exit 1; }

members=$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT DISTINCT card_key FROM qualification_version)")
echo "file: $(stat -c %s "$DB") bytes, $members card keys"
echo "table or index | pages | bytes | bytes per member | cell bytes | unused bytes"
sqlite3 -separator ' | ' "$DB" \
  "SELECT name, count(*), sum(pgsize), round(sum(pgsize) * 1.0 / $members, 1), sum(payload),
          sum(unused) FROM dbstat GROUP BY name ORDER BY sum(pgsize) DESC"

echo
echo "column | average stored bytes (over the rows holding it) | rows holding it"
sqlite3 -separator ' | ' "$DB" "
  SELECT 'card_key', round(avg(length(CAST(card_key AS BLOB))), 1), count(*) FROM qualification_version
  UNION ALL SELECT 'insurer_number', round(avg(length(CAST(insurer_number AS BLOB))), 1), count(*) FROM qualification_version
  UNION ALL SELECT 'person_link', round(avg(length(person_link)), 1), count(person_link) FROM qualification_version
  UNION ALL SELECT 'my_number_sealed', round(avg(length(my_number_sealed)), 1), count(my_number_sealed) FROM qualification_version
  UNION ALL SELECT 'payload', round(avg(length(CAST(payload AS BLOB))), 1), count(*) FROM qualification_version
  UNION ALL SELECT 'source', round(avg(length(CAST(source AS BLOB))), 1), count(*) FROM qualification_version
  UNION ALL SELECT 'conversions', round(avg(length(CAST(conversions AS BLOB))), 1), count(conversions) FROM qualification_version
  UNION ALL SELECT 'payload compressed (schema 5)', round(avg(length(payload)), 1), count(*) FROM qualification_version WHERE typeof(payload) = 'blob'
  UNION ALL SELECT 'payload as text', round(avg(length(CAST(payload AS BLOB))), 1), count(*) FROM qualification_version WHERE typeof(payload) = 'text'
  UNION ALL SELECT 'payload dictionary', sum(length(dictionary)), count(*) FROM payload_dictionary"

echo
echo "payload field | average bytes (every tenth version)"
sqlite3 "$DB" "SELECT hex(CAST(payload AS BLOB)) FROM qualification_version WHERE version_id % 10 = 0" |
  python3 -c '
import sys
names = ["InsurerNumber", "InsuredCardSymbol", "InsuredIdentificationNumber",
         "InsuredBranchNumber", "InsurerName", "InsuredCardClassification",
         "PersonalFamilyClassification", "InsuredName", "Name", "NameOfOther", "NameKana",
         "NameOfOtherKana", "Sex1", "Sex2", "Birthdate", "PostNumber", "Address",
         "QualificationDate", "DisqualificationDate", "ReasonOfLoss",
         "InsuredCertificateIssuanceDate", "InsuredCardValidDate", "InsuredCardExpirationDate",
         "InsuredPartialContributionRatio"]
total = [0] * len(names)
rows = certs = cert_bytes = 0
for line in sys.stdin:
    p = bytes.fromhex(line.strip())
    if not p.startswith(b"Q1"):
        continue
    rows += 1
    groups = p[2:].split(b"\x1e")
    if len(groups) > 1:
        certs += 1
        cert_bytes += sum(len(g) + 1 for g in groups[1:])
    for i, f in enumerate(groups[0].split(b"\x1f")[: len(names)]):
        total[i] += len(f)
if rows == 0:
    print("(no payload stored as text: the fields of compressed payloads are not measured)")
    sys.exit(0)
for n, t in zip(names, total):
    print(f"{n} | {t / max(rows, 1):.1f}")
print(f"separators and \"Q1\" | {len(names) + 1}")
print(f"certificate groups | {cert_bytes / max(rows, 1):.1f} ({certs} of {rows} versions hold one)")
'
