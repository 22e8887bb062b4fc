// In-process coordinator and agents over loopback with mutual TLS.
#include "fedcloak/net/coordinator_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "absl/synchronization/notification.h"
#include "fedcloak/base/bytes.h"
#include "fedcloak/base/status_matchers.h"
#include "fedcloak/net/site_agent.h"
#include "fedcloak/net/test_pki.h"
#include "fmt/format.h"

namespace fedcloak::net {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using testing::AgentThread;
using testing::EchoHandler;
using ::testing::ElementsAre;
using testing::FastAgentOptions;
using testing::FastCoordinatorOptions;
using ::testing::HasSubstr;
using testing::TestPki;

fl::Task MakeTask(fl::TaskKind kind, uint64_t round, std::vector<uint8_t> payload) {
  fl::Task task;
  task.kind = kind;
  task.round = round;
  task.payload = std::move(payload);
  return task;
}

// Blocks every task until released.
class BlockingHandler final : public fl::TaskHandler {
 public:
  absl::StatusOr<fl::TaskResult> Handle(const fl::Task& task) override {
    if (!started_.HasBeenNotified()) started_.Notify();
    release_.WaitForNotification();
    return fl::TaskResult{task.payload};
  }
  void WaitStarted() { started_.WaitForNotification(); }
  void Release() { release_.Notify(); }

 private:
  absl::Notification started_, release_;
};

class NetCoordinatorTest : public ::testing::Test {
 protected:
  NetCoordinatorTest() : pki_({"a", "b", "c", "x"}) {}

  std::unique_ptr<CoordinatorServer> StartServer(const std::string& address = "127.0.0.1:0") {
    auto server = CoordinatorServer::Start(FastCoordinatorOptions(pki_, {"a", "b", "c"}, address));
    EXPECT_THAT(server, IsOk());
    return server.ok() ? std::move(*server) : nullptr;
  }
  std::shared_ptr<fl::SiteHandle> Site(CoordinatorServer& server, const std::string& name) {
    auto site = server.Site(name);
    EXPECT_THAT(site, IsOk());
    return *site;
  }

  TestPki pki_;
};

TEST_F(NetCoordinatorTest, TasksRoundTripIncludingFiftyMegabytes) {
  auto server = StartServer();
  EchoHandler handler;
  AgentThread a(FastAgentOptions(pki_, "a", server->port()), &handler);
  AgentThread b(FastAgentOptions(pki_, "b", server->port()), &handler);
  AgentThread c(FastAgentOptions(pki_, "c", server->port()), &handler);
  ASSERT_THAT(server->WaitForSites(3, absl::Seconds(10)), IsOk());
  EXPECT_THAT(server->ConnectedSites(), ElementsAre("a", "b", "c"));

  // Sum of bytes 1..200 = 200 * 201 / 2 = 20100 (hand-computed).
  std::vector<uint8_t> numbers(200);
  for (size_t i = 0; i < numbers.size(); ++i) numbers[i] = static_cast<uint8_t>(i + 1);
  auto sum =
      Site(*server, "b")->Call(MakeTask(fl::TaskKind::kStatsSum, 1, numbers), absl::Seconds(5));
  ASSERT_THAT(sum, IsOk());
  uint64_t value = 0;
  ByteReader reader(sum->payload);
  ASSERT_THAT(reader.ReadU64("sum", &value), IsOk());
  EXPECT_EQ(value, 20100u);

  // An empty payload and a 50 MB one (200 chunks of 256 KiB each way), concurrently
  // with small calls to the other sites.
  auto empty = Site(*server, "c")->Call(MakeTask(fl::TaskKind::kEvaluate, 1, {}), absl::Seconds(5));
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->payload.empty());
  const std::vector<uint8_t> big = testing::PatternBytes(50 << 20, 9);
  auto big_call = std::async(std::launch::async, [&] {
    return Site(*server, "a")->Call(MakeTask(fl::TaskKind::kTrain, 2, big), absl::Seconds(40));
  });
  for (int i = 0; i < 10; ++i) {
    const std::vector<uint8_t> small =
        testing::PatternBytes(static_cast<size_t>(1000 + i), static_cast<uint8_t>(i));
    auto echoed = Site(*server, i % 2 ? "b" : "c")
                      ->Call(MakeTask(fl::TaskKind::kTrain, 2, small), absl::Seconds(10));
    ASSERT_THAT(echoed, IsOk());
    EXPECT_EQ(echoed->payload, small);
  }
  auto big_result = big_call.get();
  ASSERT_THAT(big_result, IsOk());
  EXPECT_TRUE(big_result->payload == big);
  EXPECT_GT(server->traffic().bytes_in, uint64_t{100} << 20 / 2);
  EXPECT_GT(server->traffic().bytes_out, uint64_t{50} << 20);

