// Misbehaving clients, driven through a raw gRPC stub: each protocol violation ends
// only the offending stream, with the status the violation deserves, while another
// site's calls carry on unharmed.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <iterator>

#include "fedcloak/base/check.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/net/coordinator_server.h"
#include "fedcloak/net/grpc_util.h"
#include "fedcloak/net/test_pki.h"
#include "fedcloak/net/v1/site_link.grpc.pb.h"
#include "fmt/format.h"

namespace fedcloak::net {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using testing::AgentThread;
using testing::EchoHandler;
using testing::FastAgentOptions;
using testing::FastCoordinatorOptions;
using ::testing::HasSubstr;
using testing::TestPki;

constexpr size_t kChunk = 256 << 10;  // FastCoordinatorOptions' max_chunk_bytes

// A site client that sends whatever the test wants. Every stream has a 10 s deadline,
// so a test never hangs.
class RawSiteClient {
 public:
  RawSiteClient(const TlsMaterial& tls, int port) {
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(64 << 20);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = tls.ca_certificate_pem;
    ssl.pem_cert_chain = tls.certificate_pem;
    ssl.pem_private_key.assign(reinterpret_cast<const char*>(tls.private_key_pem.data()),
                               tls.private_key_pem.size());
    auto channel = grpc::CreateCustomChannel(fmt::format("127.0.0.1:{}", port),
                                             grpc::SslCredentials(ssl), args);
    stub_ = v1::SiteLink::NewStub(channel);
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    stream_ = stub_->Connect(&context_);
  }
  ~RawSiteClient() {
    if (!finished_) {
      context_.TryCancel();
      stream_->Finish();
    }
  }

  bool Send(const v1::SiteMessage& message) { return stream_->Write(message); }
  bool Read(v1::CoordinatorMessage* message) { return stream_->Read(message); }

  bool Register(const std::string& name) {
    v1::SiteMessage message;
    message.mutable_registration()->set_protocol_version(1);
    message.mutable_registration()->set_site_name(name);
    v1::CoordinatorMessage reply;
    return Send(message) && Read(&reply) && reply.has_registered();
  }
  // Reads until the coordinator sends a task chunk (skipping heartbeats).
  bool ReadTaskChunk(v1::Chunk* chunk) {
    v1::CoordinatorMessage message;
    while (Read(&message)) {
      if (message.has_task_chunk()) {
        *chunk = message.task_chunk();
        return true;
      }
    }
    return false;
  }
  // Drains the stream and returns the coordinator's final status.
  grpc::Status Finish() {
    v1::CoordinatorMessage message;
    while (Read(&message)) {
    }
    finished_ = true;
    return stream_->Finish();
  }

 private:
  std::unique_ptr<v1::SiteLink::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::SiteMessage, v1::CoordinatorMessage>> stream_;
  bool finished_ = false;
};

v1::SiteMessage ResultChunk(const v1::Chunk& task, uint64_t round, uint64_t total, uint64_t offset,
                            size_t size) {
  v1::SiteMessage message;
  v1::Chunk* chunk = message.mutable_result_chunk();
  chunk->set_task_id(task.task_id());
  chunk->set_round(round);
  chunk->set_kind(task.kind());
  chunk->set_total_size(total);
  chunk->set_offset(offset);
  chunk->set_data(std::string(size, 'r'));
  return message;
}

class NetMalformedStreamTest : public ::testing::Test {
 protected:
  NetMalformedStreamTest() : pki_({"good", "bad", "other"}) {
    CoordinatorOptions options = FastCoordinatorOptions(pki_, {"good", "bad"});
    options.logger = [this](LogLevel, std::string_view line) {
      absl::MutexLock lock(&mu_);
      log_.emplace_back(line);
    };
    auto server = CoordinatorServer::Start(std::move(options));
    FEDCLOAK_CHECK(server.ok());
    server_ = std::move(*server);
  }

  int port() const { return server_->port(); }
  TlsMaterial Tls(const std::string& site) const { return pki_.Kit(site).tls.Clone(); }
  std::shared_ptr<fl::SiteHandle> Site(const std::string& name) { return *server_->Site(name); }

  // Registers as "bad", lets the coordinator send a 10-byte task, answers it with
  // `reply(task)`, and returns (final stream status, the coordinator's call result).
  std::pair<grpc::Status, absl::Status> AnswerTask(
      const std::function<void(RawSiteClient&, const v1::Chunk&)>& reply) {
    RawSiteClient client(Tls("bad"), port());
    EXPECT_TRUE(client.Register("bad"));
    EXPECT_TRUE(WaitConnected("bad"));
    auto call = std::async(std::launch::async, [&] {
      fl::Task task;
      task.kind = fl::TaskKind::kTrain;
      task.round = 6;
      task.payload.assign(10, 1);
      return Site("bad")->Call(task, absl::Seconds(8)).status();
    });
    v1::Chunk chunk;
    EXPECT_TRUE(client.ReadTaskChunk(&chunk));
    reply(client, chunk);
    grpc::Status status = client.Finish();
    return {status, call.get()};
  }

