#include "attest/token/ec_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <array>
#include <stdexcept>

namespace caec::attest {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;

[[noreturn]] void openssl_failure(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + ERR_error_string(ERR_get_error(), nullptr));
}

const char* group_name(Curve c) {
  switch (c) {
    case Curve::kP256: return "prime256v1";
    case Curve::kP384: return "secp384r1";
    case Curve::kP521: return "secp521r1";
  }
  return "";
}

std::optional<Curve> curve_of(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return std::nullopt;
  std::array<char, 64> name{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name.data(), name.size(), &len) != 1) {
    return std::nullopt;
  }
  const std::string_view n(name.data(), len);
  for (Curve c : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    if (n == group_name(c)) return c;
  }
  return std::nullopt;
}

const EVP_MD* digest_for(CoseAlg a) {
  switch (a) {
    case CoseAlg::kEs256: return EVP_sha256();
    case CoseAlg::kEs384: return EVP_sha384();
    case CoseAlg::kEs512: return EVP_sha512();
  }
  return nullptr;
}

std::optional<EVP_PKEY*> from_params(Curve curve, std::span<const std::uint8_t> point, const BIGNUM* d) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld) openssl_failure("OSSL_PARAM_BLD_new");
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group_name(curve), 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  if (d != nullptr) OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d);
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) openssl_failure("EVP_PKEY_fromdata_init");
  EVP_PKEY* key = nullptr;
  const int selection = d != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata(ctx.get(), &key, selection, params.get()) != 1) {
    ERR_clear_error();
    return std::nullopt;  // not a point on the curve
  }
  // fromdata does not validate the point; a key check does.
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  const int ok = d != nullptr ? EVP_PKEY_pairwise_check(check.get()) : EVP_PKEY_public_check(check.get());
  if (ok != 1) {
    ERR_clear_error();
    EVP_PKEY_free(key);
    return std::nullopt;
  }
  return key;
}

}  // namespace

std::size_t coordinate_size(Curve c) {
  switch (c) {
    case Curve::kP256: return 32;
    case Curve::kP384: return 48;
    case Curve::kP521: return 66;
  }
  return 0;
}

std::string_view curve_name(Curve c) {
  switch (c) {
    case Curve::kP256: return "P-256";
    case Curve::kP384: return "P-384";
    case Curve::kP521: return "P-521";
  }
  return "?";
}

std::optional<Curve> curve_from_name(std::string_view name) {
  for (Curve c : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    if (curve_name(c) == name) return c;
  }
  return std::nullopt;
}

std::string_view alg_name(CoseAlg a) {
  switch (a) {
    case CoseAlg::kEs256: return "ES256";
    case CoseAlg::kEs384: return "ES384";
    case CoseAlg::kEs512: return "ES512";
  }
  return "?";
}

std::optional<CoseAlg> alg_from_id(std::int64_t id) {
  for (CoseAlg a : {CoseAlg::kEs256, CoseAlg::kEs384, CoseAlg::kEs512}) {
    if (static_cast<std::int64_t>(a) == id) return a;
  }
  return std::nullopt;
}

CoseAlg alg_for(Curve c) {
  switch (c) {
    case Curve::kP256: return CoseAlg::kEs256;
    case Curve::kP384: return CoseAlg::kEs384;
    case Curve::kP521: return CoseAlg::kEs512;
  }
  return CoseAlg::kEs384;
}

EcKey EcKey::generate(Curve curve) {
  EVP_PKEY* key = EVP_EC_gen(group_name(curve));
  if (key == nullptr) openssl_failure("EVP_EC_gen");
  return {key, curve, true};
}

std::optional<EcKey> EcKey::from_pem(std::string_view pem, std::string& error) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) openssl_failure("BIO_new_mem_buf");
  bool priv = true;
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    ERR_clear_error();
    priv = false;
    BIO_reset(bio.get());
    key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  }
  if (key == nullptr) {
    ERR_clear_error();
    error = "not a PEM private key or public key (SubjectPublicKeyInfo)";
    return std::nullopt;
  }
  const auto curve = curve_of(key);
  if (!curve) {
    EVP_PKEY_free(key);
    error = "not an EC key on P-256, P-384 or P-521";
    return std::nullopt;
  }
  return EcKey(key, *curve, priv);
}

