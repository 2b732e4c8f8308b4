// The signed XML statement: written as text, parsed by libxml2, given an enveloped XML-DSig
// signature by xmlsec1 (OpenSSL engine) with the document-signing key, and checked the same
// way against the CA certificate alone. The signing key and certificate live together in one
// file, DIR/ca/statement.pem (0600, the certificate then the key), written atomically the first
// time a statement is signed, so two servers starting at once can never pair one's key with
// the other's certificate.
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>

#include "expenses/expenses.h"
#include "security/ca.h"

namespace onshi::expenses {
namespace {

constexpr const char* kNamespace = "urn:onshi:medical-expense-notice:1";

const Error& bad_signature() {
  static const Error e{"E_EXPENSE_SIGNATURE", "file",
                       "署名を確認できません（改変されたか、このサービスの署名ではありません）"};
  return e;
}

bool crypto_ready() {
  static const bool ok = [] {
    xmlInitParser();
    xmlSecErrorsDefaultCallbackEnableOutput(0);  // a bad signature is an answer, not a log line
    return xmlSecInit() >= 0 && xmlSecCryptoAppInit(nullptr) >= 0 && xmlSecCryptoInit() >= 0;
  }();
  return ok;
}

std::optional<std::string> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string escaped(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string element(const char* name, std::string_view value) {
  return std::string("<") + name + ">" + escaped(value) + "</" + name + ">";
}

std::string unsigned_xml(const Statement& s) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MedicalExpenseNotice xmlns=\"";
  x += std::string(kNamespace) + "\" Year=\"" + std::to_string(s.year) + "\" CreatedAt=\"" +
       s.made_at + "\">\n";
  x += "<Issuer>onshi オンライン資格確認 医療費通知情報</Issuer>\n<Person>" +
       element("Name", s.name) + element("Birthdate", s.birthdate) + "</Person>\n<Lines>\n";
  for (const Line& l : s.lines)
    x += "<Line>" + element("MedicalTreatmentMonth", l.month) +
         element("MedicalInstitutionCode", l.institution_code) +
         element("MedicalInstitutionName", l.institution_name) + element("Category", l.category) +
         element("Days", std::to_string(l.days)) +
         element("TotalCost", std::to_string(l.total_cost)) +
         element("PatientShare", std::to_string(l.patient_share)) + "</Line>\n";
  x += "</Lines>\n<Totals>" + element("Days", std::to_string(s.days)) +
       element("TotalCost", std::to_string(s.total_cost)) +
       element("PatientShare", std::to_string(s.patient_share)) + "</Totals>\n";
  return x + "</MedicalExpenseNotice>\n";
}

// DIR/ca/statement.pem, issued by the CA when it is not there yet.
Result<std::string> signing_pem(const std::filesystem::path& data_dir) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  const auto path = data_dir / "ca" / "statement.pem";
  if (auto pem = read_file(path)) return *pem;
  const auto ca = security::ca_paths(data_dir);
  auto cert = read_file(ca.ca_cert), key = read_file(ca.ca_key);
  if (!cert || !key)
    return Error{"E_CA_MISSING", "data-dir", "認証局がありません（onshi ca init を先に実行してください）"};
  std::random_device rd;
  const uint64_t serial = (uint64_t{rd()} << 32 | rd()) >> 1;
  auto leaf = security::issue_leaf_pem(*cert, *key,
                                       {{"O", "onshi"}, {"OU", "statement"},
                                        {"CN", "onshi 医療費通知情報 署名"}},
                                       serial, 3650);
  if (!leaf) return leaf.error();
  std::string pem = leaf->cert_pem + leaf->key_pem;
  if (Status st = security::write_file_atomic(path, pem, 0600); !st) return st.error();
  return pem;
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxFree {
  void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};
struct MngrFree {
  void operator()(xmlSecKeysMngr* m) const { xmlSecKeysMngrDestroy(m); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

Doc parse(std::string_view xml) {
  return Doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "statement.xml", nullptr,
                           XML_PARSE_NONET));
}

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

std::string text_of(xmlNode* n) {
  xmlChar* t = xmlNodeGetContent(n);
  std::string out = t ? reinterpret_cast<const char*>(t) : "";
  xmlFree(t);
  return out;
}

// The subject of the certificate in the signature's KeyInfo.
std::string signer_of(xmlNode* signature) {
  xmlNode* c = xmlSecFindNode(signature, X("X509Certificate"), xmlSecDSigNs);
  if (!c) return "";
  std::string b64;
  for (char ch : text_of(c))
    if (ch != '\n' && ch != '\r' && ch != ' ') b64 += ch;
  std::string pem = "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n";
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!x) return "";
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof buf);
  X509_free(x);
  return buf;
}

}  // namespace

