#include "fedcloak/secagg/messages.h"

#include "fedcloak/base/bytes.h"
#include "fedcloak/base/check.h"
#include "fedcloak/base/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::secagg {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class SecAggMessagesTest : public ::testing::Test {
 protected:
  SecAggMessagesTest() : params_(*SecAggParameters::Create(6, 4, 3, 3)) {
    session_.bytes.fill(0x5a);
  }
  MessageContext Context(uint64_t round = 4) const {
    return MessageContext{params_.parameter_id(), round, session_};
  }
  static AdvertiseKeys Advert(uint32_t site) {
    AdvertiseKeys a;
    a.site = site;
    a.encryption_key.fill(static_cast<uint8_t>(site));
    a.mask_key.fill(static_cast<uint8_t>(site + 100));
    a.signature.fill(7);
    return a;
  }
  static SealedShare Sealed(uint32_t peer) {
    return SealedShare{peer,
                       std::vector<uint8_t>(kShareCiphertextSize, static_cast<uint8_t>(peer))};
  }
  // Replaces the payload of `blob` (header fixed up).
  static std::vector<uint8_t> WithPayload(const std::vector<uint8_t>& blob,
                                          const std::vector<uint8_t>& payload) {
    auto view = ParseBlob(blob);
    FEDCLOAK_CHECK(view.ok());
    return EncodeBlob(view->header, payload);
  }

  SecAggParameters params_;
  SessionId session_;
};

TEST_F(SecAggMessagesTest, AdvertiseKeysRoundTripAndChecks) {
  const AdvertiseKeys a = Advert(2);
  const auto blob = a.Encode(MessageContext{params_.parameter_id(), 4, SessionId{}});
  EXPECT_EQ(blob.size(), kBlobHeaderSize + 132);
  auto back = AdvertiseKeys::Parse(blob, params_, 4);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, a);
  EXPECT_THAT(AdvertiseKeys::Parse(blob, params_, 5), StatusIs(Code::kInvalidArgument));
  // Advertisements travel before the session exists: a non-zero session is refused.
  EXPECT_THAT(AdvertiseKeys::Parse(a.Encode(Context()), params_, 4),
              StatusIs(Code::kInvalidArgument, HasSubstr("session")));
  auto other = SecAggParameters::Create(6, 4, 4, 3);
  EXPECT_THAT(AdvertiseKeys::Parse(blob, *other, 4),
              StatusIs(Code::kInvalidArgument, HasSubstr("parameter")));
  EXPECT_THAT(AdvertiseKeys::Parse(Advert(7).Encode(MessageContext{params_.parameter_id(), 4, {}}),
                                   params_, 4),
              StatusIs(Code::kInvalidArgument, HasSubstr("site 7 outside [1, 6]")));
  std::vector<uint8_t> longer = blob;
  longer.push_back(0);
  EXPECT_THAT(AdvertiseKeys::Parse(longer, params_, 4), StatusIs(Code::kDataLoss));
  // The signed bytes bind the parameter id, the round and the keys.
  EXPECT_NE(a.SignedBytes(1, 4), a.SignedBytes(2, 4));
  EXPECT_NE(a.SignedBytes(1, 4), a.SignedBytes(1, 5));
  EXPECT_NE(a.SignedBytes(1, 4), Advert(3).SignedBytes(1, 4));
}

