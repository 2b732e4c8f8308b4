// The batch pipeline on its own (issue 14: one batch pipeline): a toy input defined here with
// only its columns, its row rules and its sink — prefectures, a two-digit code and a name —
// shows what any new input provides, and the tests prove what the pipeline does for it:
// encoding detection, header errors, per-row errors collected without stopping, batch
// boundaries in file order, fixed-length records, and resuming after a run killed with
// SIGKILL. The sink writes one file per record into a directory, so its state is real files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "batch/batch.h"

namespace onshi::batch {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("onshi-batch-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ---- the toy input: columns and rules only ----

struct Prefecture {
  std::string code, name;
};

struct ToyInput {
  fs::path out_dir;                                 // one file per code: the sink's "store"
  std::vector<std::vector<int64_t>> written;        // rows of each batch written, in order
  Status fail_at_write = Status::Ok();
  size_t fail_batch = SIZE_MAX;

  Input<Prefecture> input() {
    Input<Prefecture> in;
    in.columns = {{"Code", true}, {"Name", true}, {"Note", false}};
    in.parse = [](const Row& row) -> std::variant<Prefecture, std::vector<RowError>> {
      std::vector<RowError> errors;
      std::string code(row.value(0)), name(row.value(1));
      if (code.size() != 2 || !core::all_digits(code))
        errors.push_back({row.number, "Code", "E_TOY_CODE", "2桁の数字ではありません"});
      if (name.empty()) errors.push_back({row.number, "Name", "E_TOY_NAME", "名前がありません"});
      if (!errors.empty()) return errors;
      return Prefecture{code, name};
    };
    in.write = [this](Batch<Prefecture>& b) -> Status {
      if (b.index == fail_batch) return fail_at_write;
      written.push_back(b.rows);
      for (const auto& p : b.records) write_file(out_dir / p.code, p.name);
      return Status::Ok();
    };
    return in;
  }
};

std::map<std::string, std::string> state(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out[e.path().filename().string()] = read_file(e.path());
  return out;
}

// "Code,Name\n01,北海道\n02,青森県\n…" with `n` rows (codes 01.., names "県N").
std::string toy_csv(int n) {
  std::string csv = "Code,Name\n";
  for (int i = 1; i <= n; ++i) {
    char code[8];
    std::snprintf(code, sizeof code, "%02d", i);
    csv += std::string(code) + ",県" + std::to_string(i) + "\n";
  }
  return csv;
}

class Pipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    toy.out_dir = dir.path() / "out";
    fs::create_directories(toy.out_dir);
  }
  Result<Summary> run_bytes(const std::string& bytes, Options opt = {}) {
    write_file(dir.path() / "in.csv", bytes);
    auto in = toy.input();
    return run(dir.path() / "in.csv", in, opt);
  }
  TempDir dir;
  ToyInput toy;
};

// ---- encoding ----

TEST_F(Pipeline, DetectsUtf8BomAndShiftJis) {  // issue 14: one batch pipeline — read
  const std::string utf8 = "Code,Name\n13,東京都\n14,神奈川県\n";
  auto plain = run_bytes(utf8);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->file.encoding, core::Encoding::kUtf8);
  EXPECT_EQ(read_file(toy.out_dir / "13"), "東京都");

  auto bom = run_bytes("\xEF\xBB\xBF" + utf8);
  ASSERT_TRUE(bom.ok()) << bom.error().message;  // the BOM is not part of the first column
  EXPECT_EQ(bom->file.encoding, core::Encoding::kUtf8);

  auto sjis_bytes = core::utf8_to_shift_jis("Code,Name\r\n13,髙田馬場\r\n14,神奈川県\r\n");
  ASSERT_TRUE(sjis_bytes.ok());
  auto sjis = run_bytes(*sjis_bytes);
  ASSERT_TRUE(sjis.ok()) << sjis.error().message;
  EXPECT_EQ(sjis->file.encoding, core::Encoding::kShiftJis);
  EXPECT_FALSE(sjis->file.encoding_given);
  EXPECT_EQ(read_file(toy.out_dir / "13"), "髙田馬場");  // decoded, no stray CR
}

