// Protocol enforcement: out-of-order, replayed, duplicated, misaddressed, wrong-round,
// wrong-session, unknown-sender and wrong-length messages, and a malicious coordinator.
#include <map>
#include <memory>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/secagg/round_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fedcloak::secagg {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;
using Code = absl::StatusCode;

class SecAggProtocolTest : public ::testing::Test {
 protected:
  // n = 5, complete graph (k = 4), t = 3, vectors of 4 values; round 9.
  explicit SecAggProtocolTest(uint32_t n = 5, uint32_t k = 4, uint32_t t = 3)
      : params_(*SecAggParameters::Create(n, k, t, 4)), fed_(params_, kRound, 77) {
    server_ = std::make_unique<SecAggServer>(
        *SecAggServer::Create(params_, kRound, fed_.identity_keys()));
    for (uint32_t i = 1; i <= n; ++i) {
      rngs_.push_back(std::make_unique<Prg>(testing::SeededPrg(i, "protocol_test")));
      clients_[i] = std::make_unique<SecAggClient>(
          *SecAggClient::Create(params_, kRound, i, fed_.identity_keys(), *rngs_.back()));
    }
  }

  SecAggClient& client(uint32_t i) { return *clients_.at(i); }
  MessageContext Context() const {
    return MessageContext{params_.parameter_id(), kRound, server_->session()};
  }
  std::vector<uint32_t> Input(uint32_t i) const { return {i, i, i, i}; }

  void Advertise() {
    for (auto& [i, c] : clients_) {
      auto blob = c->AdvertiseKeys(fed_.identity(i));
      ASSERT_THAT(blob, IsOk());
      adverts_[i] = *blob;
      ASSERT_THAT(server_->AddAdvertisement(i, *blob), IsOk());
    }
    auto d = server_->FinishAdvertising();
    ASSERT_THAT(d, IsOk());
    directory_ = *d;
  }
  void Share() {
    for (auto& [i, c] : clients_) {
      auto blob = c->ShareKeys(directory_.at(i));
      ASSERT_THAT(blob, IsOk());
      share_keys_[i] = *blob;
      ASSERT_THAT(server_->AddShareKeys(i, *blob), IsOk());
    }
    auto s = server_->FinishSharing();
    ASSERT_THAT(s, IsOk());
    inbox_ = *s;
  }
  // All but `absent` send masked inputs.
  void Mask(std::set<uint32_t> absent = {}) {
    for (auto& [i, c] : clients_) {
      if (absent.contains(i)) continue;
      auto blob = c->MaskInput(inbox_.at(i), Input(i), 1);
      ASSERT_THAT(blob, IsOk());
      masked_[i] = *blob;
      ASSERT_THAT(server_->AddMaskedInput(i, *blob), IsOk());
    }
    auto r = server_->FinishMasking();
    ASSERT_THAT(r, IsOk());
    requests_ = *r;
  }

  static constexpr uint64_t kRound = 9;
  SecAggParameters params_;
  testing::Federation fed_;
  std::unique_ptr<SecAggServer> server_;
  std::vector<std::unique_ptr<Prg>> rngs_;
  std::map<uint32_t, std::unique_ptr<SecAggClient>> clients_;
  std::map<uint32_t, std::vector<uint8_t>> adverts_, share_keys_, masked_;
  OutgoingMessages directory_, inbox_, requests_;
};

