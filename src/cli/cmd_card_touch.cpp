// onshi card touch — the patient touching the terminal's card reader: the card (a card file)
// answers the terminal's challenge after the PIN or a face / visual check.
#include "cli/commands.h"

namespace onshi::cli {

void register_card_touch(CLI::App& app) {
  CLI::App* card = nullptr;
  for (CLI::App* sub : app.get_subcommands({}))
    if (sub->get_name() == "card") card = sub;
  if (!card) card = app.add_subcommand("card", "マイナンバーカード (模擬)");
  card->add_subcommand("touch", "カードリーダーにカードをかざします. Presents a card to a terminal.");
}

}  // namespace onshi::cli
