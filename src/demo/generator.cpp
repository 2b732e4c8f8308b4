// The demo population generator (see generator.h for what a population holds).
//
// Households are the unit: a 被用者保険 family, a 国保 household or a 後期高齢者 is drawn
// whole — ages first, then the insurer, card numbers, dates and certificates that follow from
// them — so every row is consistent with the rules registry validation enforces (ages ×
// 高齢受給者証 × 限度額適用認定証 × 後期 ratio, date order, check digits). All randomness comes
// from one xoshiro256** stream consumed in a fixed order and mapped to ranges with integer
// arithmetic only, which makes the bytes reproducible across compilers and libraries.
//
// size: the name, place and company tables are data (~140 lines), and the household
// generator is one class whose steps share one random stream in one fixed order.
#include "demo/generator.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include "core/burden.h"
#include "core/numbers.h"
#include "registry/registry.h"

namespace onshi::demo {
namespace {

using core::Date;
using Row = std::vector<std::string>;

// ---- PRNG ----

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (auto& v : s_) v = splitmix64(x);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) (multiply-shift; the tiny bias is irrelevant here).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  int range(int lo, int hi) { return lo + static_cast<int>(below(static_cast<uint32_t>(hi - lo + 1))); }
  // True with probability per_mille / 1000.
  bool chance(uint32_t per_mille) { return below(1000) < per_mille; }
  template <class T, size_t N>
  const T& pick(const T (&a)[N]) {
    return a[below(static_cast<uint32_t>(N))];
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// ---- name and place tables ----

struct Name {
  const char* kanji;
  const char* kana;
};

constexpr Name kFamilyNames[] = {
    {"佐藤", "サトウ"}, {"鈴木", "スズキ"}, {"高橋", "タカハシ"}, {"田中", "タナカ"},
    {"伊藤", "イトウ"}, {"渡辺", "ワタナベ"}, {"山本", "ヤマモト"}, {"中村", "ナカムラ"},
    {"小林", "コバヤシ"}, {"加藤", "カトウ"}, {"吉田", "ヨシダ"}, {"山田", "ヤマダ"},
    {"佐々木", "ササキ"}, {"山口", "ヤマグチ"}, {"松本", "マツモト"}, {"井上", "イノウエ"},
    {"木村", "キムラ"}, {"林", "ハヤシ"}, {"斎藤", "サイトウ"}, {"清水", "シミズ"},
    {"山崎", "ヤマザキ"}, {"森", "モリ"}, {"池田", "イケダ"}, {"橋本", "ハシモト"},
    {"阿部", "アベ"}, {"石川", "イシカワ"}, {"山下", "ヤマシタ"}, {"中島", "ナカジマ"},
    {"石井", "イシイ"}, {"小川", "オガワ"}, {"前田", "マエダ"}, {"岡田", "オカダ"},
    {"長谷川", "ハセガワ"}, {"藤田", "フジタ"}, {"後藤", "ゴトウ"}, {"近藤", "コンドウ"},
    {"村上", "ムラカミ"}, {"遠藤", "エンドウ"}, {"青木", "アオキ"}, {"坂本", "サカモト"},
    {"斉藤", "サイトウ"}, {"福田", "フクダ"}, {"太田", "オオタ"}, {"西村", "ニシムラ"},
    {"藤井", "フジイ"}, {"金子", "カネコ"}, {"岡本", "オカモト"}, {"藤原", "フジワラ"},
    {"中野", "ナカノ"}, {"三浦", "ミウラ"}, {"原田", "ハラダ"}, {"中川", "ナカガワ"},
    {"松田", "マツダ"}, {"竹内", "タケウチ"}, {"小野", "オノ"}, {"田村", "タムラ"},
    {"中山", "ナカヤマ"}, {"和田", "ワダ"}, {"石田", "イシダ"}, {"森田", "モリタ"},
    {"上田", "ウエダ"}, {"原", "ハラ"}, {"内田", "ウチダ"}, {"柴田", "シバタ"},
    {"酒井", "サカイ"}, {"宮崎", "ミヤザキ"}, {"横山", "ヨコヤマ"}, {"高木", "タカギ"},
    {"安藤", "アンドウ"}, {"宮本", "ミヤモト"}, {"大野", "オオノ"}, {"小島", "コジマ"},
    {"谷口", "タニグチ"}, {"今井", "イマイ"}, {"工藤", "クドウ"}, {"高田", "タカダ"},
    {"増田", "マスダ"}, {"丸山", "マルヤマ"}, {"杉山", "スギヤマ"}, {"村田", "ムラタ"},
    {"大塚", "オオツカ"}, {"新井", "アライ"}, {"小山", "コヤマ"}, {"平野", "ヒラノ"},
    {"藤本", "フジモト"}, {"河野", "コウノ"}, {"上野", "ウエノ"}, {"野口", "ノグチ"},
    {"武田", "タケダ"}, {"松井", "マツイ"}, {"千葉", "チバ"}, {"岩崎", "イワサキ"},
    {"菅原", "スガワラ"}, {"木下", "キノシタ"}, {"久保", "クボ"}, {"佐野", "サノ"},
    {"野村", "ノムラ"}, {"松尾", "マツオ"}, {"市川", "イチカワ"}, {"菊地", "キクチ"},
};

constexpr Name kMaleNames[] = {
    {"太郎", "タロウ"}, {"一郎", "イチロウ"}, {"健太", "ケンタ"}, {"翔太", "ショウタ"},
    {"大輔", "ダイスケ"}, {"拓也", "タクヤ"}, {"直樹", "ナオキ"}, {"和也", "カズヤ"},
    {"達也", "タツヤ"}, {"誠", "マコト"}, {"剛", "ツヨシ"}, {"浩", "ヒロシ"},
    {"修", "オサム"}, {"茂", "シゲル"}, {"清", "キヨシ"}, {"勇", "イサム"},
    {"博", "ヒロシ"}, {"実", "ミノル"}, {"進", "ススム"}, {"明", "アキラ"},
    {"隆", "タカシ"}, {"豊", "ユタカ"}, {"学", "マナブ"}, {"亮", "リョウ"},
    {"蓮", "レン"}, {"湊", "ミナト"}, {"陽翔", "ハルト"}, {"悠真", "ユウマ"},
    {"大和", "ヤマト"}, {"陸", "リク"}, {"蒼", "アオイ"}, {"樹", "イツキ"},
    {"颯太", "ソウタ"}, {"悠人", "ユウト"}, {"大翔", "ヒロト"}, {"優斗", "ユウト"},
    {"健一", "ケンイチ"}, {"正人", "マサト"}, {"秀樹", "ヒデキ"}, {"康弘", "ヤスヒロ"},
    {"和夫", "カズオ"}, {"正雄", "マサオ"}, {"幸雄", "ユキオ"}, {"昭", "アキラ"},
    {"武", "タケシ"}, {"弘", "ヒロシ"}, {"稔", "ミノル"}, {"義雄", "ヨシオ"},
    {"俊介", "シュンスケ"}, {"雄太", "ユウタ"}, {"翼", "ツバサ"}, {"駿", "シュン"},
    {"匠", "タクミ"}, {"海斗", "カイト"}, {"悠斗", "ユウト"}, {"将太", "ショウタ"},
    {"涼", "リョウ"}, {"航", "ワタル"}, {"圭", "ケイ"}, {"聡", "サトシ"},
    {"哲也", "テツヤ"}, {"智也", "トモヤ"}, {"裕太", "ユウタ"}, {"貴之", "タカユキ"},
    {"慎吾", "シンゴ"}, {"浩二", "コウジ"}, {"洋平", "ヨウヘイ"}, {"雅人", "マサト"},
    {"健二", "ケンジ"}, {"信也", "シンヤ"}, {"光", "ヒカル"}, {"大地", "ダイチ"},
    {"拓海", "タクミ"}, {"陽太", "ヨウタ"}, {"遥斗", "ハルト"}, {"蒼空", "ソラ"},
    {"朝陽", "アサヒ"}, {"律", "リツ"}, {"碧", "アオイ"}, {"新", "アラタ"},
    {"勝", "マサル"}, {"功", "イサオ"}, {"登", "ノボル"}, {"昇", "ノボル"},
    {"譲", "ユズル"}, {"孝", "タカシ"}, {"満", "ミツル"}, {"栄一", "エイイチ"},
    {"正", "タダシ"}, {"幸一", "コウイチ"}, {"敏夫", "トシオ"}, {"英樹", "ヒデキ"},
    {"純一", "ジュンイチ"}, {"賢治", "ケンジ"}, {"卓也", "タクヤ"}, {"文彦", "フミヒコ"},
    {"光男", "ミツオ"}, {"三郎", "サブロウ"}, {"次郎", "ジロウ"}, {"四郎", "シロウ"},
};

constexpr Name kFemaleNames[] = {
    {"花子", "ハナコ"}, {"陽菜", "ヒナ"}, {"結衣", "ユイ"}, {"美咲", "ミサキ"},
    {"さくら", "サクラ"}, {"葵", "アオイ"}, {"芽依", "メイ"}, {"結菜", "ユイナ"},
    {"莉子", "リコ"}, {"美桜", "ミオ"}, {"杏", "アン"}, {"紬", "ツムギ"},
    {"陽葵", "ヒマリ"}, {"愛", "アイ"}, {"優子", "ユウコ"}, {"恵子", "ケイコ"},
    {"幸子", "サチコ"}, {"洋子", "ヨウコ"}, {"和子", "カズコ"}, {"久美子", "クミコ"},
    {"由美子", "ユミコ"}, {"真由美", "マユミ"}, {"裕子", "ユウコ"}, {"直美", "ナオミ"},
    {"明美", "アケミ"}, {"智子", "トモコ"}, {"京子", "キョウコ"}, {"節子", "セツコ"},
    {"文子", "フミコ"}, {"千代", "チヨ"}, {"静江", "シズエ"}, {"ハナ", "ハナ"},
    {"キヨ", "キヨ"}, {"ウメ", "ウメ"}, {"フミ", "フミ"}, {"ツル", "ツル"},
    {"美穂", "ミホ"}, {"香織", "カオリ"}, {"亜希子", "アキコ"}, {"麻衣", "マイ"},
    {"彩", "アヤ"}, {"舞", "マイ"}, {"瞳", "ヒトミ"}, {"愛子", "アイコ"},
    {"理恵", "リエ"}, {"沙織", "サオリ"}, {"恵美", "エミ"}, {"由香", "ユカ"},
    {"奈々", "ナナ"}, {"真央", "マオ"}, {"優奈", "ユウナ"}, {"千尋", "チヒロ"},
    {"遥", "ハルカ"}, {"彩花", "アヤカ"}, {"七海", "ナナミ"}, {"美羽", "ミウ"},
    {"心愛", "ココア"}, {"結子", "ユイコ"}, {"陽子", "ヨウコ"}, {"純子", "ジュンコ"},
    {"昌子", "マサコ"}, {"正子", "マサコ"}, {"晴美", "ハルミ"}, {"敏子", "トシコ"},
    {"光子", "ミツコ"}, {"悦子", "エツコ"}, {"美智子", "ミチコ"}, {"礼子", "レイコ"},
    {"順子", "ジュンコ"}, {"房子", "フサコ"}, {"春香", "ハルカ"}, {"里美", "サトミ"},
    {"友美", "トモミ"}, {"加奈", "カナ"}, {"菜摘", "ナツミ"}, {"楓", "カエデ"},
    {"桜子", "サクラコ"}, {"琴音", "コトネ"}, {"美月", "ミヅキ"}, {"若菜", "ワカナ"},
    {"詩織", "シオリ"}, {"萌", "モエ"}, {"朱里", "アカリ"}, {"澪", "ミオ"},
    {"栞", "シオリ"}, {"雫", "シズク"}, {"茜", "アカネ"}, {"綾", "アヤ"},
    {"翠", "ミドリ"}, {"和美", "カズミ"}, {"玲子", "レイコ"}, {"紀子", "ノリコ"},
    {"典子", "ノリコ"}, {"弘子", "ヒロコ"}, {"信子", "ノブコ"}, {"道子", "ミチコ"},
    {"君子", "キミコ"}, {"喜美子", "キミコ"}, {"富子", "トミコ"}, {"千里", "チサト"},
};

struct Place {
  int pref;               // 都道府県番号
  const char* pref_name;  // "東京都"
  const char* branch;     // 協会けんぽ 支部 name: "東京"
  const char* city;       // "新宿区"
  const char* post3;      // first three digits of the post number
  const char* towns[3];
};

constexpr Place kPlaces[] = {
    {13, "東京都", "東京", "千代田区", "101", {"神田神保町", "麹町", "一番町"}},
    {13, "東京都", "東京", "新宿区", "160", {"西新宿", "高田馬場", "神楽坂"}},
    {13, "東京都", "東京", "世田谷区", "154", {"三軒茶屋", "太子堂", "下馬"}},
    {13, "東京都", "東京", "八王子市", "192", {"元本郷町", "子安町", "大和田町"}},
    {14, "神奈川県", "神奈川", "横浜市中区", "231", {"山下町", "本町", "元町"}},
    {14, "神奈川県", "神奈川", "川崎市幸区", "212", {"堀川町", "南幸町", "小倉"}},
    {11, "埼玉県", "埼玉", "さいたま市浦和区", "330", {"高砂", "常盤", "岸町"}},
    {12, "千葉県", "千葉", "千葉市中央区", "260", {"中央", "富士見", "新町"}},
    {27, "大阪府", "大阪", "大阪市北区", "530", {"梅田", "天神橋", "中之島"}},
    {27, "大阪府", "大阪", "堺市堺区", "590", {"南瓦町", "大町東", "中之町西"}},
    {23, "愛知県", "愛知", "名古屋市中区", "460", {"栄", "錦", "丸の内"}},
    {1, "北海道", "北海道", "札幌市中央区", "060", {"北一条西", "大通西", "南三条西"}},
    {4, "宮城県", "宮城", "仙台市青葉区", "980", {"一番町", "国分町", "中央"}},
    {34, "広島県", "広島", "広島市中区", "730", {"紙屋町", "八丁堀", "大手町"}},
    {40, "福岡県", "福岡", "福岡市博多区", "812", {"博多駅前", "中洲", "祇園町"}},
    {26, "京都府", "京都", "京都市中京区", "604", {"河原町", "烏丸", "御池"}},
    {28, "兵庫県", "兵庫", "神戸市中央区", "650", {"三宮町", "元町通", "北野町"}},
    {22, "静岡県", "静岡", "静岡市葵区", "420", {"呉服町", "紺屋町", "追手町"}},
    {15, "新潟県", "新潟", "新潟市中央区", "951", {"古町通", "西堀通", "東堀通"}},
    {47, "沖縄県", "沖縄", "那覇市", "900", {"久茂地", "松山", "泉崎"}},
    {20, "長野県", "長野", "松本市", "390", {"中央", "大手", "深志"}},
    {43, "熊本県", "熊本", "熊本市中央区", "860", {"手取本町", "上通町", "下通"}},
};
constexpr size_t kPlaceCount = std::size(kPlaces);

constexpr const char* kCompanies[] = {
    "東和電機", "大和製作所", "三星物産", "日の出食品", "北辰自動車", "青葉化学",
    "朝日建設", "富士見精工", "白鳥運輸", "明星製薬", "若葉銀行", "光陽電子",
    "桜井商事", "東洋精機", "山河百貨店", "南海海運", "みどり生命", "双葉情報システム",
    "中央ガス", "松風印刷", "北斗通信", "瑞穂重工", "菱光商会", "旭日鉄鋼",
};

enum class Kind { kKyokai, kKumiai, kKyosai, kKokuho, kKouki };

struct Insurer {
  std::string number, name;
  Kind kind;
  size_t place;  // home place (index into kPlaces)
  int64_t counter = 0;
};

std::string with_check_digit(const std::string& body) {
  return body + std::to_string(core::weighted_check_digit(body));
}

std::string two(int n) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", n);
  return b;
}

// Full-width digits for addresses ("１２").
std::string fullwidth(int n) {
  std::string digits = std::to_string(n), out;
  for (char c : digits) {
    out += "\xEF\xBC";
    out.push_back(static_cast<char>(0x90 + (c - '0')));
  }
  return out;
}

Date aug1_on_or_before(Date d) {
  return Date::from_ymd(d.month() >= 8 ? d.year() : d.year() - 1, 8, 1);
}
Date jul31_after(Date d) { return aug1_on_or_before(d).add_years(1).add_days(-1); }

struct Person {
  Date birth;
  bool male = true;
  int family = 0, given = 0;
  std::string my_number;
  std::string name() const {
    return std::string(kFamilyNames[family].kanji) + "\u3000" +
           (male ? kMaleNames[given] : kFemaleNames[given]).kanji;
  }
  std::string kana() const {
    return std::string(kFamilyNames[family].kana) + "\u3000" +
           (male ? kMaleNames[given] : kFemaleNames[given]).kana;
  }
};

struct Household {
  size_t place = 0;
  std::string post, address;
};

// One member row: the card, the person, the qualification date and the certificate's issue
// date (the qualification date when not given). Used by the population and the fixed members.
Row base(const char* insurer, const char* insurer_name, const char* symbol, const char* number,
         const char* branch, bool principal, const char* insured, const char* name,
         const char* kana, bool male, Date birth, const char* post, const char* address,
         Date qualified, const char* my_number,
         std::optional<Date> issued = std::nullopt) {
  Row r(registry::kFieldCount);
  r[registry::kInsurerNumber] = insurer;
  r[registry::kInsurerName] = insurer_name;
  r[registry::kInsuredCardClassification] = "01";
  r[registry::kInsuredCardSymbol] = symbol;
  r[registry::kInsuredIdentificationNumber] = number;
  r[registry::kInsuredBranchNumber] = branch;
  r[registry::kPersonalFamilyClassification] = principal ? "1" : "2";
  r[registry::kInsuredName] = insured;
  r[registry::kName] = name;
  r[registry::kNameKana] = kana;
  r[registry::kSex1] = male ? "1" : "2";
  r[registry::kBirthdate] = birth.yyyymmdd();
  r[registry::kPostNumber] = post;
  r[registry::kAddress] = address;
  r[registry::kQualificationDate] = qualified.yyyymmdd();
  r[registry::kInsuredCertificateIssuanceDate] = issued.value_or(qualified).yyyymmdd();
  r[registry::kMyNumber] = my_number;
  return r;
}

class Generator {
 public:
  explicit Generator(const GeneratorOptions& o) : opt_(o), rng_(o.seed) {
    aug1_ = aug1_on_or_before(o.as_of);
    jul31_ = jul31_after(o.as_of);
    my_number_threshold_ = static_cast<uint32_t>(std::clamp(o.my_number_rate, 0.0, 1.0) * 1e6);
    uint64_t x = o.seed ^ 0x6D795F6E756D6265ULL;
    my_number_base_ = splitmix64(x) % 100000000000ULL;
    build_insurers();
  }

