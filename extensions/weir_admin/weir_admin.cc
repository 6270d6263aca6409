#include "extensions/weir_admin/weir_admin.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "config/node.h"
#include "pipeline/sampling_control.h"
#include "pipeline/telemetry/logger.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace weir::extensions::weir_admin {

namespace {

namespace http = boost::beast::http;
using pipeline::SamplingControl;

constexpr absl::string_view kBoosts = "/sampling/boosts";
constexpr absl::string_view kExplain = "/sampling/explain/";
constexpr absl::Duration kMaxBoost = absl::Hours(24);

std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string Time(absl::Time t) {
  return Quote(absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone()));
}

net::HttpResponse Json(const net::HttpRequest& request, http::status status,
                       const std::string& body) {
  return net::MakeHttpResponse(request, status, "application/json", body + "\n");
}

net::HttpResponse Error(const net::HttpRequest& request, http::status status,
                        absl::string_view message) {
  return Json(request, status, absl::StrCat("{\"error\":", Quote(message), "}"));
}

std::string BoostJson(const SamplingControl::Boost& b, absl::Time now) {
  std::string attribute = b.attribute_key.empty()
                              ? "null"
                              : absl::StrCat("{\"key\":", Quote(b.attribute_key),
                                             ",\"value\":", Quote(b.attribute_value), "}");
  return absl::StrCat(
      "{\"id\":", b.id, ",\"percentage\":", b.percentage,
      ",\"service\":", b.service.empty() ? "null" : Quote(b.service), ",\"attribute\":", attribute,
      ",\"starts\":", Time(b.starts), ",\"ends\":", Time(b.ends),
      ",\"remaining\":", Quote(absl::FormatDuration(absl::Trunc(b.ends - now, absl::Seconds(1)))),
      "}");
}

net::HttpResponse ListBoosts(const net::HttpRequest& request) {
  const absl::Time now = absl::Now();
  std::vector<std::string> items;
  for (const auto& b : SamplingControl::Process().ActiveBoosts(now))
    items.push_back(BoostJson(b, now));
  return Json(request, http::status::ok,
              absl::StrCat("{\"boosts\":[", absl::StrJoin(items, ","), "]}"));
}

// Reads an optional string member; false (with *error) when present and not a string.
bool OptionalString(const rapidjson::Value& obj, const char* name, std::string* out,
                    std::string* error) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsString()) {
    *error = absl::StrCat(name, ": expected a string");
    return false;
  }
  *out = std::string(it->value.GetString(), it->value.GetStringLength());
  return true;
}

