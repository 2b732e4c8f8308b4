// The demo's 医療扶助 part (R-AID-1..3, seed 004): a welfare office (福祉事務所) with its
// certificate, two recipients with demo cards — one whose ticket of the month designates the
// demo clinic (委託), one whose ticket designates another clinic (未委託) — and the demo
// clinic's 「医療扶助情報：利用する」 setting, so a newcomer can confirm both and see the
// difference R-AID-2 makes.
//
// The recipients and tickets are written through the store interfaces (members(), tickets()),
// as a welfare office's registration would leave them; the clinic's setting through the
// institutions registry. Everything is idempotent: a re-run in the same month changes nothing.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "core/date.h"
#include "core/status.h"

namespace onshi::cli::demo_aid {

// The office's 公費負担者番号 (法別 12) and the recipients' 受給者番号 and birth dates.
inline constexpr const char* kOffice = "12131017";
inline constexpr const char* kContractedNumber = "1000017";
inline constexpr const char* kContractedBirth = "19520310";
inline constexpr const char* kNotContractedNumber = "1000025";
inline constexpr const char* kNotContractedBirth = "19481122";
// The clinic the second recipient's ticket designates (not the demo clinic).
inline constexpr const char* kOtherClinic = "1310112352";

// The demo cards of the two recipients: file id, label, My Number (PIN as the other cards).
struct Card {
  const char* id;
  const char* label;
  const char* my_number;
};
inline constexpr Card kCards[] = {
    {"7-hogo-hanako", "保護 花子（医療扶助・委託）", "667788990019"},
    {"8-seiho-jiro", "生保 次郎（医療扶助・未委託）", "778899001126"},
};

// The welfare office's certificate in DIR/welfare-office, unless made by an earlier run.
Status make_office_certificate(const std::filesystem::path& dir);

// The two recipients (member store, with their person links), this month's tickets (ticket
// store) and the demo clinic `clinic` with 医療扶助 on (institutions registry). Needs the data
// directory's keyring (made by the import before).
Status register_recipients(const std::filesystem::path& dir, const std::string& clinic,
                           core::Date today);

// The commands that confirm both recipients: by numbers (the sample files written by the
// demo, aid-*.xml) and by card (their card files, for the reception screen or `card touch`).
void print_commands(std::ostream& out, const std::filesystem::path& dir, const std::string& base,
                    const std::string& tls);

}  // namespace onshi::cli::demo_aid
