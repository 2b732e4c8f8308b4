// Fuzz target: a welfare office's 医療扶助 files as `onshi import --kind medical-aid |
// medical-aid-tickets` reads them — the batch pipeline with the recipient's or the ticket's
// columns and their row rules (registry::validate_record with RecordKind::kRecipient,
// registry::validate_ticket). The check of a ticket against its recipient needs the store and is
// not part of the run. The first byte chooses the file (odd: tickets), the rest is the file,
// read from memory (batch::run_bytes: the file run's reader and row decoding, no threads).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "batch/batch.h"
#include "registry/medical_aid.h"

namespace {

using namespace onshi;

// The input of one kind: its columns (required as the import's are) and its row rule.
batch::Input<int> input(bool tickets) {
  static const std::vector<std::string> kTicketRequired = {
      "InsurerNumber",          "InsuredIdentificationNumber",     "TicketType",
      "MedicalTicketValidDate", "MedicalTicketExpirationDate",     "IssueNumber",
      "MedicalTreatmentMonth",  "DesignatedMedicalInstitutionCode"};
  const auto& names = tickets ? registry::ticket_fields() : registry::recipient_fields();
  const auto& required = tickets ? kTicketRequired : registry::required_fields();
  batch::Input<int> in;
  for (const auto& name : names)
    in.columns.push_back(
        {name, std::find(required.begin(), required.end(), name) != required.end()});
  in.parse = [tickets,
              &names](const batch::Row& row) -> std::variant<int, std::vector<batch::RowError>> {
    registry::FieldMap fields;
    for (size_t c = 0; c < row.values->size(); ++c)
      if (!row.value(c).empty()) fields.emplace_back(names[c], row.value(c));
    std::vector<Error> errors;
    if (tickets) {
      auto r = registry::validate_ticket(fields);
      if (auto* e = std::get_if<std::vector<Error>>(&r)) errors = std::move(*e);
    } else {
      auto r = registry::validate_record(fields, core::Date::from_ymd(2025, 4, 15),
                                         registry::RecordKind::kRecipient);
      if (auto* e = std::get_if<std::vector<Error>>(&r)) errors = std::move(*e);
    }
    if (errors.empty()) return 0;
    std::vector<batch::RowError> out;
    for (auto& e : errors) out.push_back({row.number, e.field, e.code, e.message});
    return out;
  };
  in.write = [](batch::Batch<int>&) { return Status::Ok(); };
  return in;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const batch::Input<int> recipients = input(false), tickets = input(true);
  if (size == 0) return 0;
  batch::Options options;
  options.batch_size = 16;
  (void)batch::run_bytes(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1),
                         (data[0] & 1) ? tickets : recipients, options);
  return 0;
}