  // The site's own error comes back with its code.
  const std::vector<uint8_t> fail = {'f', 'a', 'i', 'l'};
  EXPECT_THAT(
      Site(*server, "a")->Call(MakeTask(fl::TaskKind::kEvaluate, 3, fail), absl::Seconds(5)),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("asked to fail")));
  EXPECT_THAT(server->Site("zz"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(server->SiteCertificatePem("a"), IsOk());
}

TEST_F(NetCoordinatorTest, CallToSiteThatDisconnectsFailsUnavailableFast) {
  auto server = StartServer();
  // Never connected: fails at once.
  EXPECT_THAT(Site(*server, "c")->Call(MakeTask(fl::TaskKind::kTrain, 1, {1}), absl::Seconds(5)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("not connected")));
  BlockingHandler handler;
  auto agent = std::make_unique<AgentThread>(FastAgentOptions(pki_, "a", server->port()), &handler);
  ASSERT_THAT(server->WaitForSites(1, absl::Seconds(10)), IsOk());
  auto call = std::async(std::launch::async, [&] {
    return Site(*server, "a")
        ->Call(MakeTask(fl::TaskKind::kTrain, 1, {1, 2, 3}), absl::Seconds(30));
  });
  handler.WaitStarted();
  const absl::Time stopped = absl::Now();
  agent->agent().Stop();  // cancels the stream; the handler is still busy
  auto result = call.get();
  const absl::Duration took = absl::Now() - stopped;
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(took, absl::Seconds(2)) << "took " << took;
  handler.Release();
  EXPECT_THAT(agent->StopAndJoin(), IsOk());
}

TEST_F(NetCoordinatorTest, DeadlineIsEnforcedAndLateAnswerIsDropped) {
  auto server = StartServer();
  BlockingHandler blocking;
  AgentThread a(FastAgentOptions(pki_, "a", server->port()), &blocking);
  ASSERT_THAT(server->WaitForSites(1, absl::Seconds(10)), IsOk());
  const absl::Time start = absl::Now();
  EXPECT_THAT(
      Site(*server, "a")->Call(MakeTask(fl::TaskKind::kTrain, 4, {9}), absl::Milliseconds(300)),
      StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("in time")));
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Milliseconds(1500));
  blocking.Release();  // the late answer arrives and is dropped
  // The stream survived: the next call (handler released, answers at once) works.
  auto next = Site(*server, "a")->Call(MakeTask(fl::TaskKind::kTrain, 5, {7}), absl::Seconds(5));
  ASSERT_THAT(next, IsOk());
  EXPECT_THAT(next->payload, ElementsAre(7));
  EXPECT_EQ(a.agent().registrations(), 1);
}