  void run(const std::function<void(const Row&)>& emit) {
    int64_t left = opt_.count;
    std::vector<Row> unit;
    while (left > 0) {
      unit.clear();
      uint32_t r = rng_.below(100);
      if (r < 58) employee_family(unit);
      else if (r < 80) kokuho_household(unit);
      else latter_elderly(unit);
      for (auto& row : unit) {
        if (left == 0) break;
        emit(row);
        --left;
      }
    }
  }

 private:
  void build_insurers() {
    // One 協会けんぽ 支部, one 国保 per city, one 後期 広域連合 per prefecture; several 共済;
    // 健保組合 spread over the places. Codes are kept away from the fixed demo members'.
    for (size_t p = 0; p < kPlaceCount; ++p) {
      const Place& pl = kPlaces[p];
      bool first_of_pref = true;
      for (size_t q = 0; q < p; ++q) first_of_pref = first_of_pref && kPlaces[q].pref != pl.pref;
      if (first_of_pref) {
        kyokai_[pl.pref] = add({with_check_digit("01" + two(pl.pref) + "001"),
                                std::string("全国健康保険協会") + pl.branch + "支部", Kind::kKyokai, p});
        kouki_[pl.pref] = add({with_check_digit("39" + two(pl.pref) + "000"),
                               std::string(pl.pref_name) + "後期高齢者医療広域連合", Kind::kKouki, p});
        kyosai_.push_back(add({with_check_digit("32" + two(pl.pref) + "001"),
                               std::string(pl.pref_name) == "東京都"
                                   ? std::string("東京都職員共済組合")
                                   : std::string("地方職員共済組合") + pl.branch + "支部",
                               Kind::kKyosai, p}));
        kyosai_.push_back(add({with_check_digit("33" + two(pl.pref) + "001"),
                               std::string("警察共済組合") + pl.branch + "支部", Kind::kKyosai, p}));
        kyosai_.push_back(add({with_check_digit("34" + two(pl.pref) + "001"),
                               std::string("公立学校共済組合") + pl.branch + "支部", Kind::kKyosai,
                               p}));
      }
      kokuho_[p] = add({with_check_digit(two(pl.pref) + std::to_string(500 + p)),
                        std::string(pl.city) + "国民健康保険", Kind::kKokuho, p});
    }
    kyosai_.push_back(add({with_check_digit("3113001"), "財務省共済組合", Kind::kKyosai, 0}));
    kyosai_.push_back(add({with_check_digit("3113002"), "国土交通省共済組合", Kind::kKyosai, 0}));
    for (size_t c = 0; c < std::size(kCompanies); ++c) {
      size_t p = (c * 7) % kPlaceCount;
      kumiai_.push_back(add({with_check_digit("06" + two(kPlaces[p].pref) + std::to_string(100 + c)),
                             std::string(kCompanies[c]) + "健康保険組合", Kind::kKumiai, p}));
    }
  }
  size_t add(Insurer i) {
    insurers_.push_back(std::move(i));
    return insurers_.size() - 1;
  }