TEST_F(SecAggProtocolTest, ClientRefusesOutOfOrderCalls) {
  EXPECT_THAT(client(1).ShareKeys({}), StatusIs(Code::kFailedPrecondition, HasSubstr("stage")));
  EXPECT_THAT(client(1).MaskInput({}, Input(1), 1), StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(client(1).Unmask({}), StatusIs(Code::kFailedPrecondition));
  Advertise();
  EXPECT_THAT(client(1).AdvertiseKeys(fed_.identity(1)), StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(client(1).stage(), SecAggClient::Stage::kShareKeys);
}

TEST_F(SecAggProtocolTest, ClientRefusesForeignIdentity) {
  EXPECT_THAT(client(1).AdvertiseKeys(fed_.identity(2)),
              StatusIs(Code::kInvalidArgument, HasSubstr("enrolled")));
}

TEST_F(SecAggProtocolTest, ClientRefusesReplayedMessages) {
  Advertise();
  Share();
  EXPECT_THAT(client(1).ShareKeys(directory_.at(1)), StatusIs(Code::kFailedPrecondition));
  Mask();
  EXPECT_THAT(client(1).MaskInput(inbox_.at(1), Input(1), 1), StatusIs(Code::kFailedPrecondition));
  auto response = client(1).Unmask(requests_.at(1));
  ASSERT_THAT(response, IsOk());
  // A second request, even one asking for the other share type, is refused.
  UnmaskingRequest other{{1, 2, 3}, {4, 5}};
  EXPECT_THAT(client(1).Unmask(other.Encode(Context())), StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(client(1).Unmask(requests_.at(1)), StatusIs(Code::kFailedPrecondition));
}

TEST_F(SecAggProtocolTest, ClientRejectsStrayMessagesWithoutStateChange) {
  Advertise();
  // The directory re-encoded for another round, parameter set; garbage; truncated.
  SessionId session;
  auto dir = KeyDirectory::Parse(directory_.at(1), params_, kRound, &session);
  ASSERT_THAT(dir, IsOk());
  EXPECT_THAT(
      client(1).ShareKeys(dir->Encode(MessageContext{params_.parameter_id(), kRound + 1, session})),
      StatusIs(Code::kInvalidArgument, HasSubstr("round")));
  EXPECT_THAT(client(1).ShareKeys(dir->Encode(MessageContext{123, kRound, session})),
              StatusIs(Code::kInvalidArgument, HasSubstr("parameter")));
  EXPECT_THAT(client(1).ShareKeys(adverts_.at(1)), StatusIs(Code::kInvalidArgument));  // kind
  const std::vector<uint8_t>& good = directory_.at(1);
  EXPECT_THAT(client(1).ShareKeys(std::span(good.data(), good.size() - 1)),
              StatusIs(Code::kDataLoss));
  EXPECT_EQ(client(1).stage(), SecAggClient::Stage::kShareKeys);
  ASSERT_THAT(client(1).ShareKeys(good), IsOk());
  EXPECT_EQ(client(1).stage(), SecAggClient::Stage::kMaskInput);
}

TEST_F(SecAggProtocolTest, ClientAbortsOnForgedDirectory) {
  Advertise();
  SessionId session;
  auto dir = KeyDirectory::Parse(directory_.at(1), params_, kRound, &session);
  ASSERT_THAT(dir, IsOk());
  auto reencode = [&](KeyDirectory d) {
    return d.Encode(MessageContext{params_.parameter_id(), kRound,
                                   SessionIdOf(d, params_.parameter_id(), kRound)});
  };
  {  // The coordinator substitutes site 3's mask key: the signature no longer verifies.
    KeyDirectory d = *dir;
    d.entries[2].mask_key[0] ^= 1;
    EXPECT_THAT(client(1).ShareKeys(reencode(d)),
                StatusIs(Code::kDataLoss, HasSubstr("entry of site 3 is not signed")));
    EXPECT_EQ(client(1).stage(), SecAggClient::Stage::kAborted);
    EXPECT_THAT(client(1).MaskInput({}, Input(1), 1),
                StatusIs(Code::kFailedPrecondition, HasSubstr("aborted")));
  }
  {  // Drops site 2's own entry.
    KeyDirectory d = *dir;
    d.entries.erase(d.entries.begin() + 1);
    EXPECT_THAT(client(2).ShareKeys(reencode(d)),
                StatusIs(Code::kInvalidArgument, HasSubstr("this site's advertised keys")));
  }
  {  // A session id that is not the hash of the keys.
    SessionId wrong = session;
    wrong.bytes[0] ^= 1;
    EXPECT_THAT(
        client(3).ShareKeys(dir->Encode(MessageContext{params_.parameter_id(), kRound, wrong})),
        StatusIs(Code::kInvalidArgument, HasSubstr("session id")));
  }
  {  // Fewer than t sites: 2 entries.
    KeyDirectory d;
    d.entries = {dir->entries[3], dir->entries[4]};
    EXPECT_THAT(client(4).ShareKeys(reencode(d)),
                StatusIs(Code::kFailedPrecondition, HasSubstr("below the threshold 3")));
  }
}

TEST_F(SecAggProtocolTest, ClientChecksSharesItReceives) {
  Advertise();
  Share();
  auto shares = EncryptedShares::Parse(inbox_.at(1), params_, kRound, server_->session());
  ASSERT_THAT(shares, IsOk());
  // Addressed to someone else: refused, no state change.
  EXPECT_THAT(client(2).MaskInput(inbox_.at(1), Input(2), 1),
              StatusIs(Code::kInvalidArgument, HasSubstr("addressed to site 1")));
  // Wrong length input: refused, no state change.
  EXPECT_THAT(client(1).MaskInput(inbox_.at(1), std::vector<uint32_t>(5), 1),
              StatusIs(Code::kInvalidArgument, HasSubstr("5 values")));
  // A tampered ciphertext aborts the round.
  EncryptedShares bad = *shares;
  bad.shares[1].ciphertext[50] ^= 0x20;
  EXPECT_THAT(client(1).MaskInput(bad.Encode(Context()), Input(1), 1),
              StatusIs(Code::kDataLoss, HasSubstr("authentication")));
  // A share sealed for site 1 but relayed to site 3 as if from its sender.
  auto shares3 = EncryptedShares::Parse(inbox_.at(3), params_, kRound, server_->session());
  ASSERT_THAT(shares3, IsOk());
  EncryptedShares swapped = *shares3;
  swapped.shares[0].ciphertext = shares->shares[0].ciphertext;  // from site 2, for site 1
  EXPECT_THAT(client(3).MaskInput(swapped.Encode(Context()), Input(3), 1),
              StatusIs(Code::kDataLoss));
}

TEST_F(SecAggProtocolTest, MaliciousCoordinatorListsAreRefused) {
  Advertise();
  Share();
  Mask();
  auto expect_abort = [&](uint32_t site, UnmaskingRequest r, Code code, std::string_view text) {
    EXPECT_THAT(client(site).Unmask(r.Encode(Context())), StatusIs(code, HasSubstr(text)));
    EXPECT_EQ(client(site).stage(), SecAggClient::Stage::kAborted);
  };
  // Overlap: site 2 as survivor and dropout (would reveal both of its shares).
  expect_abort(1, {{1, 2, 3, 4}, {2, 5}}, Code::kInvalidArgument,
               "site 2 both as survivor and as dropout");
  // Site 4 in neither list although it sent shares to site 2.
  expect_abort(2, {{1, 2, 3}, {5}}, Code::kInvalidArgument, "partner 4 neither");
  // Below t.
  expect_abort(3, {{3, 4}, {1, 2, 5}}, Code::kFailedPrecondition, "below the threshold 3");
  // The site itself listed as dropout.
  expect_abort(4, {{1, 2, 3}, {4, 5}}, Code::kInvalidArgument, "not list this site");
  // The honest request is accepted.
  EXPECT_THAT(client(5).Unmask(requests_.at(5)), IsOk());
}

TEST_F(SecAggProtocolTest, RequestNamingASiteThatNeverAdvertisedIsRefused) {
  for (uint32_t i = 1; i <= 4; ++i) {  // site 5 never advertises
    auto blob = client(i).AdvertiseKeys(fed_.identity(i));
    ASSERT_THAT(blob, IsOk());
    ASSERT_THAT(server_->AddAdvertisement(i, *blob), IsOk());
  }
  auto directory = server_->FinishAdvertising();
  ASSERT_THAT(directory, IsOk());
  for (uint32_t i = 1; i <= 4; ++i) {
    auto blob = client(i).ShareKeys(directory->at(i));
    ASSERT_THAT(blob, IsOk());
    ASSERT_THAT(server_->AddShareKeys(i, *blob), IsOk());
  }
  auto inbox = server_->FinishSharing();
  ASSERT_THAT(inbox, IsOk());
  ASSERT_THAT(client(1).MaskInput(inbox->at(1), Input(1), 1), IsOk());
  UnmaskingRequest request{{1, 2, 3, 4}, {5}};
  EXPECT_THAT(client(1).Unmask(request.Encode(Context())),
              StatusIs(Code::kInvalidArgument, HasSubstr("site 5, which never advertised")));
}

class SecAggSparseProtocolTest : public SecAggProtocolTest {
 protected:
  // n = 7 on a Harary ring of degree 2, t = 2.
  SecAggSparseProtocolTest() : SecAggProtocolTest(7, 2, 2) {}
};

TEST_F(SecAggSparseProtocolTest, SharesFromNonNeighboursAndHiddenPartners) {
  Advertise();
  Share();
  const NeighbourGraph graph(std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7}, 2, 7, server_->session());
  auto mine = EncryptedShares::Parse(inbox_.at(1), params_, kRound, server_->session());
  ASSERT_THAT(mine, IsOk());
  ASSERT_EQ(mine->shares.size(), 2u);
  // Site 1 receives, in addition, a share from a non-neighbour.
  uint32_t stranger = 0;
  for (uint32_t v = 2; v <= 7 && stranger == 0; ++v) {
    if (!graph.AreNeighbours(1, v)) stranger = v;
  }
  auto theirs = EncryptedShares::Parse(inbox_.at(graph.Neighbours(stranger)[0]), params_, kRound,
                                       server_->session());
  ASSERT_THAT(theirs, IsOk());
  EncryptedShares forged = *mine;
  forged.shares.push_back(SealedShare{stranger, theirs->shares[0].ciphertext});
  std::sort(forged.shares.begin(), forged.shares.end(),
            [](const SealedShare& a, const SealedShare& b) { return a.peer < b.peer; });
  EXPECT_THAT(client(1).MaskInput(forged.Encode(Context()), Input(1), 1),
              StatusIs(Code::kInvalidArgument, HasSubstr("not a neighbour")));

  // Site 2: the coordinator withholds one neighbour's shares, then lists that neighbour
  // as a survivor: contradiction, abort.
  auto shares2 = EncryptedShares::Parse(inbox_.at(2), params_, kRound, server_->session());
  ASSERT_THAT(shares2, IsOk());
  EncryptedShares withheld = *shares2;
  const uint32_t hidden = withheld.shares[0].peer;
  withheld.shares.erase(withheld.shares.begin());
  ASSERT_THAT(client(2).MaskInput(withheld.Encode(Context()), Input(2), 1), IsOk());
  UnmaskingRequest request{{1, 2, 3, 4, 5, 6, 7}, {}};
  EXPECT_THAT(client(2).Unmask(request.Encode(Context())),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("neighbour " + std::to_string(hidden) + ", whose shares")));
}

TEST_F(SecAggProtocolTest, ServerRejectsBadMessages) {
  // Stage 0.
  auto a1 = client(1).AdvertiseKeys(fed_.identity(1));
  ASSERT_THAT(a1, IsOk());
  EXPECT_THAT(server_->AddAdvertisement(2, *a1),
              StatusIs(Code::kInvalidArgument, HasSubstr("claims to come from site 1")));
  ASSERT_THAT(server_->AddAdvertisement(1, *a1), IsOk());
  EXPECT_THAT(server_->AddAdvertisement(1, *a1),
              StatusIs(Code::kFailedPrecondition, HasSubstr("duplicate")));
  auto parsed = AdvertiseKeys::Parse(*a1, params_, kRound);
  ASSERT_THAT(parsed, IsOk());
  AdvertiseKeys forged = *parsed;
  forged.site = 6;  // unknown site
  EXPECT_THAT(server_->AddAdvertisement(
                  6, forged.Encode(MessageContext{params_.parameter_id(), kRound, SessionId{}})),
              StatusIs(Code::kInvalidArgument, HasSubstr("site 6 outside [1, 5]")));
  forged.site = 2;  // site 1's keys and signature claimed by site 2
  EXPECT_THAT(server_->AddAdvertisement(
                  2, forged.Encode(MessageContext{params_.parameter_id(), kRound, SessionId{}})),
              StatusIs(Code::kDataLoss, HasSubstr("signature")));
  EXPECT_THAT(server_->AddShareKeys(1, *a1), StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(server_->Finish(), StatusIs(Code::kFailedPrecondition));
  // A message for the next round (replay across rounds).
  auto other_round_server = SecAggServer::Create(params_, kRound + 1, fed_.identity_keys());
  ASSERT_THAT(other_round_server, IsOk());
  EXPECT_THAT(other_round_server->AddAdvertisement(1, *a1),
              StatusIs(Code::kInvalidArgument, HasSubstr("round")));
}

TEST_F(SecAggProtocolTest, ServerRejectsBadLaterMessages) {
  Advertise();
  // ShareKeys addressed to the wrong set of recipients.
  auto sk = client(1).ShareKeys(directory_.at(1));
  ASSERT_THAT(sk, IsOk());
  auto parsed = ShareKeys::Parse(*sk, params_, kRound, server_->session());
  ASSERT_THAT(parsed, IsOk());
  ShareKeys fewer = *parsed;
  fewer.shares.pop_back();
  EXPECT_THAT(server_->AddShareKeys(1, fewer.Encode(Context())),
              StatusIs(Code::kInvalidArgument, HasSubstr("not its 4 neighbours")));
  SessionId wrong = server_->session();
  wrong.bytes[5] ^= 1;
  EXPECT_THAT(server_->AddShareKeys(
                  1, parsed->Encode(MessageContext{params_.parameter_id(), kRound, wrong})),
              StatusIs(Code::kInvalidArgument, HasSubstr("session")));
  ASSERT_THAT(server_->AddShareKeys(1, *sk), IsOk());
  for (uint32_t i = 2; i <= 4; ++i) {  // site 5 drops here
    auto blob = client(i).ShareKeys(directory_.at(i));
    ASSERT_THAT(blob, IsOk());
    ASSERT_THAT(server_->AddShareKeys(i, *blob), IsOk());
  }
  auto inbox = server_->FinishSharing();
  ASSERT_THAT(inbox, IsOk());
  EXPECT_FALSE(inbox->contains(5));
  // Masked inputs: wrong length, unknown sender, duplicate.
  auto m1 = client(1).MaskInput(inbox->at(1), Input(1), 1);
  ASSERT_THAT(m1, IsOk());
  std::vector<uint32_t> too_long(params_.masked_length() + 1);
  EXPECT_THAT(server_->AddMaskedInput(1, EncodeMaskedInput(1, too_long, Context())),
              StatusIs(Code::kInvalidArgument));
  std::vector<uint32_t> right(params_.masked_length());
  EXPECT_THAT(server_->AddMaskedInput(5, EncodeMaskedInput(5, right, Context())),
              StatusIs(Code::kFailedPrecondition, HasSubstr("not a participant")));
  ASSERT_THAT(server_->AddMaskedInput(1, *m1), IsOk());
  EXPECT_THAT(server_->AddMaskedInput(1, *m1), StatusIs(Code::kFailedPrecondition));
  for (uint32_t i = 2; i <= 3; ++i) {  // site 4 drops before masking
    auto blob = client(i).MaskInput(inbox->at(i), Input(i), 1);
    ASSERT_THAT(blob, IsOk());
    ASSERT_THAT(server_->AddMaskedInput(i, *blob), IsOk());
  }
  auto requests = server_->FinishMasking();
  ASSERT_THAT(requests, IsOk());
  // Responses: from a dropped site, with a wrong share type, and tampered shares.
  auto r1 = client(1).Unmask(requests->at(1));
  ASSERT_THAT(r1, IsOk());
  EXPECT_THAT(server_->AddUnmaskingResponse(4, *r1), StatusIs(Code::kInvalidArgument));
  auto resp = UnmaskingResponse::Parse(*r1, params_, kRound, server_->session());
  ASSERT_THAT(resp, IsOk());
  UnmaskingResponse wrong_type = *resp;
  wrong_type.shares[0].type = ShareType::kMaskKey;  // owner 1 survived
  EXPECT_THAT(server_->AddUnmaskingResponse(1, wrong_type.Encode(Context())),
              StatusIs(Code::kInvalidArgument, HasSubstr("expected share")));
  UnmaskingResponse tampered = *resp;
  for (RevealedShare& s : tampered.shares) {
    if (s.owner == 4) s.share[4] = (s.share[4] + 1) % ((uint64_t{1} << 61) - 1);
  }
  ASSERT_THAT(server_->AddUnmaskingResponse(1, tampered.Encode(Context())), IsOk());
  for (uint32_t i = 2; i <= 3; ++i) {
    auto blob = client(i).Unmask(requests->at(i));
    ASSERT_THAT(blob, IsOk());
    ASSERT_THAT(server_->AddUnmaskingResponse(i, *blob), IsOk());
  }
  // Site 4's mask key, reconstructed from a corrupted share, is caught.
  EXPECT_THAT(server_->Finish(), StatusIs(Code::kDataLoss));
  EXPECT_EQ(server_->stage(), SecAggServer::Stage::kAborted);
}

TEST_F(SecAggProtocolTest, PendingListsWhoIsMissing) {
  EXPECT_EQ(server_->Pending().size(), 5u);
  Advertise();
  EXPECT_EQ(server_->Pending(), (std::vector<uint32_t>{1, 2, 3, 4, 5}));
  Share();
  Mask({2});
  EXPECT_EQ(server_->Pending(), (std::vector<uint32_t>{1, 3, 4, 5}));
}

}  // namespace
}  // namespace fedcloak::secagg