TEST_F(NetCoordinatorTest, AgentReconnectsAfterCoordinatorRestart) {
  auto server = StartServer();
  const int port = server->port();
  EchoHandler handler;
  AgentThread a(FastAgentOptions(pki_, "a", port), &handler);
  ASSERT_THAT(server->WaitForSites(1, absl::Seconds(10)), IsOk());
  ASSERT_THAT(Site(*server, "a")->Call(MakeTask(fl::TaskKind::kTrain, 1, {1}), absl::Seconds(5)),
              IsOk());
  auto handle = Site(*server, "a");
  server->Shutdown();
  server.reset();
  // The old handle outlives its server and fails cleanly.
  EXPECT_THAT(handle->Call(MakeTask(fl::TaskKind::kTrain, 1, {1}), absl::Seconds(1)),
              StatusIs(absl::StatusCode::kUnavailable));
  absl::SleepFor(absl::Milliseconds(300));  // the agent backs off meanwhile
  server = StartServer(fmt::format("127.0.0.1:{}", port));
  ASSERT_NE(server, nullptr);
  ASSERT_THAT(server->WaitForSites(1, absl::Seconds(10)), IsOk());
  auto echoed = Site(*server, "a")->Call(MakeTask(fl::TaskKind::kTrain, 2, {5}), absl::Seconds(5));
  ASSERT_THAT(echoed, IsOk());
  EXPECT_THAT(echoed->payload, ElementsAre(5));
  EXPECT_EQ(a.agent().registrations(), 2);
}

TEST_F(NetCoordinatorTest, SiteNotInTheRunIsRefusedAtRegistration) {
  std::vector<std::string> lines;
  absl::Mutex mu;
  CoordinatorOptions options = FastCoordinatorOptions(pki_, {"a", "b", "c"});
  options.logger = [&](LogLevel, std::string_view line) {
    absl::MutexLock lock(&mu);
    lines.emplace_back(line);
  };
  auto server = CoordinatorServer::Start(std::move(options));
  ASSERT_THAT(server, IsOk());
  EchoHandler handler;
  AgentThread x(FastAgentOptions(pki_, "x", (*server)->port()), &handler);
  auto exited = x.WaitForExit(absl::Seconds(10));
  ASSERT_THAT(exited, IsOk());
  EXPECT_THAT(*exited,
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not part of this run")));
  EXPECT_TRUE((*server)->ConnectedSites().empty());
  absl::MutexLock lock(&mu);
  EXPECT_THAT(lines, ::testing::Contains(HasSubstr("not part of this run")));
}

TEST_F(NetCoordinatorTest, SiteWithCertificateFromAnotherCaNeverConnects) {
  auto server = StartServer();
  TestPki other({"a"});
  EchoHandler handler;
  SiteAgentOptions mixed = FastAgentOptions(other, "a", server->port());
  mixed.kit.tls.ca_certificate_pem = pki_.Kit("a").tls.ca_certificate_pem;
  // The kit's CA must have issued the kit's certificate: a mixed kit is refused locally.
  EXPECT_THAT(SiteAgent::Create(std::move(mixed), &handler),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not issued by the CA")));
  // With its own CA the agent completes no handshake with our coordinator, whose
  // certificate it cannot verify, and which cannot verify its certificate.
  AgentThread impostor(FastAgentOptions(other, "a", server->port()), &handler);
  EXPECT_THAT(server->WaitForSites(1, absl::Milliseconds(1500)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_FALSE(impostor.agent().connected());
  EXPECT_EQ(impostor.agent().registrations(), 0);
}

TEST_F(NetCoordinatorTest, StartRejectsBadOptions) {
  CoordinatorOptions options = FastCoordinatorOptions(pki_, {"a", "Bad"});
  EXPECT_THAT(CoordinatorServer::Start(std::move(options)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = FastCoordinatorOptions(pki_, {"a"});
  options.heartbeat_timeout = options.heartbeat_interval;
  EXPECT_THAT(CoordinatorServer::Start(std::move(options)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = FastCoordinatorOptions(pki_, {"a"});
  options.tls.certificate_pem = pki_.Kit("a").tls.certificate_pem;  // not its key
  EXPECT_THAT(CoordinatorServer::Start(std::move(options)), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace fedcloak::net
