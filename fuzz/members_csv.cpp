// Fuzz target: an insurer's member file as `onshi import` reads it — the batch pipeline
// (batch::run: encoding detection UTF-8 / BOM / Shift_JIS, RFC 4180 records, the header check,
// rows in batches) with the member file's columns and the registry's row rules
// (registry::validate_record). The sink keeps nothing, so the store is not part of the run;
// the bytes go through a file because the pipeline reads files (on /dev/shm when there is one).
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "batch/batch.h"
#include "registry/registry.h"

namespace {

using namespace onshi;

std::filesystem::path scratch_file() {
  std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  return dir / ("onshi-fuzz-members-" + std::to_string(getpid()) + ".csv");
}

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
  static const auto file = scratch_file();
  static const auto input = member_input();
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  batch::Options options;
  options.threads = 1;
  options.batch_size = 16;
  (void)batch::run(file, input, options);
  return 0;
}
