// Fuzz target: a card file — the simulated My Number card, a JSON file the terminal reads from
// its --cards folder and `onshi card touch` from the patient's path. Any bytes must load as a
// card or be refused with E_CARD_FILE. The bytes are checked from memory
// (card::detail::check_card_file, the checks of card::Card::load); only bytes that are a card
// are written to a file and loaded as a reader loads them (which must then succeed), and the
// card is asked for a presentation with a wrong PIN format, which must not touch the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "card/card.h"
#include "card/detail.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path file =
      std::filesystem::path(std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") /
      ("onshi-fuzz-" + std::to_string(getpid()) + ".card");
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (!onshi::card::detail::check_card_file(bytes, file).ok()) return 0;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  auto card = onshi::card::Card::load(file);
  if (!card) std::abort();  // the same bytes, checked the same way
  (void)card->serial();
  (void)card->pin_retries_left();
  (void)card->present("AAAA", onshi::card::Method::kPin, "x");
  return 0;
}
