#include "pipeline/net/http_request_reader.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/beast/core/string.hpp"
#include "boost/beast/http/error.hpp"

namespace weir::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

size_t FieldCount(const http::fields& fields) {
  return static_cast<size_t>(std::distance(fields.begin(), fields.end()));
}

}  // namespace

HttpRequestReader::HttpRequestReader(const HttpReadLimits& limits) : limits_(limits) {
  on_chunk_header_ = [this](uint64_t size, beast::string_view, beast::error_code& ec) {
    OnChunkHeader(size, ec);
  };
  on_chunk_body_ = [this](uint64_t, beast::string_view data, beast::error_code&) {
    body_.append(data.data(), data.size());  // room was reserved by the chunk header
    return data.size();
  };
  Reset();
}

void HttpRequestReader::Reset() {
  parser_.emplace();
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(limits_.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(limits_.max_body_bytes);
  parser_->on_chunk_header(on_chunk_header_);
  parser_->on_chunk_body(on_chunk_body_);
  state_ = State::kHeader;
  started_ = false;
  expects_continue_ = false;
  chunked_ = false;
  over_budget_ = false;
  content_length_ = 0;
  header_bytes_ = 0;
  header_fields_ = 0;
  chunk_wait_ = 0;
  body_ = std::string();  // frees the buffer along with its charge
  reserved_ = 0;
  window_start_ = 0;
  charge_ = pipeline::MemoryCharge();
  refusal_ = {};
}

void HttpRequestReader::Fail(http::status status, std::string message, bool retry_after) {
  state_ = State::kFailed;
  refusal_.status = status;
  refusal_.message = std::move(message);
  refusal_.retry_after = retry_after;
}

size_t HttpRequestReader::Put(boost::asio::const_buffer data) {
  const char* p = static_cast<const char*>(data.data());
  size_t n = data.size();
  if (n == 0 || state_ == State::kComplete || state_ == State::kFailed) return 0;
  started_ = true;
  size_t used = 0;
  if (state_ == State::kHeader) {
    beast::error_code ec;
    used = parser_->put(boost::asio::buffer(p, n), ec);
    header_bytes_ += used;
    if (ec == http::error::need_more) {
      // Beast bounds the request line and the field block separately; bound their sum too.
      if (header_bytes_ + (n - used) >= limits_.max_header_bytes) {
        Fail(http::status::request_header_fields_too_large, "request header too large");
      }
      return used;
    }
    if (ec == http::error::header_limit) {
      Fail(http::status::request_header_fields_too_large, "request header too large");
      return used;
    }
    if (ec == http::error::bad_version) {  // Beast parses HTTP/1.0 and HTTP/1.1 only
      Fail(http::status::http_version_not_supported, "only HTTP/1.0 and HTTP/1.1");
      return used;
    }
    if (ec == http::error::body_limit) {  // a declared length over max_body_bytes
      Fail(http::status::payload_too_large, "request body too large");
      return used;
    }
    if (ec) {
      Fail(http::status::bad_request, absl::StrCat("malformed HTTP request: ", ec.message()));
      return used;
    }
    if (!parser_->is_header_done()) return used;
    OnHeaderDone();
    if (state_ != State::kBody) return used;
  }
  if (state_ == State::kBody) used += PutBody(p + used, n - used);
  return used;
}

void HttpRequestReader::OnHeaderDone() {
  const auto& request = parser_->get();
  header_fields_ = FieldCount(request.base());
  unsigned version = request.version();
  if (version != 10 && version != 11) {
    return Fail(http::status::http_version_not_supported, "only HTTP/1.0 and HTTP/1.1");
  }
  // RFC 9112 §6.1-6.3: anything but a lone, final `chunked` coding leaves the body's length
  // unknown to us, and a message with both framings is how requests are smuggled.
  bool has_te = request.count(http::field::transfer_encoding) > 0;
  bool has_cl = request.count(http::field::content_length) > 0;
  if (has_te) {
    if (has_cl) return Fail(http::status::bad_request, "both Content-Length and Transfer-Encoding");
    if (version == 10) return Fail(http::status::bad_request, "Transfer-Encoding in HTTP/1.0");
    absl::string_view te(request[http::field::transfer_encoding].data(),
                         request[http::field::transfer_encoding].size());
    if (request.count(http::field::transfer_encoding) != 1 ||
        !absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(te), "chunked") || !parser_->chunked()) {
      return Fail(http::status::not_implemented,
                  "Transfer-Encoding other than \"chunked\" is not supported");
    }
    chunked_ = true;
  } else {
    content_length_ = parser_->content_length().value_or(0);
    if (content_length_ > limits_.max_body_bytes) {
      return Fail(http::status::payload_too_large, "request body too large");
    }
    if (content_length_ > 0 && limits_.budget != nullptr &&
        !limits_.budget->HasRoom(content_length_)) {
      return Fail(http::status::too_many_requests, "memory limit reached; retry later", true);
    }
  }
  expects_continue_ = version == 11 && beast::iequals(request[http::field::expect], "100-continue");
  parser_->eager(true);
  state_ = chunked_ || content_length_ > 0 ? State::kBody : State::kComplete;
}

