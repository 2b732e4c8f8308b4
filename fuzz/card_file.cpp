// Fuzz target: a card file (card::Card::load) — the simulated My Number card, a JSON file the
// terminal reads from its --cards folder and `onshi card touch` from the patient's path. Any
// file must load as a card or be refused with E_CARD_FILE. A card that loads is asked for a
// presentation with a wrong PIN format, which must not touch the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "card/card.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path file =
      std::filesystem::path(std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") /
      ("onshi-fuzz-" + std::to_string(getpid()) + ".card");
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  if (auto card = onshi::card::Card::load(file)) {
    (void)card->serial();
    (void)card->pin_retries_left();
    (void)card->present("AAAA", onshi::card::Method::kPin, "x");
  }
  return 0;
}
