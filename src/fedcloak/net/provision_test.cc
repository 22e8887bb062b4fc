#include "fedcloak/net/provision.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "fedcloak/base/status_matchers.h"
#include "fedcloak/net/openssl_util.h"
#include "fedcloak/net/site_name.h"
#include "fedcloak/net/test_pki.h"
#include "fedcloak/net/tls_material.h"
#include "fmt/format.h"

namespace fedcloak::net {
namespace {

using ::fedcloak::testing::IsOk;
using ::fedcloak::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

namespace fs = std::filesystem;

unsigned Mode(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The `openssl` command line tool is an independent verifier of what we wrote.
int OpenSslVerify(const fs::path& ca, const fs::path& cert, const char* purpose) {
  const std::string command =
      fmt::format("openssl verify -CAfile '{}' -purpose {} '{}' >/dev/null 2>&1", ca.string(),
                  purpose, cert.string());
  return std::system(command.c_str());
}

ProvisionOptions Options(const fs::path& out) {
  ProvisionOptions options;
  options.output_dir = out;
  options.sites = {"alpha", "beta-2"};
  options.coordinator_hosts = {"coord.example.org", "10.1.2.3"};
  options.coordinator_port = 9443;
  return options;
}

TEST(NetProvisionTest, WritesKitsWithPrivateKeysAtMode0600) {
  testing::TempDir temp;
  const fs::path out = temp.path() / "fed";
  auto result = Provision(Options(out));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(Mode(out / "ca" / "ca.key"), 0600u);
  EXPECT_EQ(Mode(out / "coordinator" / "coordinator.key"), 0600u);
  EXPECT_EQ(Mode(out / "ca" / "ca.pem"), 0644u);
  EXPECT_EQ(Mode(out / "sites" / "alpha"), 0700u);
  for (const std::string site : {"alpha", "beta-2"}) {
    const fs::path kit = out / "sites" / site;
    EXPECT_EQ(result->kits.at(site), kit);
    EXPECT_EQ(Mode(kit / "site.key"), 0600u);
    EXPECT_EQ(Mode(kit / "site.pem"), 0644u);
    EXPECT_EQ(ReadFile(kit / "ca.pem"), ReadFile(out / "ca" / "ca.pem"));
    EXPECT_THAT(ReadFile(kit / "kit.toml"),
                HasSubstr("coordinator_address = \"coord.example.org:9443\""));
    auto loaded = LoadSiteKit(kit);
    ASSERT_THAT(loaded, IsOk());
    EXPECT_EQ(loaded->site_name, site);
    EXPECT_EQ(loaded->coordinator_address, "coord.example.org:9443");
    EXPECT_EQ(OpenSslVerify(out / "ca" / "ca.pem", kit / "site.pem", "sslclient"), 0);
    // A site certificate must not pass as a server certificate.
    EXPECT_NE(OpenSslVerify(out / "ca" / "ca.pem", kit / "site.pem", "sslserver"), 0);
  }
  EXPECT_EQ(
      OpenSslVerify(out / "ca" / "ca.pem", out / "coordinator" / "coordinator.pem", "sslserver"),
      0);
}

TEST(NetProvisionTest, CertificatesCarryTheConfiguredNames) {
  testing::TempDir temp;
  auto result = Provision(Options(temp.path()));
  ASSERT_THAT(result, IsOk());
  auto coordinator =
      internal::ParseCertificatePem(ReadFile(result->coordinator_dir / "coordinator.pem"));
  ASSERT_THAT(coordinator, IsOk());
  EXPECT_THAT(internal::DnsNames(coordinator->get()), UnorderedElementsAre("coord.example.org"));
  EXPECT_THAT(internal::IpAddresses(coordinator->get()),
              UnorderedElementsAre("10.1.2.3", "127.0.0.1"));
  auto site = internal::ParseCertificatePem(ReadFile(result->kits.at("beta-2") / "site.pem"));
  ASSERT_THAT(site, IsOk());
  EXPECT_THAT(internal::CommonName(site->get()), ::fedcloak::testing::IsOkAndHolds("beta-2"));
  EXPECT_THAT(internal::DnsNames(site->get()), UnorderedElementsAre("beta-2"));
  EXPECT_THAT(internal::SiteNameOf(site->get()), ::fedcloak::testing::IsOkAndHolds("beta-2"));
  EXPECT_THAT(internal::VerifyClientCertificate(site->get(), ReadFile(result->ca_certificate)),
              IsOk());
}

TEST(NetProvisionTest, RefusesToOverwriteAnExistingFederation) {
  testing::TempDir temp;
  ASSERT_THAT(Provision(Options(temp.path())), IsOk());
  const std::string ca_key = ReadFile(temp.path() / "ca" / "ca.key");
  const std::string site_key = ReadFile(temp.path() / "sites" / "alpha" / "site.key");
  EXPECT_THAT(Provision(Options(temp.path())),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("refusing to overwrite")));
  // Adding a new site to the same directory is refused as well: the CA key exists.
  ProvisionOptions more = Options(temp.path());
  more.sites = {"gamma"};
  EXPECT_THAT(Provision(more), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ReadFile(temp.path() / "ca" / "ca.key"), ca_key);
  EXPECT_EQ(ReadFile(temp.path() / "sites" / "alpha" / "site.key"), site_key);
  EXPECT_FALSE(fs::exists(temp.path() / "sites" / "gamma"));
}

TEST(NetProvisionTest, Ed25519KeysWork) {
  testing::TempDir temp;
  ProvisionOptions options = Options(temp.path());
  options.key_type = KeyType::kEd25519;
  auto result = Provision(options);
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(ReadFile(result->kits.at("alpha") / "site.key"), HasSubstr("BEGIN PRIVATE KEY"));
  EXPECT_THAT(LoadSiteKit(result->kits.at("alpha")), IsOk());
  EXPECT_EQ(
      OpenSslVerify(result->ca_certificate, result->kits.at("alpha") / "site.pem", "sslclient"), 0);
}

TEST(NetProvisionTest, RejectsBadOptions) {
  testing::TempDir temp;
  for (const std::vector<std::string>& sites : std::vector<std::vector<std::string>>{
           {}, {"Alpha"}, {"-a"}, {"a_b"}, {""}, {std::string(64, 'a')}, {"a", "a"}}) {
    ProvisionOptions options = Options(temp.path());
    options.sites = sites;
    EXPECT_THAT(Provision(options), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  ProvisionOptions options = Options(temp.path());
  options.coordinator_hosts = {"bad host"};
  EXPECT_THAT(Provision(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'bad host'")));
  options.coordinator_hosts = {};
  EXPECT_THAT(Provision(options), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(fs::is_empty(temp.path()));
}

TEST(NetProvisionTest, SiteNameRules) {
  EXPECT_THAT(ValidateSiteName("a"), IsOk());
  EXPECT_THAT(ValidateSiteName("0-lab-7"), IsOk());
  EXPECT_THAT(ValidateSiteName(std::string(63, 'z')), IsOk());
  EXPECT_THAT(ValidateSiteName(std::string(64, 'z')), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateSiteName("lab.one"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("position 3")));
  EXPECT_THAT(ValidateSiteName("-x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(NetProvisionTest, LoadSiteKitRejectsMismatchedAndMalformedKits) {
  testing::TempDir temp;
  auto result = Provision(Options(temp.path()));
  ASSERT_THAT(result, IsOk());
  const fs::path alpha = result->kits.at("alpha");
  const fs::path beta = result->kits.at("beta-2");
  // Point alpha's kit at beta's key: the key does not match the certificate.
  {
    std::ofstream out(alpha / "kit.toml", std::ios::app);
    out << "";
  }
  fs::path toml = alpha / "kit.toml";
  std::string text = ReadFile(toml);
  fs::remove(toml);
  std::string swapped = text;
  swapped.replace(swapped.find("\"site.key\""), 10, "\"../beta-2/site.key\"");
  std::ofstream(toml) << swapped;
  EXPECT_THAT(LoadSiteKit(alpha),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not match")));
  fs::remove(toml);
  std::ofstream(toml) << text << "colour = \"blue\"\n";
  EXPECT_THAT(LoadSiteKit(alpha),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(":8: unknown key 'colour'")));
  fs::remove(toml);
  std::string renamed = text;
  renamed.replace(renamed.find("\"alpha\""), 7, "\"beta-2\"");
  std::ofstream(toml) << renamed;
  EXPECT_THAT(LoadSiteKit(alpha), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("differs from the certificate")));
  EXPECT_THAT(LoadSiteKit(temp.path() / "nope"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(LoadSiteKit(beta), IsOk());
}

}  // namespace
}  // namespace fedcloak::net