TEST_F(SecAggMessagesTest, KeyDirectoryRoundTripAndOrder) {
  KeyDirectory d;
  d.entries = {Advert(1), Advert(3), Advert(6)};
  const SessionId id = SessionIdOf(d, params_.parameter_id(), 4);
  auto blob = d.Encode(MessageContext{params_.parameter_id(), 4, id});
  SessionId parsed_session;
  auto back = KeyDirectory::Parse(blob, params_, 4, &parsed_session);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->entries, d.entries);
  EXPECT_EQ(parsed_session, id);
  // The session id depends on every key, the round and the parameters.
  KeyDirectory changed = d;
  changed.entries[1].mask_key[31] ^= 1;
  EXPECT_NE(SessionIdOf(changed, params_.parameter_id(), 4), id);
  EXPECT_NE(SessionIdOf(d, params_.parameter_id(), 5), id);
  EXPECT_NE(SessionIdOf(d, params_.parameter_id() + 1, 4), id);
  // Out of order or duplicated entries.
  KeyDirectory unordered;
  unordered.entries = {Advert(3), Advert(1)};
  EXPECT_THAT(KeyDirectory::Parse(unordered.Encode(Context()), params_, 4, &parsed_session),
              StatusIs(Code::kInvalidArgument, HasSubstr("strictly increasing")));
  KeyDirectory duplicated;
  duplicated.entries = {Advert(3), Advert(3)};
  EXPECT_THAT(KeyDirectory::Parse(duplicated.Encode(Context()), params_, 4, &parsed_session),
              StatusIs(Code::kInvalidArgument));
  // A count larger than the number of sites, and one larger than the payload.
  std::vector<uint8_t> payload;
  ByteWriter w(&payload);
  w.PutU32(7);
  EXPECT_THAT(KeyDirectory::Parse(WithPayload(blob, payload), params_, 4, &parsed_session),
              StatusIs(Code::kInvalidArgument, HasSubstr("exceeds 6")));
  payload.clear();
  w.PutU32(4);
  EXPECT_THAT(KeyDirectory::Parse(WithPayload(blob, payload), params_, 4, &parsed_session),
              StatusIs(Code::kDataLoss));
}

TEST_F(SecAggMessagesTest, ShareMessagesRoundTripAndChecks) {
  ShareKeys sk;
  sk.sender = 2;
  sk.shares = {Sealed(1), Sealed(3), Sealed(4)};
  auto back = ShareKeys::Parse(sk.Encode(Context()), params_, 4, session_);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->sender, 2u);
  EXPECT_EQ(back->shares, sk.shares);
  SessionId other = session_;
  other.bytes[0] = 0;
  EXPECT_THAT(ShareKeys::Parse(sk.Encode(Context()), params_, 4, other),
              StatusIs(Code::kInvalidArgument, HasSubstr("session")));
  ShareKeys to_self = sk;
  to_self.shares = {Sealed(2)};
  EXPECT_THAT(ShareKeys::Parse(to_self.Encode(Context()), params_, 4, session_),
              StatusIs(Code::kInvalidArgument, HasSubstr("itself")));

  EncryptedShares es;
  es.recipient = 5;
  es.shares = {Sealed(1), Sealed(6)};
  auto es_back = EncryptedShares::Parse(es.Encode(Context()), params_, 4, session_);
  ASSERT_THAT(es_back, IsOk());
  EXPECT_EQ(es_back->recipient, 5u);
  EXPECT_EQ(es_back->shares, es.shares);
  EXPECT_THAT(EncryptedShares::Parse(sk.Encode(Context()), params_, 4, session_),
              StatusIs(Code::kInvalidArgument, HasSubstr("kind")));
  // A ciphertext of the wrong size cannot be expressed: it shifts the rest.
  std::vector<uint8_t> payload;
  ByteWriter w(&payload);
  w.PutU32(5);
  w.PutU32(1);
  w.PutU32(1);
  w.PutBytes(std::vector<uint8_t>(kShareCiphertextSize - 1));
  EXPECT_THAT(
      EncryptedShares::Parse(WithPayload(es.Encode(Context()), payload), params_, 4, session_),
      StatusIs(Code::kDataLoss));
}

