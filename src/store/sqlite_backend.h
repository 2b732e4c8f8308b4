// The stores of the embedded backend, private to src/store/: each opens its own file of a
// data directory on first use (sqlite_database.cpp hands them out). Nothing outside
// src/store/ includes this.
#pragma once

#include <filesystem>
#include <memory>

#include "store/institutions.h"

namespace onshi::store {

// The institutions registry in `file` (DIR/institutions.db); `create` makes the file and
// its tables when missing (otherwise E_STORE_OPEN on first use).
std::unique_ptr<InstitutionStore> make_sqlite_institutions(const std::filesystem::path& file,
                                                           bool create);

}  // namespace onshi::store
