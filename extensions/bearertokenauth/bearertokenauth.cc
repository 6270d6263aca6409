#include "extensions/bearertokenauth/bearertokenauth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "config/blocks.h"
#include "pipeline/telemetry/logger.h"

namespace weir::extensions::bearertokenauth {
namespace {

constexpr char kComponent[] = "extension/bearertokenauth";

std::shared_ptr<const std::vector<std::string>> Values(const std::string& scheme,
                                                       const std::vector<std::string>& tokens) {
  auto values = std::make_shared<std::vector<std::string>>();
  for (const std::string& t : tokens) {
    values->push_back(scheme.empty() ? t : absl::StrCat(scheme, " ", t));
  }
  return values;
}

bool IsHeaderText(absl::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

BearerTokenAuth::BearerTokenAuth(const pipeline::Settings& settings, const Config& config)
    : id_(settings.id.ToString()),
      config_(config),
      lower_header_(absl::AsciiStrToLower(config.header)) {
  std::vector<std::string> tokens = config.tokens;
  if (!config.token.empty()) tokens.insert(tokens.begin(), config.token);
  expected_ = Values(config.scheme, tokens);
}

BearerTokenAuth::~BearerTokenAuth() { Shutdown(absl::Now()); }

absl::Status BearerTokenAuth::Start(pipeline::Host& host) {
  if (config_.filename.empty()) return absl::OkStatus();
  if (!config_.token.empty() || !config_.tokens.empty()) {
    log::Warn(kComponent, "%s: filename is set; the configured token(s) are ignored", id_);
  }
  if (absl::Status s = Load(); !s.ok()) return s;
  watch_ = std::make_unique<FileWatch>(config_.filename, [this] {
    absl::Status s = Load();
    std::unique_lock<std::mutex> lock(mu_);
    // Log each new problem once, not at every event of the directory.
    if (!s.ok() && s.message() != last_file_error_) {
      log::Warn(kComponent, "%s: keeping the current token(s): %s", id_, s.message());
    }
    last_file_error_ = s.ok() ? "" : std::string(s.message());
  });
  if (absl::Status s = watch_->Start(); !s.ok()) {
    watch_.reset();
    return absl::FailedPreconditionError(
        absl::StrCat("cannot watch \"", config_.filename, "\" for changes: ", s.message()));
  }
  log::Info(kComponent, "%s: token(s) from %s, reloaded when it changes", id_, config_.filename);
  return absl::OkStatus();
}

void BearerTokenAuth::Shutdown(absl::Time deadline) {
  if (watch_) watch_->Stop();
}

absl::Status BearerTokenAuth::Load() {
  std::string contents;
  if (!config::ReadWholeFile(config_.filename, &contents)) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read \"", config_.filename, "\""));
  }
  std::vector<std::string> tokens = ParseTokenFile(contents);
  if (tokens.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("\"", config_.filename, "\" holds no token"));
  }
  for (const std::string& t : tokens) {
    if (!IsHeaderText(t)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "\"", config_.filename, "\" holds a token with characters a header cannot carry"));
    }
  }
  auto values = Values(config_.scheme, tokens);
  std::unique_lock<std::mutex> lock(mu_);
  bool changed = generation_ == 0 || *expected_ != *values;
  expected_ = std::move(values);
  if (!changed) return absl::OkStatus();
  ++generation_;
  loaded_.notify_all();
  if (generation_ > 1)
    log::Info(kComponent, "%s: token(s) reloaded from %s", id_, config_.filename);
  return absl::OkStatus();
}

std::shared_ptr<const std::vector<std::string>> BearerTokenAuth::Expected() const {
  std::unique_lock<std::mutex> lock(mu_);
  return expected_;
}

absl::Status BearerTokenAuth::Authenticate(pipeline::HeaderLookup header) const {
  std::optional<absl::string_view> presented = header(lower_header_);
  if (!presented || presented->empty()) {
    return absl::UnauthenticatedError(absl::StrCat("missing ", config_.header, " header"));
  }
  std::shared_ptr<const std::vector<std::string>> expected = Expected();
  bool match = false;
  // No early exit: the time taken does not tell which token came close.
  for (const std::string& value : *expected) {
    match |= pipeline::ConstantTimeEquals(*presented, value);
  }
  if (!match) return absl::UnauthenticatedError("scheme or token does not match");
  return absl::OkStatus();
}

std::string BearerTokenAuth::Challenge() const {
  return absl::StrCat(config_.scheme.empty() ? "Bearer" : config_.scheme, " realm=\"weir\"");
}

std::pair<std::string, std::string> BearerTokenAuth::RequestHeader() const {
  std::shared_ptr<const std::vector<std::string>> expected = Expected();
  return {config_.header, expected->empty() ? std::string() : expected->front()};
}

uint64_t BearerTokenAuth::generation() const {
  std::unique_lock<std::mutex> lock(mu_);
  return generation_;
}

bool BearerTokenAuth::WaitForGeneration(uint64_t n, absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return loaded_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                          [this, n] { return generation_ >= n; });
}

}  // namespace weir::extensions::bearertokenauth
