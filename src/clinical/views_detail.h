// Inside the clinical views (views.h), private to src/clinical/: turning the stored rows of
// one kind (newest first, as ClinicalStore::records_of returns them) into the view's groups.
#pragma once

#include <vector>

#include "clinical/views.h"

namespace onshi::clinical::detail {

// Whether a treatment row among `rows` is an operation (OperationFlg 1).
bool has_operation(const std::vector<store::ClinicalRecord>& rows);
// Fills the list of `v.kind` from `rows` (operations left out when v.operations_hidden).
void group(View& v, const std::vector<store::ClinicalRecord>& rows);

}  // namespace onshi::clinical::detail
