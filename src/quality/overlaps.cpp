// 資格重複状況結果一覧 (R-REG-6): this insurer's members who hold another qualification whose
// coverage overlaps theirs, so a municipality can process the loss of 国保 without asking
// the employer (seed 000 §7; research domain-rules §11).
//
// Two passes: this insurer's current versions (an indexed range) give the people to look
// for, by person link; one pass over every current version then finds their other
// qualifications. Coverage is half-open (資格取得日 ≤ d < 資格喪失日), so a change of insurer
// where the new qualification starts on the old one's loss date is not an overlap. Every
// overlap is listed, 後期 and 国保 included, with both insurer numbers, so the municipality
// filters by kind itself; the list carries no My Number. The CSV is written to a temporary
// file beside the target and renamed, so a reader never sees half a list.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include "quality/detail.h"
#include "quality/quality.h"

namespace onshi::quality {
namespace {

struct Qual {
  std::string insurer_number, insurer_name, symbol, number, branch, family;
  std::string qualification_date, disqualification_date;
  std::string name, kana, birthdate, sex;
  std::string key;
};

Qual qual_of(const core::Qualification& q) {
  Qual r;
  r.insurer_number = q.insurer_number;
  r.insurer_name = q.insurer_name;
  r.symbol = q.insured_card_symbol;
  r.number = q.insured_identification_number;
  r.branch = q.insured_branch_number;
  r.family = q.personal_family_classification;
  r.qualification_date = q.qualification_date;
  r.disqualification_date = q.disqualification_date;
  r.name = q.name;
  r.kana = q.name_kana;
  r.birthdate = q.birthdate;
  r.sex = q.sex1;
  r.key = q.card_key();
  return r;
}

// Open end sorts after every date.
const std::string& end_of(const Qual& q) {
  static const std::string kOpen = "99999999";
  return q.disqualification_date.empty() ? kOpen : q.disqualification_date;
}

void csv_field(std::string& out, std::string_view v) {
  if (!out.empty() && out.back() != '\n') out.push_back(',');
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

constexpr const char* kHeader =
    "InsurerNumber,InsuredCardSymbol,InsuredIdentificationNumber,InsuredBranchNumber,Name,"
    "NameKana,Birthdate,Sex1,QualificationDate,DisqualificationDate,OtherInsurerNumber,"
    "OtherInsurerName,OtherInsuredCardSymbol,OtherInsuredIdentificationNumber,"
    "OtherInsuredBranchNumber,OtherPersonalFamilyClassification,OtherQualificationDate,"
    "OtherDisqualificationDate,OverlapStartDate,OverlapEndDate\n";

// UTF-8 text → Shift_JIS; a character CP932 has no form for becomes 〓 and is counted (the
// stored set is JIS X 0208, so this happens only with data registered before it applied).
std::string to_sjis(const std::string& utf8, int64_t& substituted) {
  if (auto all = core::utf8_to_shift_jis(utf8); all) return std::move(*all);
  std::string out;
  size_t i = 0;
  while (i < utf8.size()) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    n = std::min(n, utf8.size() - i);
    auto one = core::utf8_to_shift_jis(std::string_view(utf8).substr(i, n));
    if (one) {
      out += *one;
    } else {
      out += "\x81\xAC";  // 〓
      ++substituted;
    }
    i += n;
  }
  return out;
}

}  // namespace

Result<std::string> overlaps_csv(store::Store& store, const OverlapOptions& options,
                                 OverlapSummary* summary_out) {
  auto insurer = detail::checked_insurer(options.insurer_number);
  if (!insurer) return insurer.error();
  OverlapSummary summary;

  // Pass 1: this insurer's members with a person link.
  std::vector<Qual> own;
  std::unordered_map<std::string, std::vector<uint32_t>> by_link;
  auto st = store.scan_current(*insurer, [&](const store::QualificationVersion& v) {
    ++summary.members;
    if (v.person_link.empty()) return true;
    by_link[v.person_link].push_back(static_cast<uint32_t>(own.size()));
    own.push_back(qual_of(v.qualification));
    return true;
  });
  if (!st) return st.error();

  // Pass 2: every current qualification of those people.
  struct Row {
    uint32_t own;
    Qual other;
    std::string start, end;
  };
  std::vector<Row> rows;
  if (!by_link.empty()) {
    st = store.scan_current("", [&](const store::QualificationVersion& v) {
      if (v.person_link.empty()) return true;
      auto it = by_link.find(v.person_link);
      if (it == by_link.end()) return true;
      std::string key = v.qualification.card_key();
      std::optional<Qual> other;
      for (uint32_t i : it->second) {
        const Qual& mine = own[i];
        if (mine.key == key) continue;
        if (!other) other = qual_of(v.qualification);
        const std::string& start = std::max(mine.qualification_date, other->qualification_date);
        const std::string& end = std::min(end_of(mine), end_of(*other));
        if (!(start < end)) continue;
        rows.push_back(Row{i, *other, start, end == "99999999" ? std::string() : end});
      }
      return true;
    });
    if (!st) return st.error();
  }
  std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    const auto& ka = own[a.own].key;
    const auto& kb = own[b.own].key;
    return ka != kb ? ka < kb : a.other.key < b.other.key;
  });

  std::string text = kHeader;
  text.reserve(text.size() + rows.size() * 200);
  for (const auto& r : rows) {
    const Qual& m = own[r.own];
    for (const std::string* f :
         {&m.insurer_number, &m.symbol, &m.number, &m.branch, &m.name, &m.kana, &m.birthdate,
          &m.sex, &m.qualification_date, &m.disqualification_date, &r.other.insurer_number,
          &r.other.insurer_name, &r.other.symbol, &r.other.number, &r.other.branch,
          &r.other.family, &r.other.qualification_date, &r.other.disqualification_date,
          &r.start, &r.end})
      csv_field(text, *f);
    text.push_back('\n');
  }
  summary.overlaps = static_cast<int64_t>(rows.size());
  if (options.encoding == core::Encoding::kShiftJis) text = to_sjis(text, summary.substituted);
  if (summary_out) *summary_out = summary;
  return text;
}

Result<OverlapSummary> write_overlaps(store::Store& store, const OverlapOptions& options,
                                      const std::filesystem::path& out_path) {
  OverlapSummary summary;
  auto csv = overlaps_csv(store, options, &summary);
  if (!csv) return csv.error();
  const std::string& text = *csv;
  std::filesystem::path tmp = out_path;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Error{"E_FILE", "out", "ファイル " + out_path.string() + " を書けません"};
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.flush();
    if (!f) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return Error{"E_FILE", "out", "ファイル " + out_path.string() + " を書けません"};
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out_path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Error{"E_FILE", "out", "ファイル " + out_path.string() + " を書けません"};
  }
  return summary;
}

}  // namespace onshi::quality
