#include <grpcpp/grpcpp.h>
#include <openssl/crypto.h>
#include <sodium.h>

#include <cstdio>
#include <string>

#include "fedcloak/cli/commands.h"
#include "fedcloak/ml/torch_runtime.h"
#include "fedcloak/version.h"

namespace fedcloak::cli {

void AddVersionCommand(CLI::App& app, CommandRegistry& registry) {
  CLI::App* cmd = app.add_subcommand(
      "version", "Print fedcloak's version and the versions of the libraries it runs with");
  registry.Register(cmd, [] {
    std::printf("fedcloak  %s\n", std::string(kVersionString).c_str());
    std::printf("libtorch  %s\n", ml::TorchVersion().c_str());
    std::printf("gRPC      %s\n", grpc::Version().c_str());
    std::printf("OpenSSL   %s\n", OpenSSL_version(OPENSSL_VERSION));
    std::printf("libsodium %s\n", sodium_version_string());
    return kExitOk;
  });
}

}  // namespace fedcloak::cli
