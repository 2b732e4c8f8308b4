// The file checkpoint of a batch run: one line naming the input (path, size, modification
// time) and the position after the last written batch.
//
// The line is written to a temporary file, synced and renamed over the old one, so after a
// kill -9 the file holds either the previous position or the new one, never half of either.
// A checkpoint of another input (or of the same path after the file changed) is ignored: the
// run starts from the beginning.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "batch/batch.h"

namespace onshi::batch {
namespace {

Error checkpoint_error(const std::filesystem::path& file, const std::string& what) {
  return Error{"E_CHECKPOINT", "", "再開位置 " + file.string() + " を" + what + "できません"};
}

// "size mtime_ns path" of the input, or "" when it cannot be read.
std::string identity(const std::filesystem::path& input) {
  struct stat st {};
  if (::stat(input.c_str(), &st) != 0) return "";
  const auto mtime = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  return std::to_string(st.st_size) + " " + std::to_string(mtime) + " " +
         std::filesystem::absolute(input).string();
}

bool write_synced(const std::filesystem::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  return ::close(fd) == 0 && ok;
}

class FileCheckpoint final : public Checkpoint {
 public:
  explicit FileCheckpoint(std::filesystem::path file) : file_(std::move(file)) {}

  std::optional<Position> load(const std::filesystem::path& input) override {
    std::ifstream in(file_);
    std::string id, line;
    if (!in || !std::getline(in, id) || !std::getline(in, line)) return std::nullopt;
    if (id != identity(input)) return std::nullopt;
    Position at;
    std::istringstream fields(line);
    if (!(fields >> at.offset >> at.last_row >> at.batches)) return std::nullopt;
    return at;
  }

  Status save(const std::filesystem::path& input, const Position& at) override {
    std::filesystem::path tmp = file_;
    tmp += ".tmp";
    std::string text = identity(input) + "\n" + std::to_string(at.offset) + " " +
                       std::to_string(at.last_row) + " " + std::to_string(at.batches) + "\n";
    std::error_code ec;
    if (!write_synced(tmp, text)) return checkpoint_error(file_, "保存");
    std::filesystem::rename(tmp, file_, ec);
    if (ec) return checkpoint_error(file_, "保存");
    return Status::Ok();
  }

  Status clear() override {
    std::error_code ec;
    std::filesystem::remove(file_, ec);
    if (ec) return checkpoint_error(file_, "削除");
    return Status::Ok();
  }

 private:
  std::filesystem::path file_;
};

}  // namespace

std::unique_ptr<Checkpoint> file_checkpoint(std::filesystem::path file) {
  return std::make_unique<FileCheckpoint>(std::move(file));
}

}  // namespace onshi::batch
