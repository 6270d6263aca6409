// WeirProcess: runs the real weir binary for integration tests, with its stderr captured to a
// file, and finds the addresses it bound from its start-up log.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace weir::testing {

// Path of the weir binary in the build tree.
std::string WeirBinary();

// A fresh directory under the test temp dir.
std::string MakeTempDir(const std::string& name);

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs weir with `args` to completion (for validate, components, --version).
RunResult RunWeir(const std::vector<std::string>& args);

class WeirProcess {
 public:
  // Writes `config_yaml` into `dir` and starts weir on it. Waits until the log says everything
  // is ready (or the process exits). Returns nullptr (with the log in *error) on failure.
  static std::unique_ptr<WeirProcess> Start(const std::string& dir, const std::string& config_yaml,
                                            std::string* error);
  ~WeirProcess();

  pid_t pid() const { return pid_; }
  std::string Log() const;
  std::string Stdout() const;
  bool WaitForLog(const std::string& needle, std::chrono::milliseconds timeout) const;

  // Addresses parsed from the start-up log ("" when not found).
  std::string GrpcAddress() const { return AddressAfter("OTLP/gRPC listening on "); }
  std::string HttpAddress() const { return AddressAfter("OTLP/HTTP listening on "); }
  std::string MetricsAddress() const { return AddressAfter("metrics listening on "); }
  std::string AddressAfter(const std::string& marker) const;

  // Sends `signal` and waits for exit; returns the exit code (or -signal if killed, -1 on
  // timeout, after which the process is killed).
  int Stop(int signal, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::string out_path_;
  bool exited_ = false;
};

}  // namespace weir::testing
