// Fuzz target: an insurer's member file as `onshi import` reads it — the batch pipeline
// (batch::run: encoding detection UTF-8 / BOM / Shift_JIS, RFC 4180 records, the header check,
// rows in batches) with the member file's columns and the registry's row rules
// (registry::validate_record). The sink keeps nothing, so the store is not part of the run.
// The bytes are read from memory (batch::run_bytes: the reader, encoding detection, header
// check and row decoding of a file run, on the calling thread), so an input costs its rows,
// not a file and two threads.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "batch/batch.h"
#include "registry/registry.h"

namespace {

using namespace onshi;

batch::Input<int> member_input() {
  batch::Input<int> in;
  const auto& required = registry::required_fields();
  for (const auto& name : registry::known_fields())
    in.columns.push_back(
        {name, std::find(required.begin(), required.end(), name) != required.end()});
  in.parse = [](const batch::Row& row) -> std::variant<int, std::vector<batch::RowError>> {
    registry::FieldMap fields;
    for (size_t c = 0; c < row.values->size(); ++c)
      if (!row.value(c).empty()) fields.emplace_back(registry::known_fields()[c], row.value(c));
    auto r = registry::validate_record(fields, core::Date::from_ymd(2025, 4, 15));
    if (std::holds_alternative<registry::ValidatedRecord>(r)) return 0;
    std::vector<batch::RowError> errors;
    for (auto& e : std::get<std::vector<Error>>(r))
      errors.push_back({row.number, e.field, e.code, e.message});
    return errors;
  };
  in.write = [](batch::Batch<int>&) { return Status::Ok(); };
  return in;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto input = member_input();
  batch::Options options;
  options.batch_size = 16;
  (void)batch::run_bytes(std::string_view(reinterpret_cast<const char*>(data), size), input,
                         options);
  return 0;
}