  // ---- people ----
  Date birth_for_age(int age) {
    return opt_.as_of.add_years(-age).add_days(-static_cast<int>(rng_.below(365)));
  }
  Person person(int age, bool male, int family) {
    Person p;
    p.birth = birth_for_age(age);
    p.male = male;
    p.family = family;
    p.given = static_cast<int>(rng_.below(100));
    if (rng_.below(1000000) < my_number_threshold_) {
      // A permutation of the 11-digit space keeps numbers unique per person.
      uint64_t body = (my_number_base_ + static_cast<uint64_t>(people_++) * 3141592653ULL) %
                      100000000000ULL;
      char b[16];
      std::snprintf(b, sizeof b, "%011llu", static_cast<unsigned long long>(body));
      p.my_number = std::string(b) + std::to_string(core::my_number_check_digit(b));
    }
    return p;
  }
  Household household(size_t place) {
    Household h;
    h.place = place;
    const Place& pl = kPlaces[place];
    char post[16];
    std::snprintf(post, sizeof post, "%04u", rng_.below(10000));
    h.post = rng_.chance(30) ? std::string(pl.post3) + post : std::string(pl.post3) + "-" + post;
    h.address = std::string(pl.pref_name) + pl.city + pl.towns[rng_.below(3)] +
                fullwidth(rng_.range(1, 5)) + "丁目" + fullwidth(rng_.range(1, 30)) + "番" +
                fullwidth(rng_.range(1, 20)) + "号";
    return h;
  }