TEST_F(Pipeline, DetectionLooksPastALongAsciiStart) {  // issue 14: one batch pipeline — read
  std::string csv = toy_csv(0);
  for (int i = 0; i < 120000; ++i) csv += "99,ascii\n";  // > 1 MB of ASCII before any kanji
  auto tail = core::utf8_to_shift_jis("47,沖縄県\n");
  ASSERT_TRUE(tail.ok());
  write_file(dir.path() / "long.csv", csv + *tail);
  auto enc = detect_file_encoding(dir.path() / "long.csv");
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(*enc, core::Encoding::kShiftJis);
}

TEST_F(Pipeline, WrongEncodingGivenIsRefusedAtTheHeaderOrNoticed) {  // issue 14: read
  auto sjis = core::utf8_to_shift_jis("コード,Name\n");
  ASSERT_TRUE(sjis.ok());
  Options opt;
  opt.encoding = core::Encoding::kUtf8;
  auto bad_header = run_bytes(*sjis, opt);
  ASSERT_FALSE(bad_header.ok());
  EXPECT_EQ(bad_header.error().code, "E_ENCODING");

  auto rows = core::utf8_to_shift_jis("Code,Name\n13,東京都\n14,神奈川県\n");
  ASSERT_TRUE(rows.ok());
  auto r = run_bytes(*rows, opt);  // the header is ASCII: only the rows show the mistake
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rejected, 2);
  EXPECT_EQ(r->errors_by_code["E_ENCODING"], 2);
  EXPECT_NE(r->notice.find("--encoding shift_jis"), std::string::npos) << r->notice;
}

// ---- header ----

TEST_F(Pipeline, HeaderProblemsAreAllListedWithTheirColumn) {  // issue 14: header check
  std::vector<RowError> problems;
  Options opt;
  opt.file_problems = &problems;
  auto r = run_bytes("Code,Extra,Code\n01,x,01\n", opt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "E_CSV_HEADER");
  EXPECT_EQ(r.error().field, "Extra");  // the first problem's column
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].field, "Extra");  // unknown
  EXPECT_EQ(problems[1].field, "Code");   // duplicate
  EXPECT_EQ(problems[2].field, "Name");   // required and missing
  for (const auto& p : problems) {
    EXPECT_EQ(p.row, 0);
    EXPECT_EQ(p.code, "E_CSV_HEADER");
  }
  EXPECT_TRUE(toy.written.empty());  // a refused file writes nothing

  auto empty = run_bytes("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "E_CSV_HEADER");
  auto missing = run(dir.path() / "no-such.csv", toy.input());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "E_FILE");
  auto optional_absent = run_bytes(" Name ,Code\n東京都,13\n");  // order and blanks free
  ASSERT_TRUE(optional_absent.ok()) << optional_absent.error().message;
  EXPECT_EQ(read_file(toy.out_dir / "13"), "東京都");
}

// ---- rows ----

TEST_F(Pipeline, RowErrorsAreCollectedAndTheRunGoesOn) {  // issue 14: per-row error report
  std::string csv = "Code,Name\n"
                    "01,北海道\n"
                    "1x,\n"                 // row 2: two rule errors, one rejected row
                    "\n"                    // blank: not a row
                    "03,\"岩手\"県\n"       // row 3: text after a closing quote
                    "04,宮城県,extra\n"     // row 4: one field too many
                    "05,秋田\xFF県\n"       // row 5: not UTF-8
                    "06,山形県\n";
  Options opt;
  opt.batch_size = 2;
  opt.encoding = core::Encoding::kUtf8;  // detection would take the stray byte for CP932
  auto r = run_bytes(csv, opt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rows, 6);
  EXPECT_EQ(r->rejected, 4);
  ASSERT_EQ(r->errors.size(), 5u);
  EXPECT_EQ(r->errors[0].row, 2);
  EXPECT_EQ(r->errors[0].field, "Code");
  EXPECT_EQ(r->errors[0].code, "E_TOY_CODE");
  EXPECT_EQ(r->errors[1].field, "Name");
  EXPECT_EQ(r->errors[2].row, 3);
  EXPECT_EQ(r->errors[2].code, "E_CSV_QUOTE");
  EXPECT_EQ(r->errors[3].row, 4);
  EXPECT_EQ(r->errors[3].code, "E_CSV_FIELDS");
  EXPECT_EQ(r->errors[4].row, 5);
  EXPECT_EQ(r->errors[4].code, "E_ENCODING");
  EXPECT_EQ(r->errors[4].field, "");
  EXPECT_EQ(r->errors_by_code["E_TOY_CODE"], 1);
  EXPECT_EQ(r->notice, "");  // some rows could be read: the encoding is not the problem
  EXPECT_EQ(state(toy.out_dir),
            (std::map<std::string, std::string>{{"01", "北海道"}, {"06", "山形県"}}));
}

