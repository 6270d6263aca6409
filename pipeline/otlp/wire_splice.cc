#include "pipeline/otlp/wire_splice.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace weir::otlp::wire {
namespace {

// Tags of the fields a splice writes: Request.resource_spans (1), ResourceSpans.scope_spans (2)
// and ScopeSpans.spans (2), all length-delimited.
constexpr char kResourceSpansTag = 0x0A;
constexpr char kChildTag = 0x12;
constexpr uint64_t kMaxBytes = 0x7FFFFFFFu;

// The header bytes of one entry, split around its children: the fields numbered below the
// child field (the resource or scope itself) go before them, the others (schema_url, unknown
// fields) after, so a canonical encoding stays canonical through a splice.
struct HeaderBytes {
  std::string before, after;

  uint64_t size() const { return before.size() + after.size(); }
  void Add(absl::string_view fields) {
    ForEachField(fields, [&](uint32_t field, uint32_t, absl::string_view, absl::string_view all) {
      (field < 2 ? before : after).append(all.data(), all.size());
    });
  }
};

void GatherHeader(absl::string_view bytes, Range body, const Headers& headers, HeaderBytes* out) {
  if (!headers.more) {
    for (int i = 0; i < headers.count; ++i)
      out->Add(bytes.substr(headers.ranges[i].offset, headers.ranges[i].size));
    return;
  }
  ForEachField(bytes.substr(body.offset, body.size),
               [&](uint32_t field, uint32_t wire_type, absl::string_view, absl::string_view all) {
                 if (!(field == 2 && wire_type == 2)) out->Add(all);
               });
}

const std::string* FindReplacement(absl::Span<const Replacement> list, uint32_t index) {
  auto it = std::lower_bound(list.begin(), list.end(), index,
                             [](const Replacement& r, uint32_t i) { return r.first < i; });
  return it != list.end() && it->first == index ? &it->second : nullptr;
}

void Header(absl::string_view bytes, Range body, const Headers& headers,
            const std::string* replacement, HeaderBytes* out) {
  if (replacement != nullptr) {
    out->Add(*replacement);
    return;
  }
  GatherHeader(bytes, body, headers, out);
}

// Spans plan.spans[begin, end) of one scope.
struct Run {
  uint32_t scope = 0;
  uint32_t begin = 0, end = 0;
  uint64_t content = 0;  // size of the ScopeSpans body to write
  HeaderBytes header;
};

// Runs [run_begin, run_end) of one resource.
struct Group {
  uint32_t resource = 0;
  size_t run_begin = 0, run_end = 0;
  uint64_t content = 0;
  HeaderBytes header;
};

Run MakeRun(uint32_t scope, uint32_t begin, uint32_t end) {
  Run run;
  run.scope = scope;
  run.begin = begin;
  run.end = end;
  return run;
}

absl::Status Edited(const absl::Status& s) {
  return absl::InvalidArgumentError(
      absl::StrCat("an edited span, resource or scope is not valid OTLP: ", s.message()));
}

uint64_t FieldSize(uint64_t content) { return 1 + VarintSize(content) + content; }

Range Shift(Range r, int64_t delta) {
  if (r.size == 0) return Range{};
  return Range{static_cast<uint32_t>(static_cast<int64_t>(r.offset) + delta), r.size};
}

}  // namespace

std::string ResourceHeader(absl::string_view bytes, const Index& index, uint32_t r) {
  HeaderBytes h;
  GatherHeader(bytes, index.resources[r].bytes, index.resources[r].headers, &h);
  return h.before + h.after;
}

std::string ScopeHeader(absl::string_view bytes, const Index& index, uint32_t s) {
  HeaderBytes h;
  GatherHeader(bytes, index.scopes[s].bytes, index.scopes[s].headers, &h);
  return h.before + h.after;
}