  // One row of the card (insurer, symbol, number, branch) for `p`.
  Row row(const Insurer& ins, const std::string& symbol, const std::string& number,
          const std::string& branch, bool principal, const std::string& insured_name,
          const Person& p, const Household& h, Date qualified) {
    Date issued = std::min(qualified.add_days(static_cast<int>(rng_.below(10))), opt_.as_of);
    return base(ins.number.c_str(), ins.name.c_str(), symbol.c_str(), number.c_str(),
                branch.c_str(), principal, insured_name.c_str(), p.name().c_str(),
                p.kana().c_str(), p.male, p.birth, h.post.c_str(), h.address.c_str(), qualified,
                p.my_number.c_str(), issued);
  }
  static void lose(Row& r, Date disqualified, const char* reason) {
    r[registry::kDisqualificationDate] = disqualified.yyyymmdd();
    r[registry::kReasonOfLoss] = reason;
  }

  // Certificates for a current row, decided by age band on as_of.
  void certificates(Row& r, const Person& p, Date qualified, bool latter, int latter_ratio) {
    const Date as_of = opt_.as_of;
    core::AgeBand band = latter ? core::AgeBand::kLatterElderly : core::age_band(p.birth, as_of);
    Date start = std::max(qualified, aug1_);
    if (band == core::AgeBand::kElderly) {
      bool high = rng_.chance(200);  // 現役並み 3割
      Date es = std::max(core::elderly_start(p.birth), start);
      Date ee = std::min(jul31_, core::latter_elderly_start(p.birth).add_days(-1));
      r[registry::kElderlyRecipientCertificateDate] = es.yyyymmdd();
      r[registry::kElderlyRecipientValidStartDate] = es.yyyymmdd();
      r[registry::kElderlyRecipientValidEndDate] = ee.yyyymmdd();
      r[registry::kElderlyRecipientContributionRatio] = high ? "030" : "020";
      if (rng_.chance(120)) {
        static constexpr const char* kHigh[] = {"B02", "B03"};
        static constexpr const char* kLow[] = {"B05", "B06"};
        limit(r, high ? "01" : "02", high ? rng_.pick(kHigh) : rng_.pick(kLow), es, ee);
      }
    } else if (band == core::AgeBand::kLatterElderly) {
      if (latter_ratio == 3 && rng_.chance(350)) {
        static constexpr const char* kHigh[] = {"B01", "B02", "B03"};
        limit(r, "01", rng_.pick(kHigh), start, jul31_);
      } else if (latter_ratio == 1 && rng_.chance(150)) {
        static constexpr const char* kLow[] = {"B05", "B06"};
        limit(r, "02", rng_.pick(kLow), start, jul31_);
      }
    } else if (rng_.chance(30)) {
      static constexpr const char* kAll[] = {"A01", "A02", "A03", "A04", "A05"};
      const char* flag = rng_.pick(kAll);
      limit(r, std::strcmp(flag, "A05") == 0 ? "02" : "01", flag, start, jul31_);
    }
    if (rng_.chance(5)) {
      Date ds = std::max(qualified, as_of.add_days(-static_cast<int>(rng_.below(1500))));
      std::string d = ds.yyyymmdd();
      if (rng_.chance(100)) {  // two certificates at once
        r[registry::kSpecificDiseasesDiseaseCategory] = "2|3";
        r[registry::kSpecificDiseasesCertificateDate] = d + "|" + d;
        r[registry::kSpecificDiseasesValidStartDate] = d + "|" + d;
        r[registry::kSpecificDiseasesSelfPay] = "10000|10000";
      } else {
        uint32_t c = rng_.below(100);
        const char* cat = c < 80 ? "1" : c < 92 ? "2" : "3";
        bool upper = *cat == '1' && !latter && core::age_on(p.birth, ds) < 70 && rng_.chance(250);
        r[registry::kSpecificDiseasesDiseaseCategory] = cat;
        r[registry::kSpecificDiseasesCertificateDate] = d;
        r[registry::kSpecificDiseasesValidStartDate] = d;
        r[registry::kSpecificDiseasesSelfPay] = upper ? "20000" : "10000";
      }
    }
  }
  static void limit(Row& r, const char* cls, const char* flag, Date from, Date to) {
    r[registry::kLimitApplicationCertificateClassification] = cls;
    r[registry::kLimitApplicationCertificateClassificationFlag] = flag;
    r[registry::kLimitApplicationCertificateDate] = from.yyyymmdd();
    r[registry::kLimitApplicationCertificateValidStartDate] = from.yyyymmdd();
    r[registry::kLimitApplicationCertificateValidEndDate] = to.yyyymmdd();
  }