TEST_F(Pipeline, AnUnreadableRowCanStillBecomeARecord) {  // issue 14: inputs answer every row
  auto in = toy.input();
  in.unreadable = [](const Row& row) -> std::optional<Prefecture> {
    return Prefecture{"99", "unreadable row " + std::to_string(row.number) + " " +
                                std::to_string(static_cast<int>(row.problem))};
  };
  write_file(dir.path() / "in.csv", "Code,Name\n01,a,b\n");
  auto r = run(dir.path() / "in.csv", in, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rejected, 0);
  EXPECT_EQ(read_file(toy.out_dir / "99"),
            "unreadable row 1 " + std::to_string(static_cast<int>(Unreadable::kFieldCount)));
}

// ---- batches ----

TEST_F(Pipeline, BatchesAreWrittenWholeInFileOrder) {  // issue 14: write in batches
  Options opt;
  opt.batch_size = 3;
  opt.threads = 4;
  auto r = run_bytes(toy_csv(10), opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows, 10);
  ASSERT_EQ(toy.written.size(), 4u);
  EXPECT_EQ(toy.written[0], (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(toy.written[1], (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(toy.written[2], (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(toy.written[3], (std::vector<int64_t>{10}));
  EXPECT_EQ(state(toy.out_dir).size(), 10u);
}

TEST_F(Pipeline, AFailedWriteStopsTheRunAndResumesAfterTheLastBatch) {  // issue 14: resume
  auto checkpoint = file_checkpoint(dir.path() / "in.checkpoint");
  Options opt;
  opt.batch_size = 4;
  opt.checkpoint = checkpoint.get();
  toy.fail_batch = 2;
  toy.fail_at_write = Error{"E_STORE", "", "disk full"};
  auto first = run_bytes(toy_csv(10), opt);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, "E_STORE");
  ASSERT_EQ(toy.written.size(), 2u);
  auto at = checkpoint->load(dir.path() / "in.csv");
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->last_row, 8);
  EXPECT_EQ(at->batches, 2);

  toy.fail_batch = SIZE_MAX;
  toy.written.clear();
  auto in = toy.input();
  auto again = run(dir.path() / "in.csv", in, opt);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->file.first_row, 9);
  EXPECT_EQ(again->rows, 2);
  ASSERT_EQ(toy.written.size(), 1u);
  EXPECT_EQ(toy.written[0], (std::vector<int64_t>{9, 10}));
  EXPECT_EQ(state(toy.out_dir).size(), 10u);
  EXPECT_FALSE(checkpoint->load(dir.path() / "in.csv").has_value());  // finished: cleared
}

TEST_F(Pipeline, KilledRunThenRerunEqualsOneCleanRun) {  // issue 14: kill -9 safe resume
  const std::string csv = toy_csv(40);
  // The clean run.
  Options clean_opt;
  clean_opt.batch_size = 5;
  ASSERT_TRUE(run_bytes(csv, clean_opt).ok());
  const auto clean = state(toy.out_dir);
  ASSERT_EQ(clean.size(), 40u);

  // A run killed with SIGKILL while writing its fourth batch (half of it written).
  fs::path out = dir.path() / "killed";
  fs::create_directories(out);
  fs::path cp_file = dir.path() / "killed.checkpoint";
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ToyInput child;
    child.out_dir = out;
    auto in = child.input();
    in.write = [&](Batch<Prefecture>& b) -> Status {
      for (size_t i = 0; i < b.records.size(); ++i) {
        if (b.index == 3 && i == b.records.size() / 2) ::kill(::getpid(), SIGKILL);
        write_file(out / b.records[i].code, b.records[i].name);
      }
      return Status::Ok();
    };
    auto cp = file_checkpoint(cp_file);
    Options opt = clean_opt;
    opt.checkpoint = cp.get();
    (void)run(dir.path() / "in.csv", in, opt);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_LT(state(out).size(), 40u);

  // The re-run resumes after the third batch and ends in the clean run's state.
  ToyInput rerun;
  rerun.out_dir = out;
  auto cp = file_checkpoint(cp_file);
  Options opt = clean_opt;
  opt.checkpoint = cp.get();
  auto in = rerun.input();
  auto r = run(dir.path() / "in.csv", in, opt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->file.first_row, 16);
  ASSERT_FALSE(rerun.written.empty());
  EXPECT_EQ(rerun.written.front().front(), 16);
  EXPECT_EQ(state(out), clean);
  EXPECT_FALSE(fs::exists(cp_file));
}

TEST_F(Pipeline, ACheckpointOfAnotherFileIsIgnored) {  // issue 14: resume
  auto checkpoint = file_checkpoint(dir.path() / "in.checkpoint");
  write_file(dir.path() / "in.csv", toy_csv(10));
  ASSERT_TRUE(checkpoint->save(dir.path() / "in.csv", Position{30, 5, 1}).ok());
  write_file(dir.path() / "in.csv", toy_csv(12));  // the file changed since
  Options opt;
  opt.checkpoint = checkpoint.get();
  auto in = toy.input();
  auto r = run(dir.path() / "in.csv", in, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->file.first_row, 1);
  EXPECT_EQ(r->rows, 12);
}

// ---- fixed-length records and inputs that arrive whole ----

TEST_F(Pipeline, FixedLengthRecordsInShiftJis) {  // issue 14: fixed-length reader hook
  auto in = toy.input();
  in.split = fixed_width({2, 8, 0});  // Code: 2 bytes, Name: 8 bytes (4 kanji in CP932)
  auto bytes = core::utf8_to_shift_jis("13東京都  \n14神奈川県\n15新潟\n");
  ASSERT_TRUE(bytes.ok());
  write_file(dir.path() / "fixed.dat", *bytes);
  auto r = run(dir.path() / "fixed.dat", in, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->file.encoding, core::Encoding::kShiftJis);
  EXPECT_EQ(r->rows, 3);
  EXPECT_EQ(read_file(toy.out_dir / "13"), "東京都");  // trailing spaces dropped
  EXPECT_EQ(read_file(toy.out_dir / "14"), "神奈川県");
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].row, 3);
  EXPECT_EQ(r->errors[0].code, "E_RECORD_LENGTH");
}

// Everything a run reports and writes, as text, to compare two runs.
std::string outcome(const Result<Summary>& r, const ToyInput& toy) {
  if (!r.ok()) return "error " + r.error().code + " " + r.error().field + " " + r.error().message;
  std::string s = "enc " + std::to_string(static_cast<int>(r->file.encoding)) + " rows " +
                  std::to_string(r->rows) + " rejected " + std::to_string(r->rejected) +
                  " notice " + r->notice + "\n";
  for (const auto& e : r->errors)
    s += std::to_string(e.row) + " " + e.field + " " + e.code + " " + e.message + "\n";
  for (const auto& [code, n] : r->errors_by_code) s += code + "=" + std::to_string(n) + " ";
  for (int c : r->file.columns) s += "c" + std::to_string(c);
  for (const auto& batch : toy.written) {
    s += "\nbatch";
    for (int64_t row : batch) s += " " + std::to_string(row);
  }
  for (const auto& [code, name] : state(toy.out_dir)) s += "\n" + code + "=" + name;
  return s;
}

TEST_F(Pipeline, BytesInMemoryRunAsTheirFile) {  // issue 20: file inputs fuzzed from memory
  auto sjis = core::utf8_to_shift_jis("Code,Name\r\n13,髙田馬場\r\n14,神奈川県\r\n");
  ASSERT_TRUE(sjis.ok());
  const std::string long_ascii = "Code,Name\n" + std::string(1 << 20, '\n') + "13,";
  const std::vector<std::string> inputs = {
      toy_csv(7), "\xEF\xBB\xBF" + toy_csv(3), *sjis, "", "\xEF\xBB\xBF", "Code\n",
      "Name,Code,Bogus,Code\n", "Code,Name\n1x,\n\n02,\"a\"b\n03,\xFF\xFE\n04,a,b,c\n05,最後",
      "Code,Name\n\"13,\n", long_ascii + *core::utf8_to_shift_jis("東京都\n"),
      long_ascii + "東京都", "Code,Name\n01,\x82\xA0\n02,\xE3\x81\x82\n"};
  for (size_t i = 0; i < inputs.size(); ++i) {
    Options opt;
    opt.batch_size = 2;
    std::vector<RowError> from_file, from_memory;
    opt.file_problems = &from_file;
    const std::string file = outcome(run_bytes(inputs[i], opt), toy);
    fs::remove_all(toy.out_dir);
    fs::create_directories(toy.out_dir);
    toy.written.clear();
    opt.file_problems = &from_memory;
    auto in = toy.input();
    const std::string memory = outcome(batch::run_bytes(inputs[i], in, opt), toy);
    EXPECT_EQ(memory, file) << "input " << i;
    EXPECT_EQ(from_memory.size(), from_file.size()) << "input " << i;
    EXPECT_EQ(detect_bytes_encoding(inputs[i]), *detect_file_encoding(dir.path() / "in.csv"));
    fs::remove_all(toy.out_dir);
    fs::create_directories(toy.out_dir);
    toy.written.clear();
  }
}

// `bytes` written into a FIFO by a thread while the pipeline reads it, as `generate | onshi
// import -` does; the writer is released if the run never opened the pipe.
Result<Summary> run_through_pipe(const fs::path& fifo, const std::string& bytes,
                                 const Input<Prefecture>& in, const Options& opt) {
  fs::remove(fifo);
  EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    for (size_t at = 0; fd >= 0 && at < bytes.size();) {
      const ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
      if (n <= 0) break;  // the reader stopped early (a refused header): EPIPE
      at += static_cast<size_t>(n);
    }
    if (fd >= 0) ::close(fd);
  });
  auto result = run(fifo, in, opt);
  const int release = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  writer.join();
  if (release >= 0) ::close(release);
  return result;
}

