// The gate of clinical information (access/access.h: Gatekeeper::authorize): account, role,
// consent, disaster period — decided in that order, then audited durably, allowed or not
// (Gatekeeper::prepare hands the entry to the caller to make durable).
//
// Consents and accounts are read from the database on every call (one read of both,
// AccessStore::gate_facts), so a withdrawal or a removed account counts on the next request
// whichever server takes it. Disaster periods are the one
// thing kept: a copy of the whole (short) list, reloaded when it is older than
// `disaster_cache`, so a declaration reaches every server within about a second without a
// query per view.
#include <utility>

#include "access/access.h"
#include "core/date.h"

namespace onshi::access {
namespace {

Decision refuse(std::string code, std::string field, std::string message) {
  Decision d;
  d.refusal = Error{std::move(code), std::move(field), std::move(message)};
  return d;
}

// The refusal of a consent that ended: its OQSCD031 reason in the message.
Decision expired(const store::ConsentRow& c) {
  const std::string& r = c.withdrawn_reason;
  std::string why = !c.withdrawn_at_us ? "有効期限が過ぎています"
                    : r == "1"         ? "医療機関により同意が取り消されました"
                    : r == "2"         ? "患者により同意が取り消されました"
                                       : "用途変更により同意が取り消されました";
  Decision d = refuse("E_CONSENT_EXPIRED", "consent",
                      "同意有効期限切れ（" + why + "）。カードリーダーで改めて同意を得てください");
  d.expiry_reason = c.withdrawn_at_us ? r : "0";
  d.consent = c;
  return d;
}

bool live(const store::ConsentRow& c, int64_t now_us) {
  return !c.withdrawn_at_us && c.consented_at_us <= now_us && now_us < c.available_until_us;
}

}  // namespace

Gatekeeper::Gatekeeper(store::AccessStore& store, security::AuditLog& audit, GateOptions options)
    : store_(store), audit_(audit), options_(options) {}

Result<bool> Gatekeeper::disaster_in_force(std::string_view institution, int64_t now_us) {
  std::vector<store::DisasterPeriod> periods;
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!loaded_at_ || now - *loaded_at_ >= options_.disaster_cache) {
      auto all = store_.disasters();
      if (!all) return all.error();
      disasters_ = std::move(*all);
      loaded_at_ = now;
    }
    periods = disasters_;
  }
  const std::string_view prefecture = institution.substr(0, 2);
  for (const auto& p : periods) {
    if (now_us < p.from_us || now_us >= p.to_us) continue;
    for (const auto& x : p.prefectures)
      if (x == prefecture) return true;
  }
  return false;
}

Decision Gatekeeper::decide(const AccessRequest& q, int64_t now_us) {
  if (q.account.empty())
    return refuse("E_ACCOUNT_MISSING", "account",
                  "医療従事者のアカウントが指定されていません。医師・歯科医師・薬剤師のアカウントで"
                  "サインインしてください");
  // The account and the person's latest consent in one read (one snapshot).
  auto facts = store_.gate_facts(q.institution, q.account, q.person_link, category_code(q.category));
  if (!facts) return refuse("E_STORE", "", "アクセスの可否を確認できませんでした");
  const auto& account = facts->account;
  if (!account || account->removed_at_us)
    return refuse("E_ACCOUNT_UNKNOWN", "account",
                  "このアカウントはこの医療機関に登録されていません");
  auto role = parse_role(account->role);
  if (!role) return refuse("E_ACCOUNT_ROLE", "account", role.error().message);
  const std::string role_text(account->role);
  if (!role_may_view(*role, q.category)) {
    Decision d = refuse("E_ACCOUNT_ROLE", "account",
                        std::string(role_label(*role)) + "のアカウントでは" +
                            std::string(category_label(q.category)) + "を閲覧できません");
    d.role = role_text;
    return d;
  }
  Decision d;
  d.role = role_text;
  std::optional<store::ConsentRow>& latest = facts->consent;
  if (latest && live(*latest, now_us)) {
    d.allowed = true;
    d.basis = "consent";
    d.consent = latest;
    return d;
  }
  if (q.category == Category::kMedication || q.category == Category::kTreatment) {
    auto disaster = disaster_in_force(q.institution, now_us);
    if (!disaster) return refuse("E_STORE", "", "アクセスの可否を確認できませんでした");
    if (*disaster && !q.person_link.empty()) {
      d.allowed = true;
      d.basis = "disaster";
      d.consent = latest;
      return d;
    }
  }
  Decision r = latest ? expired(*latest)
                      : refuse("E_CONSENT_NONE", "consent",
                               "この患者から" + std::string(category_label(q.category)) +
                                   "の閲覧の同意を得ていません（マイナンバーカードでの資格確認時に"
                                   "同意が必要です）");
  r.role = role_text;
  return r;
}

PendingDecision Gatekeeper::prepare(const AccessRequest& q) {
  const int64_t now_us = q.now_us ? q.now_us : core::now_unix_us();
  PendingDecision p;
  p.decision = decide(q, now_us);
  const Decision& d = p.decision;
  security::ClinicalAccess& a = p.audit;
  a.medical_institution_code = q.institution;
  a.person = q.person_link.empty() ? "" : person_link_hex(q.person_link);
  a.account = q.account;
  a.role = d.role;
  a.category = std::string(category_code(q.category));
  a.view = q.view;
  a.allowed = d.allowed;
  a.code = d.allowed ? "" : d.refusal.code;
  a.basis = d.basis;
  return p;
}

Decision Gatekeeper::audit_failed(const Decision& d, const Error& error) {
  Decision failed;
  failed.refusal = Error{"E_STORE", "", error.message};
  failed.role = d.role;
  return failed;
}

Decision Gatekeeper::authorize(const AccessRequest& q) {
  PendingDecision p = prepare(q);
  if (auto st = audit_.record_durable(p.audit); !st) return audit_failed(p.decision, st.error());
  return std::move(p.decision);
}

std::string person_link_hex(std::string_view person_link) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(person_link.size() * 2);
  for (unsigned char c : person_link) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

Result<std::string> parse_person_link_hex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  bool ok = hex.size() == 64;
  for (size_t i = 0; ok && i < hex.size(); i += 2) {
    int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    ok = hi >= 0 && lo >= 0;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (!ok)
    return Error{
        "E_PERSON_LINK", "personLink",
        "個人リンクは64桁の16進数です (onshi clinical consents list --card-serial で確認できます)"};
  return out;
}

}  // namespace onshi::access
