#include "lab/jwt_signer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <ctime>

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace shipshape::lab {
namespace {

using nlohmann::json;

std::string base64Url(std::string_view bytes) {
  std::string s = base64Encode(bytes);
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

struct JwtSigner::Keys {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Keys() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

JwtSigner::JwtSigner(std::string service, std::string issuer)
    : keys_(std::make_unique<Keys>()), service_(std::move(service)), issuer_(std::move(issuer)) {
  keys_->key = EVP_RSA_gen(2048);
  keys_->cert = X509_new();
  X509_set_version(keys_->cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(keys_->cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(keys_->cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(keys_->cert), 86400);
  X509_set_pubkey(keys_->cert, keys_->key);
  X509_NAME* name = X509_get_subject_name(keys_->cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(issuer_.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(keys_->cert, name);
  X509_sign(keys_->cert, keys_->key, EVP_sha256());
}

JwtSigner::~JwtSigner() = default;

std::string JwtSigner::certificatePem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, keys_->cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return pem;
}

std::string JwtSigner::makeJwt(std::chrono::seconds lifetime, const std::string& subject,
                               const std::vector<std::string>& actions, const std::string& repository) const {
  static std::atomic<int> counter{0};
  std::int64_t t = now();
  json claims = {{"iss", issuer_},
                 {"sub", subject},
                 {"aud", service_},
                 {"exp", t + lifetime.count()},
                 {"nbf", t - 60},
                 {"iat", t},
                 {"jti", "jti-" + std::to_string(counter++)},
                 {"access", json::array()}};
  if (!repository.empty()) {
    claims["access"].push_back({{"type", "repository"}, {"name", repository}, {"actions", actions}});
  }
  return sign(claims);
}

std::string JwtSigner::makeRefreshToken(const std::string& subject, std::chrono::seconds issued_ago,
                                        std::chrono::seconds lifetime) const {
  static std::atomic<int> counter{0};
  std::int64_t issued = now() - issued_ago.count();
  json claims = {{"iss", issuer_},
                 {"sub", subject},
                 {"aud", service_},
                 {"iat", issued},
                 {"exp", issued + lifetime.count()},
                 {"jti", "refresh-" + std::to_string(counter++)},
                 {"refresh", true}};
  return sign(claims);
}

std::string JwtSigner::sign(const json& claims) const {
  unsigned char* der = nullptr;
  int der_len = i2d_X509(keys_->cert, &der);
  std::string x5c = base64Encode(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_len)));
  OPENSSL_free(der);
  json header = {{"typ", "JWT"}, {"alg", "RS256"}, {"x5c", json::array({x5c})}};
  std::string signing_input = base64Url(header.dump()) + "." + base64Url(claims.dump());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, keys_->key);
  std::size_t sig_len = 0;
  EVP_DigestSign(ctx, nullptr, &sig_len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                 signing_input.size());
  std::string sig(sig_len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                 reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(sig_len);
  return signing_input + "." + base64Url(sig);
}

std::pair<std::string, std::vector<std::string>> grantScope(const std::string& scope,
                                                            const std::vector<std::string>& allowed) {
  std::string repository;
  std::vector<std::string> granted;
  if (scope.starts_with("repository:")) {
    std::string rest = scope.substr(11);
    repository = rest.substr(0, rest.rfind(':'));
    std::string asked = rest.substr(rest.rfind(':') + 1);
    for (const auto& action : allowed) {
      if (("," + asked + ",").find("," + action + ",") != std::string::npos) granted.push_back(action);
    }
  }
  return {repository, granted};
}

json jwtClaims(const std::string& token) {
  if (std::count(token.begin(), token.end(), '.') != 2) return nullptr;
  auto middle = token.substr(token.find('.') + 1);
  middle = middle.substr(0, middle.find('.'));
  auto claims = json::parse(base64Decode(middle).value_or("{}"), nullptr, false);
  return claims.is_object() ? claims : json(nullptr);
}

bool expiredJwtPassword(const std::string& password) {
  json claims = jwtClaims(password);
  return claims.is_object() && claims.value("exp", std::int64_t{0}) <= now();
}

}  // namespace shipshape::lab
