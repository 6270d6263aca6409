// HttpRequestReader: the I/O-free half of HttpServer's request path. It is fed the bytes a
// connection received and turns them into one request at a time, or into the error answer the
// request deserves, applying every limit that does not involve time:
//
//   - the request line and header fields together at most `max_header_bytes` (else 431);
//   - HTTP/1.0 or HTTP/1.1 only (else 505);
//   - framing per RFC 9112 §6: Transfer-Encoding must be exactly `chunked` (else 501), never
//     together with Content-Length and never in an HTTP/1.0 request (else 400), and a
//     Content-Length must be one valid number (else 400);
//   - a body of at most `max_body_bytes`, declared or chunked (else 413);
//   - the body is charged to `budget` while it is read, and the buffer grows with the bytes
//     that arrived (never to the declared length up front). A declared length that does not
//     fit the budget, or a chunk that does not, is refused with 429 before its bytes are read.
//
// Usage: Put() what is buffered (it returns how much it consumed; keep the rest, it holds the
// start of the next request or an incomplete header); when state() is kBody and the body has
// a declared length, read straight into BodyWindow() and CommitBody() what arrived. When
// state() is kComplete, TakeRequest() and, once the handler returned, Reset() for the next
// request (which releases the charge). After kFailed, answer refusal() and close: the
// connection's framing can no longer be trusted.
//
// Threading: none; one reader per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "boost/asio/buffer.hpp"
#include "boost/beast/http/empty_body.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/status.hpp"
#include "pipeline/memory_budget.h"
#include "pipeline/net/http_server.h"

namespace weir::net {

struct HttpReadLimits {
  size_t max_header_bytes = 32 << 10;
  size_t max_body_bytes = 20 << 20;
  pipeline::MemoryBudget* budget = nullptr;  // nullable: no accounting
};

// The answer to a request that cannot be served; the connection closes after it.
struct HttpRefusal {
  boost::beast::http::status status = boost::beast::http::status::bad_request;
  std::string message;
  bool retry_after = false;  // 429: ask the client to retry in a second
};

class HttpRequestReader {
 public:
  enum class State {
    kHeader,    // waiting for the rest of the request line and header fields
    kBody,      // header accepted, body incomplete
    kComplete,  // a whole request is ready for TakeRequest()
    kFailed,    // refused: answer refusal() and close
  };

  // The smallest step a body buffer grows by; it then doubles up to the body's size.
  static constexpr size_t kMinBodyStep = 64 << 10;

  explicit HttpRequestReader(const HttpReadLimits& limits);
  // Not copyable or movable: the parser holds references to its chunk callbacks.
  HttpRequestReader(const HttpRequestReader&) = delete;
  HttpRequestReader& operator=(const HttpRequestReader&) = delete;

  // Forgets the current request (and releases its memory charge) and waits for the next.
  void Reset();

  // Parses bytes the connection received; returns how many it consumed (the rest belongs to
  // an incomplete header or chunk line, or to the next request). Never throws on input;
  // std::bad_alloc propagates.
  size_t Put(boost::asio::const_buffer data);

  State state() const { return state_; }
  // True once any byte of the current request arrived.
  bool started() const { return started_; }
  // REQUIRES: state() is kBody or kComplete.
  bool expects_continue() const { return expects_continue_; }
  // True when the body is chunked (read it through Put), false when it has a declared length
  // (read it through BodyWindow). REQUIRES: state() is kBody.
  bool chunked() const { return chunked_; }
  // Body bytes received so far.
  size_t body_size() const { return body_.size(); }
  // REQUIRES: state() is kFailed.
  const HttpRefusal& refusal() const { return refusal_; }
  // The request line and header fields. REQUIRES: state() is kBody or kComplete.
  const boost::beast::http::request_header<>& header() const { return parser_->get().base(); }

  // Where the next bytes of a body with a declared length go: at most the rest of the body,
  // at least one byte, the body buffer and its charge grown to hold it. Empty when the budget
  // refused the growth; state() is then kFailed (429).
  // REQUIRES: state() is kBody and !chunked().
  boost::asio::mutable_buffer BodyWindow();
  // Records that `n` bytes were written at the start of the last BodyWindow().
  void CommitBody(size_t n);

  // The complete request, its body included. REQUIRES: state() is kComplete.
  HttpRequest TakeRequest();

  // Bytes of body currently charged to the budget (0 without a budget).
  size_t charged_bytes() const { return charge_.bytes(); }

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

  void Fail(boost::beast::http::status status, std::string message, bool retry_after = false);
  void OnHeaderDone();
  size_t PutBody(const char* data, size_t n);
  // Makes room for `needed` body bytes without reallocating later, growing geometrically up to
  // `cap`, charged to the budget first. False (nothing changed) when the budget refused.
  bool Reserve(size_t needed, size_t cap);
  void OnChunkHeader(uint64_t size, boost::beast::error_code& ec);

  using ChunkHeaderCallback =
      std::function<void(uint64_t, boost::beast::string_view, boost::beast::error_code&)>;
  using ChunkBodyCallback =
      std::function<size_t(uint64_t, boost::beast::string_view, boost::beast::error_code&)>;

  HttpReadLimits limits_;
  // Declared before parser_, which refers to them, so they outlive it.
  ChunkHeaderCallback on_chunk_header_;
  ChunkBodyCallback on_chunk_body_;
  std::optional<Parser> parser_;
  State state_ = State::kHeader;
  bool started_ = false;
  bool expects_continue_ = false;
  bool chunked_ = false;
  bool over_budget_ = false;     // set by the chunk-header callback
  uint64_t content_length_ = 0;  // declared length (when !chunked_)
  size_t header_bytes_ = 0;      // header bytes the parser consumed so far
  size_t header_fields_ = 0;     // fields in the header (trailers must not add any)
  size_t chunk_wait_ = 0;        // bytes to have buffered before the chunk parser runs again
  std::string body_;             // the body so far
  size_t reserved_ = 0;          // body_'s reserved capacity, which is what is charged
  size_t window_start_ = 0;      // where the last BodyWindow() began
  pipeline::MemoryCharge charge_;
  HttpRefusal refusal_;
};

}  // namespace weir::net
