// Small facts about output paths that every writer of a result file needs.
#pragma once

#include <filesystem>

namespace onshi::core {

// True when `path` exists and is not a regular file (a device such as /dev/null, a pipe, a
// socket). Writers that write beside their target and rename it over the target must write
// such a target in place instead: the rename would replace the device with a file.
bool is_special_file(const std::filesystem::path& path);

}  // namespace onshi::core