size_t HttpRequestReader::PutBody(const char* p, size_t n) {
  if (n == 0) return 0;
  if (!chunked_) {
    size_t take = std::min<uint64_t>(n, content_length_ - body_.size());
    if (!Reserve(body_.size() + take, content_length_)) {
      Fail(http::status::too_many_requests, "memory limit reached; retry later", true);
      return 0;
    }
    body_.append(p, take);
    if (body_.size() == content_length_) state_ = State::kComplete;
    return take;
  }
  size_t used = 0;
  while (used < n) {
    // Boost 1.74 asserts that a final chunk it asked more bytes for is presented again with at
    // least 5 bytes, though "0\r\n" plus one byte is legal (boostorg/beast#2861). What is left
    // of a chunked body after any incomplete line is at least "0\r\n\r\n", so waiting for 5
    // bytes never stalls a valid request.
    if (n - used < chunk_wait_) return used;
    beast::error_code ec;
    size_t k = parser_->put(boost::asio::buffer(p + used, n - used), ec);
    chunk_wait_ = 0;
    used += k;
    if (over_budget_) {
      Fail(http::status::too_many_requests, "memory limit reached; retry later", true);
      return used;
    }
    if (ec == http::error::need_more) {
      // Beast looks for the end of a chunk line or of the trailer without a bound.
      if (n - used > limits_.max_header_bytes) {
        Fail(http::status::bad_request, "chunk header or trailer too long");
      }
      chunk_wait_ = std::max<size_t>(5, n - used + 1);
      return used;
    }
    if (ec == http::error::body_limit) {
      Fail(http::status::payload_too_large, "request body too large");
      return used;
    }
    if (ec) {
      Fail(http::status::bad_request, absl::StrCat("malformed chunked body: ", ec.message()));
      return used;
    }
    if (parser_->is_done()) {
      // Beast merges trailer fields into the header; none may change what the header said.
      if (FieldCount(parser_->get().base()) != header_fields_) {
        Fail(http::status::bad_request, "trailer fields are not accepted");
      } else {
        state_ = State::kComplete;
      }
      return used;
    }
    if (k == 0) return used;
  }
  return used;
}

void HttpRequestReader::OnChunkHeader(uint64_t size, beast::error_code& ec) {
  // Beast has already held the chunk to what is left of body_limit.
  if (!Reserve(body_.size() + size, limits_.max_body_bytes)) {
    over_budget_ = true;
    ec = boost::system::errc::make_error_code(boost::system::errc::not_enough_memory);
  }
}

bool HttpRequestReader::Reserve(size_t needed, size_t cap) {
  if (needed <= reserved_) return true;
  size_t target = std::max(needed, std::min(reserved_ * 2, cap));
  if (limits_.budget != nullptr) {
    size_t more = target - reserved_;
    if (reserved_ == 0) {
      std::optional<pipeline::MemoryCharge> charge = limits_.budget->TryCharge(more);
      if (!charge) return false;
      charge_ = std::move(*charge);
    } else if (!charge_.TryGrow(more)) {
      return false;
    }
  }
  // A fresh string reserves exactly `target`; growing body_ in place may round up.
  std::string bigger;
  bigger.reserve(target);
  bigger.append(body_);
  body_.swap(bigger);
  reserved_ = target;
  return true;
}

boost::asio::mutable_buffer HttpRequestReader::BodyWindow() {
  size_t filled = body_.size();
  size_t want = std::min<uint64_t>(content_length_ - filled, std::max(kMinBodyStep, filled));
  if (!Reserve(filled + want, content_length_)) {
    Fail(http::status::too_many_requests, "memory limit reached; retry later", true);
    return {};
  }
  body_.resize(filled + want);
  window_start_ = filled;
  return boost::asio::buffer(body_.data() + filled, want);
}

void HttpRequestReader::CommitBody(size_t n) {
  body_.resize(std::min(body_.size(), window_start_ + n));
  if (body_.size() == content_length_) state_ = State::kComplete;
}

HttpRequest HttpRequestReader::TakeRequest() {
  auto message = parser_->release();
  HttpRequest request(std::move(message.base()));
  request.body() = std::move(body_);
  body_ = std::string();
  return request;
}

}  // namespace weir::net