  // 記号 and 番号 of a new card at `ins`.
  std::pair<std::string, std::string> card(Insurer& ins) {
    int64_t n = ++ins.counter;
    switch (ins.kind) {
      case Kind::kKyokai:
        return {std::to_string(10000000 + rng_.below(89999999)), std::to_string(n)};
      case Kind::kKumiai:
        return {std::to_string(1 + rng_.below(800)), std::to_string(n)};
      case Kind::kKyosai:
        if (ins.number.compare(0, 2, "31") == 0) {
          static constexpr const char* kOffices[] = {"本省", "関東", "近畿", "九州"};
          return {std::string(rng_.pick(kOffices)) + std::to_string(10 + rng_.below(80)),
                  std::to_string(n)};
        }
        return {std::to_string(100 + rng_.below(800)), std::to_string(n)};
      case Kind::kKokuho:
        return {two(1 + static_cast<int>(rng_.below(30))), std::to_string(100000 + n)};
      case Kind::kKouki:
        return {"", with_check_digit(std::to_string(2000000 + n))};
    }
    return {};
  }

  Insurer& employee_insurer(size_t place) {
    uint32_t k = rng_.below(100);
    if (k < 50) return insurers_[kyokai_[kPlaces[place].pref]];
    if (k < 85) return insurers_[kumiai_[rng_.below(static_cast<uint32_t>(kumiai_.size()))]];
    // 共済: a prefecture's own (地方職員・警察・公立学校) or a national one (31).
    std::vector<size_t> local;
    for (size_t i : kyosai_) {
      const Insurer& c = insurers_[i];
      if (c.number.compare(0, 2, "31") == 0 || kPlaces[c.place].pref == kPlaces[place].pref)
        local.push_back(i);
    }
    return insurers_[local[rng_.below(static_cast<uint32_t>(local.size()))]];
  }