TEST_F(SecAggMessagesTest, MaskedInputRoundTripAndLength) {
  const std::vector<uint32_t> masked = {1, 0xffffffffu, 3, 4};  // 3 values + weight
  auto blob = EncodeMaskedInput(6, masked, Context());
  EXPECT_EQ(blob.size(), kBlobHeaderSize + 4 + 16);
  auto view = MaskedInputView::Parse(blob, params_, 4, session_);
  ASSERT_THAT(view, IsOk());
  EXPECT_EQ(view->sender, 6u);
  EXPECT_EQ(view->At(1), 0xffffffffu);
  EXPECT_EQ(view->At(3), 4u);
  const std::vector<uint32_t> short_masked = {1, 2, 3};
  EXPECT_THAT(
      MaskedInputView::Parse(EncodeMaskedInput(6, short_masked, Context()), params_, 4, session_),
      StatusIs(Code::kInvalidArgument, HasSubstr("expected 20")));
  const std::vector<uint32_t> long_masked = {1, 2, 3, 4, 5};
  EXPECT_THAT(
      MaskedInputView::Parse(EncodeMaskedInput(6, long_masked, Context()), params_, 4, session_),
      StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(MaskedInputView::Parse(EncodeMaskedInput(0, masked, Context()), params_, 4, session_),
              StatusIs(Code::kInvalidArgument, HasSubstr("sender 0")));
}

TEST_F(SecAggMessagesTest, UnmaskingMessagesRoundTripAndChecks) {
  UnmaskingRequest req{{1, 2, 4}, {3, 6}};
  auto req_back = UnmaskingRequest::Parse(req.Encode(Context()), params_, 4, session_);
  ASSERT_THAT(req_back, IsOk());
  EXPECT_EQ(req_back->survivors, req.survivors);
  EXPECT_EQ(req_back->dropouts, req.dropouts);
  // Overlap is a protocol matter (sites refuse it), not a format error.
  UnmaskingRequest overlap{{1, 2}, {2}};
  EXPECT_THAT(UnmaskingRequest::Parse(overlap.Encode(Context()), params_, 4, session_), IsOk());
  UnmaskingRequest unsorted{{2, 1}, {}};
  EXPECT_THAT(UnmaskingRequest::Parse(unsorted.Encode(Context()), params_, 4, session_),
              StatusIs(Code::kInvalidArgument));

  UnmaskingResponse resp;
  resp.sender = 3;
  resp.shares = {RevealedShare{1, ShareType::kSelfMaskSeed, {1, 2, 3, 4, 5}},
                 RevealedShare{4, ShareType::kMaskKey, {6, 7, 8, 9, 10}}};
  auto resp_back = UnmaskingResponse::Parse(resp.Encode(Context()), params_, 4, session_);
  ASSERT_THAT(resp_back, IsOk());
  EXPECT_EQ(resp_back->shares, resp.shares);
  UnmaskingResponse big = resp;
  big.shares[0].share[2] = (uint64_t{1} << 61) - 1;  // not a field element
  EXPECT_THAT(UnmaskingResponse::Parse(big.Encode(Context()), params_, 4, session_),
              StatusIs(Code::kDataLoss, HasSubstr("2^61 - 1")));
  UnmaskingResponse bad_type = resp;
  bad_type.shares[0].type = static_cast<ShareType>(3);
  EXPECT_THAT(UnmaskingResponse::Parse(bad_type.Encode(Context()), params_, 4, session_),
              StatusIs(Code::kDataLoss, HasSubstr("share type 3")));
  EXPECT_THAT(UnmaskingResponse::Parse(resp.Encode(Context(5)), params_, 4, session_),
              StatusIs(Code::kInvalidArgument, HasSubstr("round")));
}

TEST_F(SecAggMessagesTest, TruncationsAreDataLossNeverCrash) {
  KeyDirectory d;
  d.entries = {Advert(1), Advert(2)};
  UnmaskingResponse resp;
  resp.sender = 3;
  resp.shares = {RevealedShare{1, ShareType::kSelfMaskSeed, {1, 2, 3, 4, 5}}};
  ShareKeys sk;
  sk.sender = 2;
  sk.shares = {Sealed(1)};
  const std::vector<std::vector<uint8_t>> blobs = {d.Encode(Context()), resp.Encode(Context()),
                                                   sk.Encode(Context()),
                                                   UnmaskingRequest{{1}, {2}}.Encode(Context())};
  for (const auto& blob : blobs) {
    for (size_t len = 0; len < blob.size(); ++len) {
      const std::span<const uint8_t> cut(blob.data(), len);
      SessionId s;
      EXPECT_FALSE(KeyDirectory::Parse(cut, params_, 4, &s).ok());
      EXPECT_FALSE(UnmaskingResponse::Parse(cut, params_, 4, session_).ok());
      EXPECT_FALSE(ShareKeys::Parse(cut, params_, 4, session_).ok());
      EXPECT_FALSE(UnmaskingRequest::Parse(cut, params_, 4, session_).ok());
    }
  }
}

}  // namespace
}  // namespace fedcloak::secagg
