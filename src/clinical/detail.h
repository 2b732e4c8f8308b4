// The clinical module's inside (not part of its contract): a row checked by its kind's rules
// before its person is known (kinds.cpp), and the person of a qualification (resolve.cpp).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <variant>
#include <vector>

#include "clinical/clinical.h"
#include "store/store.h"

namespace onshi::clinical::detail {

// A row that passed its kind's rules: the qualification it names (normalised), its natural
// key columns, the day windows count from, and the payload to store.
struct Parsed {
  std::string insurer, symbol, number, branch;
  std::string key_tail;     // the kind's key columns, joined by U+001F
  std::string record_date;  // YYYYMMDD
  std::string payload;      // payload_columns(kind) values, joined by U+001F
};
using RowErrors = std::vector<batch::RowError>;

// Checks one row of `kind` (values by columns(kind) index): every error found, or the row.
std::variant<Parsed, RowErrors> parse_row(ClinicalKind kind, const batch::Row& row,
                                          const LoadOptions& load);

// The qualification a row names → its card key and person link, as known now. Cached per
// load (a person's rows name the same qualification): the four card columns are hashed in
// place (no key string is built) and compared in full on a hit; thread-safe.
class Resolver {
 public:
  explicit Resolver(store::Store& members);
  struct Person {
    std::string card_key, person_link;
    std::string name, name_kana, birthdate;  // the qualification's (expenses check them)
  };
  // The person (valid as long as the Resolver), or the row's error: E_CLINICAL_QUALIFICATION
  // (unknown, or several branches when the 枝番 is omitted), E_CLINICAL_PERSON (no person
  // link), E_STORE.
  std::variant<const Person*, batch::RowError> resolve(const Parsed& p, int64_t row);

 private:
  struct Entry {
    std::string insurer, symbol, number, branch;
    std::variant<Person, batch::RowError> answer;
  };
  std::variant<Person, batch::RowError> lookup(const Parsed& p);
  const Entry* find(uint64_t h, const Parsed& p) const;  // caller holds mu_ (shared)
  store::Store& members_;
  const int64_t known_at_;
  std::shared_mutex mu_;
  std::deque<Entry> entries_;                         // stable addresses
  std::vector<std::pair<uint64_t, uint32_t>> slots_;  // hash → entries_ index + 1; 0 empty
};

// 医療費通知情報: the row's Name and Birthdate against its qualification's (expenses.cpp).
// The error (E_EXPENSE_PERSON, field Name or Birthdate), or nullopt when they agree.
std::optional<batch::RowError> check_expense_person(const Parsed& p, const Resolver::Person& who,
                                                    int64_t row);

}  // namespace onshi::clinical::detail