std::optional<EcKey> EcKey::from_private_scalar(Curve curve, std::span<const std::uint8_t> d) {
  if (d.size() != coordinate_size(curve)) return std::nullopt;
  Bn bn(BN_bin2bn(d.data(), static_cast<int>(d.size()), nullptr));
  if (!bn) openssl_failure("BN_bin2bn");
  // The public point is d·G, computed through the EC_POINT API OpenSSL 3 still offers.
  using Group = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
  using Point = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_free>>;
  Group group(EC_GROUP_new_by_curve_name(OBJ_sn2nid(group_name(curve))));
  if (!group) openssl_failure("EC_GROUP_new_by_curve_name");
  if (BN_is_zero(bn.get()) || BN_cmp(bn.get(), EC_GROUP_get0_order(group.get())) >= 0) return std::nullopt;
  Point pub(EC_POINT_new(group.get()));
  if (!pub || EC_POINT_mul(group.get(), pub.get(), bn.get(), nullptr, nullptr, nullptr) != 1) {
    openssl_failure("EC_POINT_mul");
  }
  Bytes point(1 + 2 * coordinate_size(curve));
  if (EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(), point.size(),
                         nullptr) != point.size()) {
    openssl_failure("EC_POINT_point2oct");
  }
  const auto key = from_params(curve, point, bn.get());
  if (!key) return std::nullopt;
  return EcKey(*key, curve, true);
}

std::optional<EcKey> EcKey::from_public_point(Curve curve, std::span<const std::uint8_t> point) {
  if (point.size() != 1 + 2 * coordinate_size(curve) || point[0] != 0x04) return std::nullopt;
  const auto key = from_params(curve, point, nullptr);
  if (!key) return std::nullopt;
  return EcKey(*key, curve, false);
}

Bytes EcKey::public_point() const {
  Bytes point(1 + 2 * coordinate_size(curve_));
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key_.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &len) != 1 ||
      len != point.size()) {
    openssl_failure("EVP_PKEY_get_octet_string_param");
  }
  return point;
}

Bytes EcKey::private_scalar() const {
  BIGNUM* raw = nullptr;
  if (!has_private_ || EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) {
    openssl_failure("EVP_PKEY_get_bn_param");
  }
  Bn d(raw);
  Bytes out(coordinate_size(curve_));
  if (BN_bn2binpad(d.get(), out.data(), static_cast<int>(out.size())) < 0) openssl_failure("BN_bn2binpad");
  return out;
}

std::string EcKey::public_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) openssl_failure("PEM_write_bio_PUBKEY");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(n)};
}

std::string EcKey::private_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    openssl_failure("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(n)};
}

Bytes EcKey::sign(CoseAlg alg, std::span<const std::uint8_t> message) const {
  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t der_len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest_for(alg), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len, message.data(), message.size()) != 1) {
    openssl_failure("EVP_DigestSign");
  }
  Bytes der(der_len);
  if (EVP_DigestSign(ctx.get(), der.data(), &der_len, message.data(), message.size()) != 1) {
    openssl_failure("EVP_DigestSign");
  }
  const unsigned char* p = der.data();
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) openssl_failure("d2i_ECDSA_SIG");
  const std::size_t n = coordinate_size(curve_);
  Bytes raw(2 * n);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), static_cast<int>(n)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + n, static_cast<int>(n)) < 0) {
    openssl_failure("BN_bn2binpad");
  }
  return raw;
}

bool EcKey::verify(CoseAlg alg, std::span<const std::uint8_t> message,
                   std::span<const std::uint8_t> signature) const {
  const std::size_t n = coordinate_size(curve_);
  if (alg != alg_for(curve_) || signature.size() != 2 * n) return false;
  EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(signature.data(), static_cast<int>(n), nullptr);
  BIGNUM* s = BN_bin2bn(signature.data() + n, static_cast<int>(n), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    openssl_failure("ECDSA_SIG_set0");
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) openssl_failure("i2d_ECDSA_SIG");
  MdCtx ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, digest_for(alg), nullptr, key_.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len), message.data(),
                                   message.size()) == 1;
  OPENSSL_free(der);
  ERR_clear_error();
  return ok;
}

}  // namespace caec::attest