  int principal_age(bool kokuho) {
    uint32_t k = rng_.below(100);
    if (kokuho) {
      if (k < 20) return rng_.range(20, 39);
      if (k < 55) return rng_.range(40, 64);
      if (k < 75) return rng_.range(65, 69);
      return rng_.range(70, 74);
    }
    if (k < 20) return rng_.range(20, 29);
    if (k < 60) return rng_.range(30, 49);
    if (k < 88) return rng_.range(50, 64);
    if (k < 94) return rng_.range(65, 69);
    return rng_.range(70, 74);
  }

  // Members of a household: principal first, then spouse, children, (rarely) a parent.
  std::vector<Person> members(int age, bool allow_parent) {
    std::vector<Person> ps;
    int family = static_cast<int>(rng_.below(100));
    bool male = rng_.chance(700);
    ps.push_back(person(age, male, family));
    if (age >= 25 && rng_.chance(550))
      ps.push_back(person(std::clamp(age + rng_.range(-6, 4), 20, 74), !male, family));
    if (age >= 25 && age <= 58) {
      int kids = static_cast<int>(rng_.below(4));
      int max_age = std::min(22, age - 23);
      for (int i = 0; i < kids; ++i)
        ps.push_back(person(static_cast<int>(rng_.below(static_cast<uint32_t>(max_age + 1))),
                            rng_.chance(500), family));
    }
    if (allow_parent && age >= 40 && age <= 50 && rng_.chance(30))
      ps.push_back(person(rng_.range(70, 74), rng_.chance(300), family));
    return ps;
  }

  Date principal_qualified(const Person& p, int age) {
    int years = std::max(0, std::min(age - 18, 35));
    Date q = opt_.as_of.add_days(-static_cast<int>(rng_.below(static_cast<uint32_t>(years * 365 + 1))));
    return std::max(q, p.birth.add_years(18));
  }

  void employee_family(std::vector<Row>& out) {
    int age = principal_age(false);
    auto ps = members(age, true);
    Household h = household(rng_.below(kPlaceCount));
    Insurer& ins = employee_insurer(h.place);
    Date q0 = principal_qualified(ps[0], age);
    uint32_t scenario = rng_.below(1000);

    if (scenario < 60) {  // changed insurer: the old card lost, the new one current
      Date lost = opt_.as_of.add_days(-rng_.range(1, 900));
      Date old_q = std::min(q0, lost.add_days(-30));
      if (old_q >= ps[0].birth.add_years(18)) {
        Insurer* old = &employee_insurer(h.place);
        for (int tries = 0; tries < 4 && old == &ins; ++tries) old = &employee_insurer(h.place);
        if (old != &ins) {
          auto [osym, onum] = card(*old);
          std::string insured = ps[0].name();
          for (size_t i = 0; i < ps.size(); ++i) {
            Date q = std::max(old_q, ps[i].birth);
            if (!(q < lost)) continue;
            Row r = row(*old, osym, onum, two(static_cast<int>(i)), i == 0, insured, ps[i], h, q);
            lose(r, lost, "03");
            out.push_back(std::move(r));
          }
          q0 = lost;
        }
      }
    }
    auto [sym, num] = card(ins);
    std::string insured = ps[0].name();
    bool lost_all = scenario >= 60 && scenario < 90;  // left, nothing newer known
    Date lost = opt_.as_of.add_days(-rng_.range(1, 1500));
    for (size_t i = 0; i < ps.size(); ++i) {
      Date q = std::max(q0, ps[i].birth);
      if (lost_all && !(q < lost)) continue;  // born after the family left
      Row r = row(ins, sym, num, two(static_cast<int>(i)), i == 0, insured, ps[i], h, q);
      if (lost_all) {
        lose(r, lost, "99");
      } else {
        certificates(r, ps[i], q, false, 0);
      }
      out.push_back(std::move(r));
    }
  }

  void kokuho_household(std::vector<Row>& out) {
    int age = principal_age(true);
    auto ps = members(age, false);
    size_t place = rng_.below(kPlaceCount);
    Household h = household(place);
    Insurer& ins = insurers_[kokuho_[place]];
    auto [sym, num] = card(ins);
    Date q0 = principal_qualified(ps[0], age);
    bool lost_all = rng_.chance(20);
    Date lost = opt_.as_of.add_days(-rng_.range(1, 1500));
    std::string insured = ps[0].name();
    for (size_t i = 0; i < ps.size(); ++i) {
      Date q = std::max(q0, ps[i].birth);
      if (lost_all && !(q < lost)) continue;
      Row r = row(ins, sym, num, two(static_cast<int>(i)), i == 0, insured, ps[i], h, q);
      if (lost_all) {
        lose(r, lost, "99");
      } else {
        Date from = std::max(q, aug1_);
        r[registry::kInsuredCardValidDate] = from.yyyymmdd();
        r[registry::kInsuredCardExpirationDate] = jul31_.yyyymmdd();
        certificates(r, ps[i], q, false, 0);
      }
      out.push_back(std::move(r));
    }
  }

