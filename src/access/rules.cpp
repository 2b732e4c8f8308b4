// The rules of clinical access that are plain values (access/access.h): categories, roles and
// what each role may see, the consent windows by care setting, and the operations that change
// the access store — consents at the reader and their withdrawal, professional accounts,
// disaster periods — each audited where it happens.
#include <algorithm>
#include <array>

#include "access/access.h"
#include "core/date.h"

namespace onshi::access {
namespace {

struct CategoryInfo {
  Category category;
  std::string_view code, name, label;
};
constexpr std::array<CategoryInfo, 4> kCategoryInfo = {{
    {Category::kMedication, "YZK", "medication", "薬剤情報・処方／調剤情報"},
    {Category::kHealthCheckup, "TKK", "checkup", "特定健診情報"},
    {Category::kTreatment, "SRJ", "treatment", "診療情報"},
    {Category::kSurgery, "SHJ", "surgery", "手術情報"},
}};

struct RoleInfo {
  ProfessionalRole role;
  std::string_view code, label;
};
constexpr std::array<RoleInfo, 4> kRoleInfo = {{
    {ProfessionalRole::kReception, "reception", "受付"},
    {ProfessionalRole::kDoctor, "doctor", "医師"},
    {ProfessionalRole::kDentist, "dentist", "歯科医師"},
    {ProfessionalRole::kPharmacist, "pharmacist", "薬剤師"},
}};

const CategoryInfo& info(Category c) {
  return kCategoryInfo[static_cast<size_t>(c)];
}

}  // namespace

std::string_view category_code(Category c) {
  return info(c).code;
}
std::string_view category_name(Category c) {
  return info(c).name;
}
std::string_view category_label(Category c) {
  return info(c).label;
}

Result<Category> parse_category(std::string_view text) {
  for (const auto& i : kCategoryInfo)
    if (text == i.code || text == i.name) return i.category;
  return Error{
      "E_CODE", "category",
      "情報の種別は medication, checkup, treatment, surgery (YZK, TKK, SRJ, SHJ) のいずれかです"};
}

std::string_view role_code(ProfessionalRole r) {
  return kRoleInfo[static_cast<size_t>(r)].code;
}
std::string_view role_label(ProfessionalRole r) {
  return kRoleInfo[static_cast<size_t>(r)].label;
}

Result<ProfessionalRole> parse_role(std::string_view text) {
  for (const auto& i : kRoleInfo)
    if (text == i.code || text == i.label) return i.role;
  return Error{"E_ACCOUNT_ROLE", "role",
               "役割は reception (受付), doctor (医師), dentist (歯科医師), pharmacist (薬剤師) "
               "のいずれかです"};
}

bool role_may_view(ProfessionalRole r, Category c) {
  switch (r) {
    case ProfessionalRole::kReception:
      return false;  // coverage only
    case ProfessionalRole::kDoctor:
    case ProfessionalRole::kDentist:
      return true;
    case ProfessionalRole::kPharmacist:
      return c != Category::kSurgery;
  }
  return false;
}

bool is_pharmacy(std::string_view institution_code) {
  return institution_code.size() == 10 && institution_code[2] == '4';
}

Result<int64_t> consent_window_us(std::string_view care_setting) {
  constexpr int64_t kHour = 3600LL * 1000000;
  if (care_setting == "1" || care_setting == "4") return 24 * kHour;
  if (care_setting == "2" || care_setting == "3") return 30 * 24 * kHour;
  return Error{
      "E_CODE", "careSetting",
      "診療区分は 1 (外来), 2 (訪問診療等), 3 (オンライン診療等), 4 (救急時) のいずれかです"};
}

Status record_consents(store::AccessStore& store, const ReaderConsent& c) {
  auto window = consent_window_us(c.care_setting);
  if (!window) return window.error();
  if (c.categories.empty()) return {};
  std::vector<store::ConsentRow> rows;
  for (Category cat : c.categories) {
    store::ConsentRow r;
    r.person_link = c.person_link;
    r.institution = c.institution;
    r.category = std::string(category_code(cat));
    r.care_setting = c.care_setting;
    r.card_serial = c.card_serial;
    r.consented_at_us = c.consented_at_us;
    r.available_until_us = c.consented_at_us + *window;
    rows.push_back(std::move(r));
  }
  return store.put_consents(rows).status();
}

Result<int64_t> withdraw_consents(store::AccessStore& store, security::AuditLog& audit,
                                  const security::Actor& actor, std::string_view person_link,
                                  std::string_view institution, std::optional<Category> category,
                                  std::string_view reason) {
  if (reason != "1" && reason != "2" && reason != "3")
    return Error{"E_CODE", "reason",
                 "取り消しの理由は 1 (医療機関), 2 (患者), 3 (用途変更) のいずれかです"};
  const std::string cat = category ? std::string(category_code(*category)) : "";
  auto n = store.withdraw_consents(person_link, institution, cat, reason, core::now_unix_us());
  if (!n) return n.error();
  security::ConsentWithdrawal w{actor, person_link_hex(person_link), std::string(institution),
                                cat,   std::string(reason),          *n};
  if (auto st = audit.record_durable(w); !st) return st.error();
  return *n;
}

Status check_account_id(std::string_view id) {
  const bool ok = !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
  if (!ok)
    return Status::Fail("E_ACCOUNT_ID", "id", "アカウントIDは英数字と . _ - の1〜32文字です");
  return {};
}

Status register_account(store::AccessStore& store, security::AuditLog& audit,
                        std::string_view institution, std::string_view account_id,
                        std::string_view role) {
  if (auto st = check_account_id(account_id); !st) return st;
  auto r = parse_role(role);
  if (!r) return r.error();
  if (is_pharmacy(institution) && *r != ProfessionalRole::kReception &&
      *r != ProfessionalRole::kPharmacist)
    return Status::Fail("E_ACCOUNT_ROLE", "role",
                        "薬局で登録できる役割は 受付 (reception) と 薬剤師 (pharmacist) だけです");
  store::ProfessionalAccount a{std::string(institution), std::string(account_id),
                               std::string(role_code(*r)), core::now_unix_us(), std::nullopt};
  if (auto st = store.put_account(a); !st) return st;
  return audit.record_durable(security::AccountChange{a.institution, a.account_id, a.role, false});
}

Result<bool> remove_account(store::AccessStore& store, security::AuditLog& audit,
                            std::string_view institution, std::string_view account_id) {
  if (auto st = check_account_id(account_id); !st) return st.error();
  auto removed = store.remove_account(institution, account_id, core::now_unix_us());
  if (!removed) return removed.error();
  if (*removed)
    if (auto st = audit.record_durable(
            security::AccountChange{std::string(institution), std::string(account_id), "", true});
        !st)
      return st.error();
  return *removed;
}

Result<std::vector<std::string>> parse_prefectures(std::string_view text) {
  std::vector<std::string> out;
  auto bad = [&] {
    return Error{"E_PREFECTURE", "prefectures",
                 "都道府県は 01〜47 の2桁の番号をカンマで区切って指定してください（例: 13,14）"};
  };
  if (text.empty()) return bad();
  while (true) {
    size_t comma = text.find(',');
    std::string_view p = text.substr(0, comma);
    std::string code = p.size() == 1 ? "0" + std::string(p) : std::string(p);
    if (code.size() != 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9')
      return bad();
    int n = (code[0] - '0') * 10 + (code[1] - '0');
    if (n < 1 || n > 47 || std::find(out.begin(), out.end(), code) != out.end()) return bad();
    out.push_back(code);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<int64_t> declare_disaster(store::AccessStore& store, security::AuditLog& audit,
                                 const std::vector<std::string>& prefectures, int64_t from_us,
                                 int64_t to_us, std::string_view note) {
  if (prefectures.empty()) return parse_prefectures("").error();
  if (to_us <= from_us)
    return Error{"E_DISASTER_PERIOD", "to", "終了日時は開始日時より後にしてください"};
  store::DisasterPeriod p{
      0, prefectures, from_us, to_us, core::now_unix_us(), std::nullopt, std::string(note)};
  auto id = store.declare_disaster(p);
  if (!id) return id.error();
  std::string joined;
  for (const auto& x : prefectures) joined += (joined.empty() ? "" : ",") + x;
  security::DisasterChange c{security::operator_actor(),
                             *id,
                             false,
                             joined,
                             core::timestamp_jst(from_us),
                             core::timestamp_jst(to_us),
                             std::string(note)};
  if (auto st = audit.record_durable(c); !st) return st.error();
  return *id;
}

Status end_disaster(store::AccessStore& store, security::AuditLog& audit, int64_t id) {
  auto ended = store.end_disaster(id, core::now_unix_us());
  if (!ended) return ended.status();
  if (!*ended)
    return Status::Fail("E_DISASTER_UNKNOWN", "id",
                        "その番号の災害時の期間はないか、すでに終わっています");
  auto all = store.disasters();
  if (!all) return all.status();
  security::DisasterChange c{security::operator_actor(), id, true, "", "", "", ""};
  for (const auto& p : *all) {
    if (p.id != id) continue;
    for (const auto& x : p.prefectures) c.prefectures += (c.prefectures.empty() ? "" : ",") + x;
    c.from = core::timestamp_jst(p.from_us);
    c.to = core::timestamp_jst(p.to_us);
    c.note = p.note;
  }
  return audit.record_durable(c);
}

}  // namespace onshi::access