TEST_F(Pipeline, APipeIsReadAsItsFile) {  // issue 19: the nation streamed into the import
  ::signal(SIGPIPE, SIG_IGN);
  auto sjis = core::utf8_to_shift_jis("Code,Name\r\n13,髙田馬場\r\n14,神奈川県\r\n");
  ASSERT_TRUE(sjis.ok());
  // Kanji only after 9 MiB of ASCII (blank lines: no rows): past the reader's first 8 MiB.
  const std::string long_ascii = "Code,Name\n99,ascii\n" + std::string(9 << 20, '\n');
  const std::vector<std::string> inputs = {
      toy_csv(7), "\xEF\xBB\xBF" + toy_csv(3), *sjis, "", "Code\n",
      "Code,Name\n1x,\n\n02,\"a\"b\n03,\xFF\xFE\n04,a,b,c\n05,最後",
      long_ascii + *core::utf8_to_shift_jis("47,沖縄県\n"), long_ascii + "47,沖縄県"};
  auto checkpoint = file_checkpoint(dir.path() / "pipe.checkpoint");
  for (size_t i = 0; i < inputs.size(); ++i) {
    Options opt;
    opt.batch_size = 3;
    const std::string file = outcome(run_bytes(inputs[i], opt), toy);
    fs::remove_all(toy.out_dir);
    fs::create_directories(toy.out_dir);
    toy.written.clear();
    opt.checkpoint = checkpoint.get();  // a pipe is read once: no position is kept
    auto in = toy.input();
    auto through_pipe = run_through_pipe(dir.path() / "in.fifo", inputs[i], in, opt);
    const std::string piped = outcome(through_pipe, toy);
    EXPECT_EQ(piped, file) << "input " << i;
    EXPECT_FALSE(fs::exists(dir.path() / "pipe.checkpoint")) << "input " << i;
    fs::remove_all(toy.out_dir);
    fs::create_directories(toy.out_dir);
    toy.written.clear();
  }
}

TEST(ForEachRow, ABodyIsReadLikeAFile) {  // issue 14: one batch pipeline — whole inputs
  std::vector<Column> cols = {{"Code", true}, {"Name", true}};
  std::vector<std::string> seen;
  Status st = for_each_row("Name,Code\r\n東京都,13\r\n\r\n\"a\"b,14\n", cols, true,
                           [&](const Row& row) {
                             seen.push_back(std::to_string(row.number) + ":" +
                                            std::string(row.value(0)) + "/" +
                                            std::to_string(static_cast<int>(row.problem)));
                           });
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "1:13/0");
  EXPECT_EQ(seen[1], "2:/" + std::to_string(static_cast<int>(Unreadable::kQuote)));
  EXPECT_EQ(for_each_row("Nope\n", cols, true, [](const Row&) {}).error().code, "E_CSV_HEADER");
}

}  // namespace
}  // namespace onshi::batch