  void latter_elderly(std::vector<Row>& out) {
    uint32_t k = rng_.below(100);
    int age = k < 35 ? rng_.range(75, 79) : k < 65 ? rng_.range(80, 84) : k < 85 ? rng_.range(85, 89)
                                                                                : rng_.range(90, 99);
    Person p = person(age, rng_.chance(420), static_cast<int>(rng_.below(100)));
    size_t place = rng_.below(kPlaceCount);
    Household h = household(place);
    Insurer& ins = insurers_[kouki_[kPlaces[place].pref]];
    Date q = std::max(core::latter_elderly_start(p.birth), Date::from_ymd(2008, 4, 1));
    if (rng_.chance(150)) {  // the 国保 qualification lost on reaching 75
      Insurer& prev = insurers_[kokuho_[place]];
      Date prev_q = std::max(q.add_years(-rng_.range(5, 40)), p.birth.add_years(18));
      auto [psym, pnum] = card(prev);
      Row r = row(prev, psym, pnum, "00", true, p.name(), p, h, prev_q);
      lose(r, q, "03");
      out.push_back(std::move(r));
    }
    auto [sym, num] = card(ins);
    Row r = row(ins, sym, num, "", true, p.name(), p, h, q);
    uint32_t rk = rng_.below(100);
    int ratio = rk < 75 ? 1 : rk < 92 ? 2 : 3;
    if (ratio == 2 && opt_.as_of < Date::from_ymd(2022, 10, 1)) ratio = 1;
    r[registry::kInsuredPartialContributionRatio] = "0" + std::to_string(ratio) + "0";
    Date dead = opt_.as_of.add_days(-rng_.range(1, 700));
    if (rng_.chance(30) && q < dead && !(ratio == 2 && dead <= Date::from_ymd(2022, 10, 1))) {
      lose(r, dead, "01");
    } else {
      Date from = std::max(q, aug1_);
      r[registry::kInsuredCardValidDate] = from.yyyymmdd();
      r[registry::kInsuredCardExpirationDate] = jul31_.yyyymmdd();
      certificates(r, p, q, true, ratio);
    }
    out.push_back(std::move(r));
  }

  GeneratorOptions opt_;
  Rng rng_;
  Date aug1_, jul31_;
  uint32_t my_number_threshold_ = 0;
  uint64_t my_number_base_ = 0;
  int64_t people_ = 0;
  std::vector<Insurer> insurers_;
  std::map<int, size_t> kyokai_, kouki_;
  std::map<size_t, size_t> kokuho_;
  std::vector<size_t> kumiai_, kyosai_;
};

void append_csv_row(std::string& out, const Row& r) {
  for (size_t i = 0; i < r.size(); ++i) {
    if (i) out.push_back(',');
    const std::string& v = r[i];
    if (v.find_first_of(",\"\r\n") == std::string::npos) {
      out += v;
    } else {
      out.push_back('"');
      for (char c : v) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
      }
      out.push_back('"');
    }
  }
  out.push_back('\n');
}

}  // namespace

std::string csv_header() {
  std::string h;
  for (const auto& f : registry::known_fields()) {
    if (!h.empty()) h.push_back(',');
    h += f;
  }
  return h + "\n";
}

void for_each_member(const GeneratorOptions& options,
                     const std::function<void(const std::vector<std::string>&)>& row) {
  Generator g(options);
  g.run(row);
}

std::string generate_members_csv(const GeneratorOptions& options) {
  std::string out = csv_header();
  for_each_member(options, [&](const Row& r) { append_csv_row(out, r); });
  return out;
}

Status write_members_csv(const GeneratorOptions& options, const std::filesystem::path& path,
                         core::Encoding encoding, bool progress) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status::Fail("E_FILE", "", "出力ファイル " + path.string() + " を作れません");
  std::string buf = csv_header();
  Status status;
  auto flush = [&]() {
    if (!status.ok() || buf.empty()) return;
    std::string converted;
    const std::string* data = &buf;
    if (encoding == core::Encoding::kShiftJis) {
      auto s = core::utf8_to_shift_jis(buf);
      if (!s) {
        status = s.status();
        return;
      }
      converted = std::move(*s);
      data = &converted;
    }
    if (std::fwrite(data->data(), 1, data->size(), f) != data->size())
      status = Status::Fail("E_FILE", "", "出力ファイル " + path.string() + " に書けません");
    buf.clear();
  };
  int64_t rows = 0;
  auto started = std::chrono::steady_clock::now();
  for_each_member(options, [&](const Row& r) {
    append_csv_row(buf, r);
    ++rows;
    if (buf.size() >= (4u << 20)) flush();
    if (progress && rows % 50000 == 0) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "\r%5.1f%%  %lld 行  %.0f 行/秒 ",
                   100.0 * static_cast<double>(rows) / static_cast<double>(options.count),
                   static_cast<long long>(rows), secs > 0 ? static_cast<double>(rows) / secs : 0.0);
      std::fflush(stderr);
    }
  });
  flush();
  if (progress) std::fprintf(stderr, "\r100.0%%  %lld 行\n", static_cast<long long>(rows));
  if (std::fclose(f) != 0 && status.ok())
    status = Status::Fail("E_FILE", "", "出力ファイル " + path.string() + " に書けません");
  return status;
}

registry::FieldMap to_field_map(const std::vector<std::string>& values) {
  registry::FieldMap m;
  const std::vector<std::string>& names = registry::known_fields();
  for (size_t i = 0; i < values.size() && i < static_cast<size_t>(registry::kFieldCount); ++i)
    if (!values[i].empty()) m.emplace_back(names[i], values[i]);
  return m;
}

// ---- the fixed demo members ----

