// Encoder and decoder of the compact payload (see payload.h). Decoding walks the string once
// and fills the struct's members in place through a table of member pointers, so the field
// order is written down in exactly one place and no temporary field list is built.
#include "store/payload.h"

#include <algorithm>
#include <array>

#include "core/qualification_json.h"

namespace onshi::store {
namespace {

using Q = core::Qualification;
constexpr char kEsc = '\x1b', kGroup = '\x1e', kField = '\x1f';

constexpr std::array<std::string Q::*, 24> kBase = {
    &Q::insurer_number, &Q::insured_card_symbol, &Q::insured_identification_number,
    &Q::insured_branch_number, &Q::insurer_name, &Q::insured_card_classification,
    &Q::personal_family_classification, &Q::insured_name, &Q::name, &Q::name_of_other,
    &Q::name_kana, &Q::name_of_other_kana, &Q::sex1, &Q::sex2, &Q::birthdate, &Q::post_number,
    &Q::address, &Q::qualification_date, &Q::disqualification_date, &Q::reason_of_loss,
    &Q::insured_certificate_issuance_date, &Q::insured_card_valid_date,
    &Q::insured_card_expiration_date, &Q::insured_partial_contribution_ratio};
using E = core::ElderlyRecipientCertificate;
constexpr std::array<std::string E::*, 4> kElderly = {&E::certificate_date, &E::valid_start_date,
                                                     &E::valid_end_date, &E::contribution_ratio};
using L = core::LimitApplicationCertificate;
constexpr std::array<std::string L::*, 6> kLimit = {
    &L::classification,   &L::classification_flag, &L::certificate_date,
    &L::valid_start_date, &L::valid_end_date,      &L::long_term_date};
using S = core::SpecificDiseasesCertificate;
constexpr std::array<std::string S::*, 5> kSpecific = {&S::disease_category, &S::certificate_date,
                                                      &S::valid_start_date, &S::valid_end_date,
                                                      &S::self_pay};

void put(std::string& out, const std::string& v) {
  for (char c : v) {
    if (c == kEsc || c == kGroup || c == kField) out += kEsc;
    out += c;
  }
}

template <class T, size_t N>
void put_all(std::string& out, const T& obj, const std::array<std::string T::*, N>& members) {
  for (size_t i = 0; i < N; ++i) {
    if (i) out += kField;
    put(out, obj.*members[i]);
  }
}

// Reads the next field of a group starting at `pos` into `out` (unescaping), and moves `pos`
// past the field's separator. Returns false at the end of the group.
bool next_field(std::string_view g, size_t& pos, std::string& out) {
  if (pos > g.size()) return false;
  out.clear();
  size_t i = pos;
  size_t run = i;  // start of the current unescaped run, appended in one piece
  for (; i < g.size(); ++i) {
    char c = g[i];
    if (c == kEsc && i + 1 < g.size()) {
      out.append(g.data() + run, i - run);
      out += g[++i];
      run = i + 1;
    } else if (c == kField) {
      break;
    }
  }
  out.append(g.data() + run, i - run);
  pos = i + 1;
  return true;
}

template <class T, size_t N>
bool take_all(std::string_view g, T& obj, const std::array<std::string T::*, N>& members) {
  size_t pos = 0;
  for (size_t i = 0; i < N; ++i)
    if (!next_field(g, pos, obj.*members[i])) return false;
  return pos == g.size() + 1;  // exactly N fields
}

}  // namespace

std::string encode_payload(const core::Qualification& q) {
  std::string out;
  out.reserve(256);
  out += "Q1";
  put_all(out, q, kBase);
  if (q.elderly_recipient) {
    out += kGroup;
    out += 'E';
    put_all(out, *q.elderly_recipient, kElderly);
  }
  if (q.limit_application) {
    out += kGroup;
    out += 'L';
    put_all(out, *q.limit_application, kLimit);
  }
  for (const auto& s : q.specific_diseases) {
    out += kGroup;
    out += 'S';
    put_all(out, s, kSpecific);
  }
  return out;
}

Result<core::Qualification> decode_payload(std::string_view p) {
  core::Qualification q;
  if (Status st = decode_payload_into(p, q); !st) return st.error();
  return q;
}

Status decode_payload_into(std::string_view p, core::Qualification& q) {
  if (!p.empty() && p.front() == '{') {
    auto j = core::qualification_from_json(p);
    if (!j) return j.error();
    q = std::move(*j);
    return {};
  }
  auto bad = [] { return Status::Fail("E_STORE_CORRUPT", "", "unreadable qualification payload"); };
  if (p.substr(0, 2) != "Q1") return bad();
  p.remove_prefix(2);
  // Groups end at an unescaped U+001E; each is decoded as soon as it is found.
  size_t start = 0;
  bool first = true;
  for (size_t i = 0;; ++i) {
    if (i < p.size() && p[i] == kEsc) {
      ++i;
      continue;
    }
    if (i < p.size() && p[i] != kGroup) continue;
    const std::string_view g = p.substr(start, std::min(i, p.size()) - start);
    start = i + 1;
    if (first) {
      first = false;
      if (!take_all(g, q, kBase)) return bad();
    } else {
      if (g.empty()) return bad();
      const std::string_view f = g.substr(1);
      if (g.front() == 'E') {
        q.elderly_recipient.emplace();
        if (!take_all(f, *q.elderly_recipient, kElderly)) return bad();
      } else if (g.front() == 'L') {
        q.limit_application.emplace();
        if (!take_all(f, *q.limit_application, kLimit)) return bad();
      } else if (g.front() == 'S') {
        q.specific_diseases.emplace_back();
        if (!take_all(f, q.specific_diseases.back(), kSpecific)) return bad();
      } else {
        return bad();
      }
    }
    if (i >= p.size()) break;
  }
  return {};
}

}  // namespace onshi::store
