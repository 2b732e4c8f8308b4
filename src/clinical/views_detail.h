// Inside the clinical views (views.h), private to src/clinical/: turning the stored rows of
// one kind (newest first, as ClinicalStore::view_rows returns them) into the view's groups,
// and the JSON written straight from those rows.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "clinical/views.h"
#include "core/gzip.h"

namespace onshi::clinical::detail {

// The index of column `name` in the payload of `kind`, or -1 (payload_columns order).
int column(ClinicalKind kind, std::string_view name);

// One row's values, split in place (clinical/'s encoding: the payload columns' values in
// order, separated by U+001F) and read by column index: no string is made for a value the
// view does not keep.
class Fields {
 public:
  Fields() = default;
  explicit Fields(std::string_view payload) {
    while (n_ < kMax) {
      const size_t cut = payload.find('\x1f');
      values_[n_++] = payload.substr(0, cut);
      if (cut == std::string_view::npos) break;
      payload.remove_prefix(cut + 1);
    }
  }
  std::string_view operator[](int i) const {
    return i >= 0 && static_cast<size_t>(i) < n_ ? values_[static_cast<size_t>(i)]
                                                 : std::string_view();
  }
  std::string str(int i) const { return std::string((*this)[i]); }

 private:
  static constexpr size_t kMax = 16;  // the widest kind has 14 columns
  std::array<std::string_view, kMax> values_;
  size_t n_ = 0;
};

// Whether a treatment row among `rows` is an operation (OperationFlg 1).
bool has_operation(std::span<const store::ClinicalViewRow> rows);
// Fills the list of `v.kind` from `rows` (operations left out when v.operations_hidden).
void group(View& v, std::span<const store::ClinicalViewRow> rows);

// view_json(v) once `v`'s list is grouped from `rows`, byte for byte; the medication list is
// written from the rows while it is grouped (no Dispensing or Drug is made), the other kinds
// are grouped into `v` first.
std::string view_json_from_rows(View& v, std::span<const store::ClinicalViewRow> rows);
// Appends the medication dispensings of one day's rows (one record_date, newest first) to
// `out` as view_json writes them, each after a ',' unless `out` ends with '['. `scratch` is
// reused between calls.
void medication_day_json(std::string& out, std::span<const store::ClinicalViewRow> rows,
                         std::vector<Fields>& scratch);
// view_json(v) of a medication view whose dispensings are already written (joined by ','):
// the head of `v`, then `dispensings`, in one buffer sized ahead.
std::string view_json_with_dispensings(const View& v, std::string_view dispensings);
// The same JSON as one gzip member, the dispensings already compressed (PersonRows::packed_of):
// only the head and the closing brackets are compressed here (core::gzip_join).
std::string view_gzip_with_dispensings(const View& v, const core::DeflatePiece& dispensings);

}  // namespace onshi::clinical::detail