namespace {


const char* const kKumiai = "06139992";
const char* const kKumiaiName = "オンシ電機健康保険組合";

// 1–5: the 山田 family at a 健保組合 (限度額 ウ), a 国保 member, a 後期 1割.
void add_insured_rows(std::vector<Row>& rows, Date as_of) {
  const int y = as_of.year();
  const Date aug1 = aug1_on_or_before(as_of), jul31 = jul31_after(as_of);
  const char* kYamadaAddr = "東京都新宿区西新宿２丁目８番１号";
  // 1–3: the 山田 family.
  Row yamada = base(kKumiai, kKumiaiName, "1234", "5678", "00", true, "山田\u3000太郎",
                    "山田\u3000太郎", "ヤマダ\u3000タロウ", true, Date::from_ymd(1980, 5, 15),
                    "163-8001", kYamadaAddr, Date::from_ymd(2010, 4, 1), "987654321018");
  yamada[registry::kLimitApplicationCertificateClassification] = "01";
  yamada[registry::kLimitApplicationCertificateClassificationFlag] = "A03";
  yamada[registry::kLimitApplicationCertificateDate] = aug1.yyyymmdd();
  yamada[registry::kLimitApplicationCertificateValidStartDate] = aug1.yyyymmdd();
  yamada[registry::kLimitApplicationCertificateValidEndDate] = jul31.yyyymmdd();
  rows.push_back(yamada);
  rows.push_back(base(kKumiai, kKumiaiName, "1234", "5678", "01", false, "山田\u3000太郎",
                      "山田\u3000花子", "ヤマダ\u3000ハナコ", false, Date::from_ymd(1982, 9, 3),
                      "163-8001", kYamadaAddr, Date::from_ymd(2010, 4, 1), ""));
  Date hina = Date::from_ymd(y - 3, 7, 7);
  rows.push_back(base(kKumiai, kKumiaiName, "1234", "5678", "02", false, "山田\u3000太郎",
                      "山田\u3000陽菜", "ヤマダ\u3000ヒナ", false, hina, "163-8001", kYamadaAddr,
                      hina, ""));
  // 4: 国保.
  Row suzuki = base("131045", "オンシ区国民健康保険", "01", "234567", "00", true,
                    "鈴木\u3000一郎", "鈴木\u3000一郎", "スズキ\u3000イチロウ", true,
                    Date::from_ymd(1975, 11, 20), "160-0022", "東京都新宿区新宿１丁目１番１号",
                    Date::from_ymd(2020, 4, 1), "112233445560");
  rows.push_back(suzuki);
  // 5: 後期 1割.
  Date hana = Date::from_ymd(y - 80, 2, 10);
  Row sato = base("39130000", "東京都後期高齢者医療広域連合", "", "12345674", "", true,
                  "佐藤\u3000ハナ", "佐藤\u3000ハナ", "サトウ\u3000ハナ", false, hana, "154-0004",
                  "東京都世田谷区太子堂３丁目５番２号", core::latter_elderly_start(hana),
                  "223344556678");
  sato[registry::kInsuredPartialContributionRatio] = "010";
  rows.push_back(sato);
}

// 6–8: a 高齢受給者 2割, someone who changed insurer, someone who lost the qualification.
void add_changed_rows(std::vector<Row>& rows, Date as_of) {
  const int y = as_of.year();
  const Date aug1 = aug1_on_or_before(as_of), jul31 = jul31_after(as_of);
  // 6: 70–74 高齢受給者 2割.
  Date shigeru = Date::from_ymd(y - 72, 6, 10);
  Row takahashi = base("01130012", "全国健康保険協会東京支部", "4120135", "21", "00", true,
                       "高橋\u3000茂", "高橋\u3000茂", "タカハシ\u3000シゲル", true, shigeru,
                       "101-0051", "東京都千代田区神田神保町１丁目３番４号",
                       Date::from_ymd(shigeru.year() + 22, 4, 1), "445566778892");
  Date es = std::max(core::elderly_start(shigeru), aug1);
  Date ee = std::min(jul31, core::latter_elderly_start(shigeru).add_days(-1));
  takahashi[registry::kElderlyRecipientCertificateDate] = es.yyyymmdd();
  takahashi[registry::kElderlyRecipientValidStartDate] = es.yyyymmdd();
  takahashi[registry::kElderlyRecipientValidEndDate] = ee.yyyymmdd();
  takahashi[registry::kElderlyRecipientContributionRatio] = "020";
  rows.push_back(takahashi);
  // 7: lost at 協会けんぽ, newer at a 健保組合 (same My Number).
  Date moved = Date::from_ymd(y - 1, 4, 1);
  Row tanaka_old = base("01130012", "全国健康保険協会東京支部", "3050021", "7", "00", true,
                        "田中\u3000誠", "田中\u3000誠", "タナカ\u3000マコト", true,
                        Date::from_ymd(1985, 1, 25), "212-0013", "神奈川県川崎市幸区堀川町５８０番地",
                        Date::from_ymd(2008, 4, 1), "334455667785");
  tanaka_old[registry::kDisqualificationDate] = moved.yyyymmdd();
  tanaka_old[registry::kReasonOfLoss] = "03";
  rows.push_back(tanaka_old);
  rows.push_back(base("06270011", "なにわ製薬健康保険組合", "88", "1001", "00", true,
                      "田中\u3000誠", "田中\u3000誠", "タナカ\u3000マコト", true,
                      Date::from_ymd(1985, 1, 25), "212-0013", "神奈川県川崎市幸区堀川町５８０番地",
                      moved, "334455667785"));
  // 8: lost, nothing newer.
  Row ito = base("131045", "オンシ区国民健康保険", "01", "234999", "00", true, "伊藤\u3000幸子",
                 "伊藤\u3000幸子", "イトウ\u3000サチコ", false, Date::from_ymd(1960, 3, 3),
                 "160-0023", "東京都新宿区西新宿７丁目２番６号", Date::from_ymd(2015, 4, 1),
                 "556677889908");
  ito[registry::kDisqualificationDate] = Date::from_ymd(y - 1, 10, 1).yyyymmdd();
  ito[registry::kReasonOfLoss] = "99";
  rows.push_back(ito);
}

std::vector<Row> demo_rows(Date as_of) {
  std::vector<Row> rows;
  add_insured_rows(rows, as_of);
  add_changed_rows(rows, as_of);
  return rows;
}

}  // namespace

std::vector<registry::FieldMap> demo_members(Date as_of) {
  std::vector<registry::FieldMap> out;
  for (const auto& r : demo_rows(as_of)) out.push_back(to_field_map(r));
  return out;
}

std::string demo_members_csv(Date as_of) {
  std::string out = csv_header();
  for (const auto& r : demo_rows(as_of)) append_csv_row(out, r);
  return out;
}

}  // namespace onshi::demo
