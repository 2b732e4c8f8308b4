// Fuzz target: clinical information's inputs (R-CONF-5) — a file of one kind as
// `onshi clinical import` reads it (the batch pipeline with the kind's columns and its row
// rules, clinical/detail.h parse_row) and the JSON records of POST /v1/clinical/{kind}
// (clinical::load_records over a SQLite database on /dev/shm, opened once, whose members are
// empty, so no row is ever written). The first byte chooses the kind (bits 0–1) and the form
// (bit 2: JSON). A file is read from memory (batch::run_bytes: the file run's reader, encoding
// detection, header check and row decoding, on the calling thread), so an input costs its
// rows, not a file and two threads.
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "batch/batch.h"
#include "clinical/clinical.h"
#include "clinical/detail.h"
#include "store/database.h"

namespace {

using namespace onshi;

std::filesystem::path scratch(const std::string& name) {
  std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  return dir / ("onshi-fuzz-clinical-" + std::to_string(getpid()) + name);
}

clinical::LoadOptions load_options() {
  clinical::LoadOptions o;
  o.source = "import:fuzz.csv";
  o.today = core::Date::from_ymd(2025, 4, 15);
  return o;
}

batch::Input<int> csv_input(store::ClinicalKind kind) {
  batch::Input<int> in;
  in.columns = clinical::columns(kind);
  in.parse = [kind](const batch::Row& row) -> std::variant<int, std::vector<batch::RowError>> {
    static const auto load = load_options();
    auto r = clinical::detail::parse_row(kind, row, load);
    if (auto* errors = std::get_if<clinical::detail::RowErrors>(&r)) return std::move(*errors);
    return 0;
  };
  in.write = [](batch::Batch<int>&) { return Status::Ok(); };
  return in;
}

void csv(int k, std::string_view bytes) {
  static const std::array<batch::Input<int>, 4> inputs = {
      csv_input(store::kClinicalKinds[0]), csv_input(store::kClinicalKinds[1]),
      csv_input(store::kClinicalKinds[2]), csv_input(store::kClinicalKinds[3])};
  batch::Options options;
  options.batch_size = 16;
  (void)batch::run_bytes(bytes, inputs[static_cast<size_t>(k)], options);
}

void json(store::ClinicalKind kind, std::string_view bytes) {
  static std::unique_ptr<store::Database> db = [] {
    auto dir = scratch(".db");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto opened = store::open_store("sqlite:" + dir.string());
    if (!opened) abort();
    return std::move(*opened);
  }();
  boost::system::error_code ec;
  auto doc = boost::json::parse(bytes, ec);
  if (ec) return;
  const boost::json::array* arr = doc.if_array();
  if (!arr && doc.is_object())
    if (auto* r = doc.as_object().if_contains("records")) arr = r->if_array();
  if (arr) (void)clinical::load_records(*db, kind, *arr, load_options());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int k = data[0] & 3;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 4)
    json(store::kClinicalKinds[static_cast<size_t>(k)], bytes);
  else
    csv(k, bytes);
  return 0;
}