net::HttpResponse StartBoost(const net::HttpRequest& request) {
  rapidjson::Document doc;
  doc.Parse(request.body().data(), request.body().size());
  if (doc.HasParseError()) {
    return Error(
        request, http::status::bad_request,
        absl::StrCat("the body is not JSON: ", rapidjson::GetParseError_En(doc.GetParseError()),
                     " at offset ", doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return Error(request, http::status::bad_request, "expected a JSON object");
  static const std::vector<std::string> kKnown = {"duration", "percentage", "service", "attribute"};
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    std::string name(m->name.GetString(), m->name.GetStringLength());
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
      return Error(request, http::status::bad_request,
                   absl::StrCat(name,
                                ": unknown field (known: duration, percentage, service, "
                                "attribute)"));
    }
  }
  SamplingControl::Boost boost;
  auto duration = doc.FindMember("duration");
  absl::Duration d;
  if (duration == doc.MemberEnd() || !duration->value.IsString()) {
    return Error(request, http::status::bad_request,
                 "duration: required, a duration such as \"15m\" or \"1h\"");
  }
  if (!config::ParseGoDuration(duration->value.GetString(), &d) || d <= absl::ZeroDuration() ||
      d > kMaxBoost) {
    return Error(request, http::status::bad_request,
                 "duration: expected a duration between 1s and 24h, such as \"15m\"");
  }
  boost.ends = absl::Now() + d;
  if (auto p = doc.FindMember("percentage"); p != doc.MemberEnd()) {
    if (!p->value.IsNumber() || p->value.GetDouble() <= 0 || p->value.GetDouble() > 100) {
      return Error(request, http::status::bad_request,
                   "percentage: expected a number above 0 and at most 100");
    }
    boost.percentage = p->value.GetDouble();
  }
  std::string error;
  if (!OptionalString(doc, "service", &boost.service, &error))
    return Error(request, http::status::bad_request, error);
  if (auto a = doc.FindMember("attribute"); a != doc.MemberEnd() && !a->value.IsNull()) {
    if (!a->value.IsObject() || !OptionalString(a->value, "key", &boost.attribute_key, &error) ||
        !OptionalString(a->value, "value", &boost.attribute_value, &error) ||
        boost.attribute_key.empty()) {
      return Error(request, http::status::bad_request,
                   error.empty() ? "attribute: expected {\"key\": ..., \"value\": ...}"
                                 : absl::StrCat("attribute.", error));
    }
  }
  std::optional<SamplingControl::Boost> added = SamplingControl::Process().AddBoost(boost);
  if (!added) {
    return Error(
        request, http::status::conflict,
        absl::StrCat("already ", SamplingControl::kMaxBoosts, " boosts in force; end one first"));
  }
  return Json(request, http::status::created, BoostJson(*added, absl::Now()));
}

net::HttpResponse EndBoost(const net::HttpRequest& request, absl::string_view id_text) {
  uint64_t id = 0;
  if (!absl::SimpleAtoi(id_text, &id)) {
    return Error(request, http::status::bad_request, "the boost id must be a number");
  }
  if (!SamplingControl::Process().RemoveBoost(id)) {
    return Error(request, http::status::not_found, absl::StrCat("no boost ", id, " in force"));
  }
  return Json(request, http::status::ok, absl::StrCat("{\"ended\":", id, "}"));
}

net::HttpResponse Explain(const net::HttpRequest& request, absl::string_view hex) {
  std::string id;
  if (hex.size() != 32 || !absl::c_all_of(hex, absl::ascii_isxdigit)) {
    return Error(request, http::status::bad_request, "the trace id must be 32 hexadecimal digits");
  }
  id = absl::HexStringToBytes(hex);
  std::vector<SamplingControl::Explanation> found = SamplingControl::Process().Explain(id);
  if (found.empty()) {
    return Error(
        request, http::status::not_found,
        absl::StrCat("no recent decision for trace ", absl::AsciiStrToLower(hex), " (the last ",
                     SamplingControl::kExplanations, " decisions are kept)"));
  }
  static constexpr const char* kVote[] = {"not_sampled", "sampled", "dropped"};
  std::vector<std::string> decisions;
  for (const auto& e : found) {
    std::vector<std::string> votes;
    for (uint8_t i = 0; i < e.vote_count; ++i) {
      const std::string name =
          e.policies && i < e.policies->size() ? (*e.policies)[i] : absl::StrCat("#", i);
      votes.push_back(absl::StrCat("{\"policy\":", Quote(name), ",\"vote\":",
                                   Quote(e.votes[i] < 3 ? kVote[e.votes[i]] : "?"), "}"));
    }
    decisions.push_back(absl::StrCat(
        "{\"processor\":", Quote(e.processor), ",\"decided_at\":", Time(e.decided_at),
        ",\"sampled\":", e.sampled ? "true" : "false", ",\"early\":", e.early ? "true" : "false",
        ",\"boost\":", e.boost == 0 ? std::string("null") : absl::StrCat(e.boost),
        ",\"spans\":", e.spans, ",\"policies\":[", absl::StrJoin(votes, ","), "]}"));
  }
  return Json(request, http::status::ok,
              absl::StrCat("{\"trace_id\":", Quote(absl::AsciiStrToLower(hex)), ",\"decisions\":[",
                           absl::StrJoin(decisions, ","), "]}"));
}

}  // namespace

net::HttpResponse HandleAdminRequest(net::HttpRequest& request) {
  absl::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  const http::verb method = request.method();
  if (target == kBoosts) {
    if (method == http::verb::get) return ListBoosts(request);
    if (method == http::verb::post) return StartBoost(request);
    return Error(request, http::status::method_not_allowed, "use GET or POST");
  }
  if (absl::StartsWith(target, absl::StrCat(kBoosts, "/"))) {
    if (method != http::verb::delete_) {
      return Error(request, http::status::method_not_allowed, "use DELETE");
    }
    return EndBoost(request, target.substr(kBoosts.size() + 1));
  }
  if (absl::StartsWith(target, kExplain)) {
    if (method != http::verb::get)
      return Error(request, http::status::method_not_allowed, "use GET");
    return Explain(request, target.substr(kExplain.size()));
  }
  return Error(request, http::status::not_found,
               "unknown path (known: /sampling/boosts, /sampling/boosts/ID, "
               "/sampling/explain/TRACE_ID)");
}

WeirAdmin::WeirAdmin(const pipeline::Settings& settings, const Config& config)
    : id_(settings.id.ToString()), config_(config), io_(*settings.io) {}

absl::Status WeirAdmin::Start(pipeline::Host& host) {
  net::HttpServerOptions options;
  options.endpoint = config_.endpoint;
  options.name = id_;
  options.max_body_bytes = 64 * 1024;
  server_ = std::make_unique<net::HttpServer>(
      io_, options, [](net::HttpRequest& request) { return HandleAdminRequest(request); });
  if (absl::Status s = server_->Start(); !s.ok()) return s;
  log::Info("extension/weir_admin", "%s: admin API listening on %s", id_, server_->bound_address());
  return absl::OkStatus();
}

void WeirAdmin::Shutdown(absl::Time deadline) {
  if (server_) server_->Shutdown(deadline);
}

std::string WeirAdmin::address() const { return server_ ? server_->bound_address() : ""; }

}  // namespace weir::extensions::weir_admin
