// The stored form of a 医療扶助 ticket (store/tickets_backend.h): one positional payload
// written through a table of member pointers, so the field order is written down once, the
// small helpers both ticket stores share, and the start of a file's load (ticket_load.h),
// which asks the SQLite backend for its bulk load.
#include <algorithm>
#include <array>
#include <tuple>

#include "store/ticket_load.h"
#include "store/tickets_backend.h"

namespace onshi::store::detail {
namespace {

using T = core::MedicalTicket;
constexpr char kEsc = '\x1b', kGroup = '\x1e', kField = '\x1f';

constexpr std::array<std::string T::*, 27> kFields = {&T::insurer_number,
                                                      &T::insured_identification_number,
                                                      &T::ticket_type,
                                                      &T::valid_date,
                                                      &T::expiration_date,
                                                      &T::issue_number,
                                                      &T::medical_treatment_month,
                                                      &T::designated_code,
                                                      &T::designated_name,
                                                      &T::prescription_issuer_code,
                                                      &T::prescription_issuer_name,
                                                      &T::injury_name1,
                                                      &T::injury_name2,
                                                      &T::injury_name3,
                                                      &T::medical_treatment_type,
                                                      &T::self_pay_amount,
                                                      &T::district_contact_name,
                                                      &T::handling_contact_name,
                                                      &T::single_or_combined_use,
                                                      &T::status_of_social_insurance,
                                                      &T::consistency_flag,
                                                      &T::status_of_infection,
                                                      &T::status_of_elderly_medical_care,
                                                      &T::status_of_prefectural_expenses,
                                                      &T::remarks1,
                                                      &T::remarks2,
                                                      &T::remarks3};

}  // namespace

std::string encode_ticket(const core::MedicalTicket& t) {
  std::string out = "T1";
  out.reserve(256);
  for (size_t i = 0; i < kFields.size(); ++i) {
    if (i) out += kField;
    for (char c : t.*kFields[i]) {
      if (c == kEsc || c == kGroup || c == kField) out += kEsc;
      out += c;
    }
  }
  return out;
}

Result<core::MedicalTicket> decode_ticket(std::string_view p) {
  const Error bad{"E_STORE_CORRUPT", "", "unreadable ticket payload"};
  if (p.substr(0, 2) != "T1") return bad;
  core::MedicalTicket t;
  size_t field = 0;
  std::string* out = &(t.*kFields[0]);
  for (size_t i = 2; i < p.size(); ++i) {
    char c = p[i];
    if (c == kEsc && i + 1 < p.size()) {
      *out += p[++i];
    } else if (c == kField) {
      if (++field == kFields.size()) return bad;
      out = &(t.*kFields[field]);
    } else if (c == kGroup || c == kEsc) {
      return bad;
    } else {
      *out += c;
    }
  }
  if (field + 1 != kFields.size()) return bad;
  return t;
}

std::pair<std::string, std::string> ticket_key_range(std::string_view insurer,
                                                     std::string_view recipient) {
  std::string lo(insurer);
  lo += '\x1f';
  if (!recipient.empty()) {
    lo += recipient;
    lo += '\x1f';
  }
  std::string hi = lo;
  hi.back() = '\x20';  // the byte after U+001F
  return {lo, hi};
}

void sort_by_month(std::vector<TicketVersion>& versions) {
  std::sort(versions.begin(), versions.end(), [](const TicketVersion& a, const TicketVersion& b) {
    const auto &x = a.ticket, &y = b.ticket;
    return std::tie(x.medical_treatment_month, x.issue_number, x.insurer_number,
                    x.insured_identification_number) < std::tie(y.medical_treatment_month,
                                                                y.issue_number, y.insurer_number,
                                                                y.insured_identification_number);
  });
}

Status check_key(const core::MedicalTicket& t, size_t index) {
  if (!t.insurer_number.empty() && !t.insured_identification_number.empty() &&
      !t.issue_number.empty())
    return Status::Ok();
  return Status::Fail("E_STORE", "ticket",
                      "ticket " + std::to_string(index + 1) +
                          " of the batch lacks its InsurerNumber, "
                          "InsuredIdentificationNumber or IssueNumber");
}

Error ticket_version_conflict(int64_t version_id) {
  return Error{"E_COPY_CONFLICT", "medical_aid_tickets",
               "ticket version " + std::to_string(version_id) +
                   " differs between the source and the target"};
}

}  // namespace onshi::store::detail

namespace onshi::store {
namespace {

// Each batch through put_tickets (no bulk load).
class BatchLoad final : public TicketLoad {
 public:
  explicit BatchLoad(TicketStore& tickets) : tickets_(tickets) {}
  bool bulk() const override { return false; }
  Result<std::vector<PutOutcome>> put(std::span<const TicketPut> items) override {
    return tickets_.put_tickets(items);
  }
  Status finish() override { return Status::Ok(); }

 private:
  TicketStore& tickets_;
};

// The SQLite backend's bulk load, begun.
class BulkLoad final : public TicketLoad {
 public:
  explicit BulkLoad(detail::SqliteTicketStore& tickets) : tickets_(tickets) {}
  bool bulk() const override { return !finished_; }
  Result<std::vector<PutOutcome>> put(std::span<const TicketPut> items) override {
    if (finished_) return tickets_.put_tickets(items);
    if (Status st = tickets_.put_bulk(items); !st) return st.error();
    return std::vector<PutOutcome>(items.size(), PutOutcome::kAdded);
  }
  Status finish() override {
    if (finished_) return Status::Ok();
    finished_ = true;
    return tickets_.finish_bulk();
  }

 private:
  detail::SqliteTicketStore& tickets_;
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<TicketLoad>> begin_ticket_load(TicketStore& tickets) {
  if (auto* sqlite = dynamic_cast<detail::SqliteTicketStore*>(&tickets)) {
    auto began = sqlite->begin_bulk();
    if (!began) return began.error();
    if (*began) return std::unique_ptr<TicketLoad>(std::make_unique<BulkLoad>(*sqlite));
  }
  return std::unique_ptr<TicketLoad>(std::make_unique<BatchLoad>(tickets));
}

}  // namespace onshi::store