Result<std::string> to_signed_xml(const Statement& s, const std::filesystem::path& data_dir) {
  if (!crypto_ready()) return Error{"E_CRYPTO", "", "XML署名の初期化に失敗しました"};
  auto pem = signing_pem(data_dir);
  if (!pem) return pem.error();
  Doc doc = parse(unsigned_xml(s));
  if (!doc) return Error{"E_CRYPTO", "", "明細のXMLを作れませんでした"};
  xmlNode* sig = xmlSecTmplSignatureCreate(doc.get(), xmlSecTransformExclC14NId,
                                           xmlSecTransformEcdsaSha256Id, nullptr);
  xmlAddChild(xmlDocGetRootElement(doc.get()), sig);
  xmlNode* ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, nullptr, X(""),
                                                 nullptr);
  xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId);
  xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId);
  xmlSecTmplX509DataAddCertificate(
      xmlSecTmplKeyInfoAddX509Data(xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr)));
  std::unique_ptr<xmlSecDSigCtx, CtxFree> ctx(xmlSecDSigCtxCreate(nullptr));
  const auto* bytes = reinterpret_cast<const xmlSecByte*>(pem->data());
  ctx->signKey = xmlSecCryptoAppKeyLoadMemory(bytes, static_cast<xmlSecSize>(pem->size()),
                                              xmlSecKeyDataFormatPem, nullptr, nullptr, nullptr);
  if (!ctx->signKey ||
      xmlSecCryptoAppKeyCertLoadMemory(ctx->signKey, bytes, static_cast<xmlSecSize>(pem->size()),
                                       xmlSecKeyDataFormatPem) < 0 ||
      xmlSecDSigCtxSign(ctx.get(), sig) < 0)
    return Error{"E_CRYPTO", "", "明細に署名できませんでした"};
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc.get(), &out, &size, "UTF-8");
  std::string xml(reinterpret_cast<const char*>(out), static_cast<size_t>(size));
  xmlFree(out);
  return xml;
}

Result<Verified> verify_statement(std::string_view xml, const std::filesystem::path& data_dir) {
  if (!crypto_ready()) return Error{"E_CRYPTO", "", "XML署名の初期化に失敗しました"};
  auto ca = read_file(security::ca_paths(data_dir).ca_cert);
  if (!ca) return Error{"E_CA_MISSING", "data-dir", "認証局の証明書がありません"};
  Doc doc = parse(xml);
  if (!doc) return bad_signature();
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !xmlSecCheckNodeName(root, X("MedicalExpenseNotice"), X(kNamespace)))
    return bad_signature();
  // The one signature, a child of the root, signing the whole document (URI "").
  xmlNode* sig = xmlSecFindChild(root, xmlSecNodeSignature, xmlSecDSigNs);
  xmlNode* ref = sig ? xmlSecFindNode(sig, xmlSecNodeReference, xmlSecDSigNs) : nullptr;
  xmlChar* uri = ref ? xmlGetProp(ref, X("URI")) : nullptr;
  const bool whole = uri && uri[0] == 0;
  xmlFree(uri);
  if (!whole) return bad_signature();
  std::unique_ptr<xmlSecKeysMngr, MngrFree> mngr(xmlSecKeysMngrCreate());
  if (!mngr || xmlSecCryptoAppDefaultKeysMngrInit(mngr.get()) < 0 ||
      xmlSecCryptoAppKeysMngrCertLoadMemory(
          mngr.get(), reinterpret_cast<const xmlSecByte*>(ca->data()),
          static_cast<xmlSecSize>(ca->size()), xmlSecKeyDataFormatPem,
          xmlSecKeyDataTypeTrusted) < 0)
    return Error{"E_CRYPTO", "", "認証局の証明書を読めません"};
  std::unique_ptr<xmlSecDSigCtx, CtxFree> ctx(xmlSecDSigCtxCreate(mngr.get()));
  if (xmlSecDSigCtxVerify(ctx.get(), sig) < 0 || ctx->status != xmlSecDSigStatusSucceeded)
    return bad_signature();
  Verified v;
  v.signer = signer_of(sig);
  xmlChar* year = xmlGetProp(root, X("Year"));
  v.year = year ? std::atoi(reinterpret_cast<const char*>(year)) : 0;
  xmlFree(year);
  if (xmlNode* lines = xmlSecFindChild(root, X("Lines"), X(kNamespace)))
    for (xmlNode* n = lines->children; n; n = n->next)
      if (n->type == XML_ELEMENT_NODE) ++v.lines;
  return v;
}

}  // namespace onshi::expenses
