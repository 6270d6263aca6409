#include "tests/testing/weir_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace weir::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path) {
  std::vector<char*> argv;
  std::string binary = WeirBinary();
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int WaitExit(pid_t pid, std::chrono::milliseconds timeout, bool* exited) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      *exited = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return -WTERMSIG(status);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return -1;
}

}  // namespace

std::string WeirBinary() { return WEIR_BINARY_DIR "/cmd/weir/weir"; }

std::string MakeTempDir(const std::string& name) {
  static std::atomic<int> counter{0};
  std::string dir =
      absl::StrCat(::testing::TempDir(), "weir-", getpid(), "-", name, "-", counter.fetch_add(1));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

RunResult RunWeir(const std::vector<std::string>& args) {
  std::string dir = MakeTempDir("run");
  std::string out = dir + "/stdout", err = dir + "/stderr";
  pid_t pid = Spawn(args, out, err);
  bool exited = false;
  RunResult result;
  result.exit_code = WaitExit(pid, std::chrono::seconds(30), &exited);
  if (!exited) kill(pid, SIGKILL), waitpid(pid, nullptr, 0);
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

std::unique_ptr<WeirProcess> WeirProcess::Start(const std::string& dir,
                                                const std::string& config_yaml,
                                                std::string* error) {
  auto p = std::unique_ptr<WeirProcess>(new WeirProcess());
  std::string config_path = dir + "/weir.yaml";
  std::ofstream(config_path) << config_yaml;
  p->log_path_ = dir + "/weir.stderr";
  p->out_path_ = dir + "/weir.stdout";
  p->pid_ = Spawn({"--config", config_path}, p->out_path_, p->log_path_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (p->Log().find("everything is ready") != std::string::npos) return p;
    int status = 0;
    if (waitpid(p->pid_, &status, WNOHANG) == p->pid_) {
      p->exited_ = true;
      *error = absl::StrCat("weir exited during start-up:\n", p->Log());
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  *error = absl::StrCat("weir did not become ready:\n", p->Log());
  return nullptr;
}

WeirProcess::~WeirProcess() {
  if (!exited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string WeirProcess::Log() const { return ReadFile(log_path_); }
std::string WeirProcess::Stdout() const { return ReadFile(out_path_); }

bool WeirProcess::WaitForLog(const std::string& needle, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

std::string WeirProcess::AddressAfter(const std::string& marker) const {
  std::string log = Log();
  size_t at = log.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  size_t end = log.find_first_of(" \n", at);
  return log.substr(at, end - at);
}

int WeirProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (exited_) return -1;
  kill(pid_, signal);
  int code = WaitExit(pid_, timeout, &exited_);
  if (!exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    exited_ = true;
  }
  return code;
}

}  // namespace weir::testing