  // Registered reaches the client just before the coordinator lists the site.
  bool WaitConnected(const std::string& site) {
    for (int i = 0; i < 500; ++i) {
      const auto sites = server_->ConnectedSites();
      if (std::find(sites.begin(), sites.end(), site) != sites.end()) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  bool Logged(std::string_view text) {
    absl::MutexLock lock(&mu_);
    for (const auto& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  TestPki pki_;
  absl::Mutex mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<CoordinatorServer> server_;  // destroyed first: it logs until then
};

TEST_F(NetMalformedStreamTest, ViolationsEndOnlyTheOffendingStream) {
  EchoHandler handler;
  AgentThread good(FastAgentOptions(pki_, "good", port()), &handler);
  ASSERT_THAT(server_->WaitForSites(1, absl::Seconds(10)), IsOk());
  // The good site is busy with calls, a 5 MB one among them, throughout.
  std::atomic<bool> stop{false};
  auto good_calls = std::async(std::launch::async, [&] {
    int ok = 0;
    for (int i = 0; !stop.load() || i < 5; ++i) {
      fl::Task task;
      task.round = static_cast<uint64_t>(i);
      task.payload = testing::PatternBytes(i == 2 ? (5 << 20) : 4096, static_cast<uint8_t>(i));
      auto result = Site("good")->Call(task, absl::Seconds(10));
      if (!result.ok() || result->payload != task.payload) return -1 - i;
      ++ok;
    }
    return ok;
  });

  {  // A heartbeat before the registration.
    RawSiteClient client(Tls("bad"), port());
    v1::SiteMessage message;
    message.mutable_heartbeat()->set_sequence(1);
    client.Send(message);
    EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
  {  // Registration under another site's name.
    RawSiteClient client(Tls("bad"), port());
    EXPECT_FALSE(client.Register("good"));
    grpc::Status status = client.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  }
  {  // Registration with a future protocol version.
    RawSiteClient client(Tls("bad"), port());
    v1::SiteMessage message;
    message.mutable_registration()->set_protocol_version(2);
    message.mutable_registration()->set_site_name("bad");
    client.Send(message);
    EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
  {  // A result for a task id never sent.
    RawSiteClient client(Tls("bad"), port());
    ASSERT_TRUE(client.Register("bad"));
    v1::Chunk none;
    none.set_task_id(999);
    client.Send(ResultChunk(none, 0, 4, 0, 4));
    grpc::Status status = client.Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("unknown task id 999"));
  }
  {  // A second registration, then a message of an unknown kind (unknown field only).
    RawSiteClient client(Tls("bad"), port());
    ASSERT_TRUE(client.Register("bad"));
    v1::SiteMessage message;
    message.mutable_registration()->set_protocol_version(1);
    client.Send(message);
    EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    RawSiteClient client(Tls("bad"), port());
    ASSERT_TRUE(client.Register("bad"));
    v1::SiteMessage message;
    message.GetReflection()->MutableUnknownFields(&message)->AddVarint(99, 7);
    client.Send(message);
    EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  {  // A message beyond gRPC's size limit on the coordinator.
    RawSiteClient client(Tls("bad"), port());
    ASSERT_TRUE(client.Register("bad"));
    v1::Chunk none;
    none.set_task_id(1);
    client.Send(ResultChunk(none, 0, 2 << 20, 0, 2 << 20));
    EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // Answers to a real task: wrong round, oversized chunk, out of order, duplicate.
  auto [wrong_round, wrong_round_call] = AnswerTask(
      [](RawSiteClient& c, const v1::Chunk& t) { c.Send(ResultChunk(t, t.round() + 1, 4, 0, 4)); });
  EXPECT_EQ(wrong_round.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(wrong_round.error_message(), HasSubstr("round 7"));
  EXPECT_THAT(wrong_round_call, StatusIs(absl::StatusCode::kUnavailable));

  auto [oversized, oversized_call] = AnswerTask([](RawSiteClient& c, const v1::Chunk& t) {
    c.Send(ResultChunk(t, t.round(), kChunk + 100, 0, kChunk + 100));
  });
  EXPECT_EQ(oversized.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(oversized_call, StatusIs(absl::StatusCode::kUnavailable));

  auto [too_large, too_large_call] = AnswerTask([](RawSiteClient& c, const v1::Chunk& t) {
    c.Send(ResultChunk(t, t.round(), uint64_t{1} << 40, 0, 16));  // over max_payload_bytes
  });
  EXPECT_EQ(too_large.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(too_large_call, StatusIs(absl::StatusCode::kUnavailable));

  auto [out_of_order, out_of_order_call] = AnswerTask([](RawSiteClient& c, const v1::Chunk& t) {
    c.Send(ResultChunk(t, t.round(), 12, 0, 4));
    c.Send(ResultChunk(t, t.round(), 12, 8, 4));
  });
  EXPECT_EQ(out_of_order.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(out_of_order.error_message(), HasSubstr("out of order"));
  EXPECT_THAT(out_of_order_call, StatusIs(absl::StatusCode::kUnavailable));

  auto [duplicate, duplicate_call] = AnswerTask([](RawSiteClient& c, const v1::Chunk& t) {
    c.Send(ResultChunk(t, t.round(), 4, 0, 4));
    c.Send(ResultChunk(t, t.round(), 4, 0, 4));
  });
  EXPECT_EQ(duplicate.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(duplicate.error_message(), HasSubstr("duplicate"));
  EXPECT_THAT(duplicate_call, IsOk());  // the first, complete answer counted

  auto [bad_code, bad_code_call] = AnswerTask([](RawSiteClient& c, const v1::Chunk& t) {
    v1::SiteMessage message;
    message.mutable_task_error()->set_task_id(t.task_id());
    message.mutable_task_error()->set_round(t.round());
    message.mutable_task_error()->set_code(0);  // "OK" is no error
    c.Send(message);
  });
  EXPECT_EQ(bad_code.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_code_call, StatusIs(absl::StatusCode::kUnavailable));

  stop = true;
  EXPECT_GE(good_calls.get(), 5) << "the good site's calls were harmed";
  EXPECT_EQ(good.agent().registrations(), 1);
  EXPECT_TRUE(Logged("unknown task id 999"));
}

TEST_F(NetMalformedStreamTest, SilentSiteIsDisconnectedAndItsCallFails) {
  RawSiteClient client(Tls("bad"), port());
  ASSERT_TRUE(client.Register("bad"));
  ASSERT_TRUE(WaitConnected("bad"));
  const absl::Time start = absl::Now();
  fl::Task task;
  task.payload = {1};
  // The raw client never answers nor sends heartbeats: after 1.5 s it is a dropout.
  auto result = Site("bad")->Call(task, absl::Seconds(8));
  const absl::Duration took = absl::Now() - start;
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_GE(took, absl::Milliseconds(1400));
  EXPECT_LT(took, absl::Seconds(4));
  EXPECT_TRUE(Logged("silent"));
}

TEST_F(NetMalformedStreamTest, SecondConnectionOfASiteReplacesTheFirst) {
  RawSiteClient first(Tls("bad"), port());
  ASSERT_TRUE(first.Register("bad"));
  ASSERT_TRUE(WaitConnected("bad"));
  RawSiteClient second(Tls("bad"), port());
  ASSERT_TRUE(second.Register("bad"));
  EXPECT_EQ(first.Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(server_->ConnectedSites(), std::vector<std::string>{"bad"});
  // Calls now go to the second stream.
  auto call = std::async(std::launch::async, [&] {
    fl::Task task;
    task.round = 2;
    task.payload = {3, 4};
    return Site("bad")->Call(task, absl::Seconds(5));
  });
  v1::Chunk chunk;
  ASSERT_TRUE(second.ReadTaskChunk(&chunk));
  EXPECT_EQ(chunk.data(), std::string("\x03\x04"));
  second.Send(ResultChunk(chunk, 2, 2, 0, 2));
  auto result = call.get();
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->payload, std::vector<uint8_t>({'r', 'r'}));
}

TEST_F(NetMalformedStreamTest, ForeignAndSelfSignedCertificatesFailTheHandshake) {
  TestPki foreign({"bad"});
  {  // A site certificate from another CA.
    RawSiteClient client(foreign.Kit("bad").tls, port());
    EXPECT_FALSE(client.Register("bad"));
    EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  {  // A self-signed certificate (the foreign CA's own), trusting our CA.
    TlsMaterial self_signed;
    self_signed.certificate_pem = foreign.Kit("bad").tls.ca_certificate_pem;
    std::ifstream key_file(foreign.dir() / "pki" / "ca" / "ca.key");
    const std::string key((std::istreambuf_iterator<char>(key_file)),
                          std::istreambuf_iterator<char>());
    self_signed.private_key_pem = SecretBytes(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
    self_signed.ca_certificate_pem = Tls("bad").ca_certificate_pem;
    RawSiteClient client(self_signed, port());
    EXPECT_FALSE(client.Register("bad"));
    EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  {  // A valid certificate of the federation whose site is not in the run.
    RawSiteClient client(Tls("other"), port());
    EXPECT_FALSE(client.Register("other"));
    EXPECT_EQ(client.Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  EXPECT_TRUE(server_->ConnectedSites().empty());
}

}  // namespace
}  // namespace fedcloak::net
