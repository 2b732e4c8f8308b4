// Registrar: one batch of records from an insurer → validated, sealed, one store transaction.
//
// Used by the HTTPS registration endpoint and, through the same make_put_item, by the CSV
// import. The My Number leaves this file only sealed (AES-GCM) and as the person link (keyed
// hash), so neither the store nor any report ever holds it in clear. A batch is atomic: a
// store failure writes nothing and is returned as the error, while invalid records are only
// reported — they never stop the valid ones of the same batch.
#include <algorithm>

#include "core/numbers.h"
#include "registry/fields.h"

namespace onshi::registry {

namespace detail {
store::PutItem make_put_item(ValidatedRecord&& record, const security::Keyring& keyring,
                             const std::string& source) {
  store::PutItem item;
  if (!record.my_number.empty()) {
    item.person_link = keyring.person_link(record.my_number);
    item.my_number_sealed = keyring.seal(record.my_number);
    std::fill(record.my_number.begin(), record.my_number.end(), '\0');
  }
  item.qualification = std::move(record.qualification);
  item.source = source;
  item.conversions = std::move(record.conversions);
  return item;
}
}  // namespace detail

Registrar::Registrar(store::Store& store, const security::Keyring& keyring)
    : store_(store), keyring_(keyring) {}

Result<Report> Registrar::register_records(const std::vector<FieldMap>& records,
                                           const std::string& source,
                                           const std::optional<std::string>& only_insurer,
                                           int64_t first_row, RecordKind kind) {
  Report report;
  const core::Date today = core::Date::today_jst();
  std::optional<std::string> allowed;
  if (only_insurer) allowed = core::trim_insurer_number(*only_insurer);
  std::vector<store::PutItem> items;
  items.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const int64_t row = first_row + static_cast<int64_t>(i);
    auto r = validate_record(records[i], today, kind);
    if (auto* errs = std::get_if<std::vector<Error>>(&r)) {
      ++report.rejected;
      for (auto& e : *errs)
        report.errors.push_back(RecordError{row, std::move(e.field), std::move(e.code),
                                            std::move(e.message)});
      continue;
    }
    auto& rec = std::get<ValidatedRecord>(r);
    if (allowed && rec.qualification.insurer_number != *allowed) {
      ++report.rejected;
      report.errors.push_back(
          kind == RecordKind::kRecipient
              ? RecordError{row, "InsurerNumber", "E_FORBIDDEN_OFFICE",
                            "他の福祉事務所の公費負担者番号では受給者を登録できません"}
              : RecordError{row, "InsurerNumber", "E_FORBIDDEN_INSURER",
                            "他の保険者の保険者番号は登録できません"});
      continue;
    }
    items.push_back(detail::make_put_item(std::move(rec), keyring_, source));
  }
  if (!items.empty()) {
    auto outcomes = store_.put_qualifications(items);
    if (!outcomes) return outcomes.error();
    for (auto o : *outcomes) {
      if (o == store::PutOutcome::kUnchanged) ++report.unchanged;
      else ++report.accepted;
    }
  }
  return report;
}

}  // namespace onshi::registry