absl::Status Splice(absl::string_view bytes, const Index& index, const SplicePlan& plan,
                    std::string* out, Index* out_index) {
  out->clear();
  out_index->Clear();
  const absl::Span<const uint32_t> spans = plan.spans;

  // 1. Which scopes and resources are written, and with which spans.
  std::vector<Run> runs;
  std::vector<Group> groups;
  if (plan.keep_empty) {
    size_t cursor = 0;
    for (uint32_t r = 0; r < index.resources.size(); ++r) {
      const ResourceEntry& re = index.resources[r];
      Group g;
      g.resource = r;
      g.run_begin = runs.size();
      for (uint32_t s = re.first_scope; s < re.first_scope + re.scope_count; ++s) {
        uint32_t begin = static_cast<uint32_t>(cursor);
        while (cursor < spans.size() && index.spans[spans[cursor]].scope == s) ++cursor;
        if (cursor > begin || index.scopes[s].span_count == 0)
          runs.push_back(MakeRun(s, begin, static_cast<uint32_t>(cursor)));
      }
      g.run_end = runs.size();
      bool dropped =
          std::binary_search(plan.dropped_resources.begin(), plan.dropped_resources.end(), r);
      if (dropped) runs.resize(g.run_begin);
      if (!dropped && (g.run_end > g.run_begin || re.scope_count == 0))
        groups.push_back(std::move(g));
    }
  } else {
    for (uint32_t i = 0; i < spans.size();) {
      uint32_t scope = index.spans[spans[i]].scope;
      uint32_t begin = i;
      while (i < spans.size() && index.spans[spans[i]].scope == scope) ++i;
      uint32_t resource = index.scopes[scope].resource;
      if (groups.empty() || groups.back().resource != resource) {
        Group& g = groups.emplace_back();
        g.resource = resource;
        g.run_begin = runs.size();
      }
      runs.push_back(MakeRun(scope, begin, i));
      groups.back().run_end = runs.size();
    }
  }

  // 2. Replaced headers must be valid where they go; sizes, bottom up.
  for (const Replacement& r : plan.resource_headers) {
    if (absl::Status s = ValidateResourceSpansHeader(r.second); !s.ok()) return Edited(s);
  }
  for (const Replacement& r : plan.scope_headers) {
    if (absl::Status s = ValidateScopeSpansHeader(r.second); !s.ok()) return Edited(s);
  }
  uint64_t total = 0;
  for (Group& g : groups) {
    const ResourceEntry& re = index.resources[g.resource];
    Header(bytes, re.bytes, re.headers, FindReplacement(plan.resource_headers, g.resource),
           &g.header);
    g.content = g.header.size();
    for (size_t k = g.run_begin; k < g.run_end; ++k) {
      Run& run = runs[k];
      const ScopeEntry& se = index.scopes[run.scope];
      Header(bytes, se.bytes, se.headers, FindReplacement(plan.scope_headers, run.scope),
             &run.header);
      run.content = run.header.size();
      for (uint32_t i = run.begin; i < run.end; ++i) {
        const std::string* body = FindReplacement(plan.span_bodies, spans[i]);
        run.content +=
            body != nullptr ? FieldSize(body->size()) : index.spans[spans[i]].field_size();
      }
      if (run.content > kMaxBytes) return absl::InvalidArgumentError("spliced scope over 2 GiB");
      g.content += FieldSize(run.content);
    }
    if (g.content > kMaxBytes) return absl::InvalidArgumentError("spliced resource over 2 GiB");
    total += FieldSize(g.content);
  }
  if (total > kMaxBytes) return absl::InvalidArgumentError("spliced request over 2 GiB");

  // 3. Write, translating the index as we go.
  out->reserve(total);
  out_index->resources.reserve(groups.size());
  out_index->scopes.reserve(runs.size());
  out_index->spans.reserve(spans.size());
  auto offset = [&] { return static_cast<uint32_t>(out->size()); };
  for (const Group& g : groups) {
    ResourceEntry& nr = out_index->resources.emplace_back();
    uint32_t new_resource = static_cast<uint32_t>(out_index->resources.size() - 1);
    nr.field_offset = offset();
    out->push_back(kResourceSpansTag);
    AppendVarint(g.content, out);
    nr.bytes = Range{offset(), static_cast<uint32_t>(g.content)};
    nr.first_scope = static_cast<uint32_t>(out_index->scopes.size());
    nr.scope_count = static_cast<uint32_t>(g.run_end - g.run_begin);
    if (!g.header.before.empty())
      nr.headers.Add(offset(), static_cast<uint32_t>(g.header.before.size()));
    out->append(g.header.before);
    for (size_t k = g.run_begin; k < g.run_end; ++k) {
      const Run& run = runs[k];
      ScopeEntry& ns = out_index->scopes.emplace_back();
      uint32_t new_scope = static_cast<uint32_t>(out_index->scopes.size() - 1);
      ns.field_offset = offset();
      ns.resource = new_resource;
      out->push_back(kChildTag);
      AppendVarint(run.content, out);
      ns.bytes = Range{offset(), static_cast<uint32_t>(run.content)};
      ns.first_span = static_cast<uint32_t>(out_index->spans.size());
      ns.span_count = run.end - run.begin;
      if (!run.header.before.empty())
        ns.headers.Add(offset(), static_cast<uint32_t>(run.header.before.size()));
      out->append(run.header.before);
      for (uint32_t i = run.begin; i < run.end; ++i) {
        const SpanEntry& old = index.spans[spans[i]];
        if (const std::string* body = FindReplacement(plan.span_bodies, spans[i])) {
          uint32_t field_offset = offset();
          out->push_back(kChildTag);
          AppendVarint(body->size(), out);
          Range range{offset(), static_cast<uint32_t>(body->size())};
          out->append(*body);
          SpanEntry& e = out_index->spans.emplace_back();
          if (absl::Status s = ScanSpan(*out, range, &e); !s.ok()) return Edited(s);
          e.field_offset = field_offset;
          e.scope = new_scope;
          continue;
        }
        SpanEntry e = old;
        const int64_t delta = static_cast<int64_t>(offset()) - old.field_offset;
        e.field_offset = offset();
        e.scope = new_scope;
        e.bytes = Range{static_cast<uint32_t>(old.bytes.offset + delta), old.bytes.size};
        e.trace_id = Shift(old.trace_id, delta);
        e.span_id = Shift(old.span_id, delta);
        e.parent_span_id = Shift(old.parent_span_id, delta);
        e.name = Shift(old.name, delta);
        e.trace_state = Shift(old.trace_state, delta);
        out_index->spans.push_back(e);
        out->append(bytes.data() + old.field_offset, old.field_size());
      }
      if (!run.header.after.empty())
        ns.headers.Add(offset(), static_cast<uint32_t>(run.header.after.size()));
      out->append(run.header.after);
    }
    if (!g.header.after.empty())
      nr.headers.Add(offset(), static_cast<uint32_t>(g.header.after.size()));
    out->append(g.header.after);
  }
  return absl::OkStatus();
}

}  // namespace weir::otlp::wire
