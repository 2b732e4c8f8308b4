// Small facts about output paths (core/files.h).
#include "core/files.h"

namespace onshi::core {

bool is_special_file(const std::filesystem::path& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  return !ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status);
}

}  // namespace onshi::core
