// Fuzz target for HttpServer's request path: HttpRequestReader, fed arbitrary bytes cut into
// arbitrary reads exactly as a connection feeds it (Put for what is buffered, BodyWindow for a
// declared-length body), request after request as on a keep-alive connection.
//
// Byte 0 picks the read size (0: everything at once), byte 1 the limits and the budget; the
// rest is the connection's bytes. Properties, besides not crashing:
//   - a request handed out has a body within max_body_bytes, exactly its Content-Length when
//     it declared one, and no framing a proxy could read differently (Transfer-Encoding only
//     as a lone "chunked", never with Content-Length);
//   - the charge covers the body and never exceeds max_body_bytes nor the budget's limit;
//   - a refusal is one of the answers HttpServer documents;
//   - every charge is released by Reset and by destruction.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "pipeline/memory_budget.h"
#include "pipeline/net/http_request_reader.h"

namespace {

namespace http = boost::beast::http;
using weir::net::HttpReadLimits;
using weir::net::HttpRequestReader;
using State = HttpRequestReader::State;

void Check(bool condition) {
  if (!condition) std::abort();
}

bool DocumentedRefusal(http::status status) {
  switch (status) {
    case http::status::bad_request:
    case http::status::payload_too_large:
    case http::status::request_header_fields_too_large:
    case http::status::too_many_requests:
    case http::status::not_implemented:
    case http::status::http_version_not_supported:
      return true;
    default:
      return false;
  }
}

void CheckRequest(const weir::net::HttpRequest& request, const HttpReadLimits& limits,
                  const HttpRequestReader& reader) {
  Check(request.body().size() <= limits.max_body_bytes);
  bool has_te = request.count(http::field::transfer_encoding) > 0;
  bool has_cl = request.count(http::field::content_length) > 0;
  Check(!(has_te && has_cl));
  if (has_te) {
    Check(request.count(http::field::transfer_encoding) == 1);
    auto te = request[http::field::transfer_encoding];
    Check(absl::EqualsIgnoreCase(
        absl::StripAsciiWhitespace(absl::string_view(te.data(), te.size())), "chunked"));
  }
  if (has_cl) {
    auto cl = request[http::field::content_length];
    absl::string_view value(cl.data(), cl.size());
    uint64_t declared = 0;
    // Beast accepts a list of equal values ("5, 5"); the first decides.
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(value.substr(0, value.find(','))), &declared)) {
      Check(request.body().size() == declared);
    }
  }
  if (limits.budget != nullptr) Check(reader.charged_bytes() >= request.body().size());
  Check(reader.charged_bytes() <= limits.max_body_bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t piece = data[0] % 64;
  uint8_t knobs = data[1];
  const char* input = reinterpret_cast<const char*>(data + 2);
  size_t left = size - 2;

  size_t limit =
      (knobs & 0x0f) == 0 ? weir::pipeline::MemoryBudget::kUnlimited : size_t{knobs & 0x0fu} * 1024;
  weir::pipeline::MemoryBudget budget(limit);
  HttpReadLimits limits;
  limits.max_header_bytes = (knobs & 0x10) ? 200 : 8192;
  limits.max_body_bytes = (knobs & 0x20) ? 100 : 1 << 20;
  limits.budget = (knobs & 0x40) ? nullptr : &budget;
  auto next = [&](size_t at_most) {
    size_t n = std::min({left, at_most, piece == 0 ? left : piece});
    const char* start = input;
    input += n;
    left -= n;
    return std::string(start, n);
  };

  {
    HttpRequestReader reader(limits);
    std::string buffered;
    while (true) {
      if (reader.state() == State::kBody && !reader.chunked() && reader.body_size() > 0 &&
          buffered.empty()) {
        boost::asio::mutable_buffer window = reader.BodyWindow();
        if (reader.state() == State::kFailed) {
          Check(reader.refusal().status == http::status::too_many_requests);
          break;
        }
        Check(window.size() > 0);
        std::string bytes = next(window.size());
        if (bytes.empty()) break;
        std::memcpy(window.data(), bytes.data(), bytes.size());
        reader.CommitBody(bytes.size());
        continue;
      }
      size_t used = reader.Put(boost::asio::buffer(buffered));
      Check(used <= buffered.size());
      buffered.erase(0, used);
      if (limits.budget != nullptr) Check(budget.used() <= budget.limit());
      if (reader.state() == State::kFailed) {
        Check(DocumentedRefusal(reader.refusal().status));
        break;
      }
      if (reader.state() == State::kComplete) {
        weir::net::HttpRequest request = reader.TakeRequest();
        CheckRequest(request, limits, reader);
        reader.Reset();
        Check(budget.used() == 0);
        continue;
      }
      std::string bytes = next(SIZE_MAX);
      if (bytes.empty()) break;
      buffered += bytes;
    }
  }
  Check(budget.used() == 0);
  return 0;
}
