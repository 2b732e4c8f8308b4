// The simulated My Number card: placeholder bodies until the implementation lands.
#include "card/card.h"

namespace onshi::card {
namespace {
Error not_yet() { return Error{"E_CARD_FILE", "", "not implemented"}; }
}  // namespace
std::string_view method_name(Method m) {
  return m == Method::kPin ? "pin" : m == Method::kFace ? "face" : "visual";
}
std::optional<Method> parse_method(std::string_view n) {
  if (n == "pin") return Method::kPin;
  if (n == "face") return Method::kFace;
  if (n == "visual") return Method::kVisual;
  return std::nullopt;
}
Result<IssuedCard> issue(const std::filesystem::path&, const IssueOptions&, const std::filesystem::path&) { return not_yet(); }
Status link(const std::filesystem::path&, const std::filesystem::path&, std::string_view) { return not_yet(); }
Status revoke(const std::filesystem::path&, std::string_view) { return not_yet(); }
struct Card::State { std::string serial, label; };
Card::Card() : state_(std::make_shared<State>()) {}
Result<Card> Card::load(const std::filesystem::path&) { return not_yet(); }
const std::string& Card::serial() const { return state_->serial; }
const std::string& Card::label() const { return state_->label; }
int Card::pin_retries_left() const { return 0; }
bool Card::locked() const { return true; }
Result<Presentation> Card::present(std::string_view, Method, std::string_view) { return not_yet(); }
Status Card::verify_pin(std::string_view) { return not_yet(); }
struct Verifier::Impl {};
Verifier::Verifier() : impl_(std::make_unique<Impl>()) {}
Verifier::~Verifier() = default;
Result<std::unique_ptr<Verifier>> Verifier::open(const std::filesystem::path&) { return not_yet(); }
std::string Verifier::challenge(std::string_view) { return ""; }
Result<Verified> Verifier::verify(const Presentation&, std::string_view) { return not_yet(); }
}  // namespace onshi::card
