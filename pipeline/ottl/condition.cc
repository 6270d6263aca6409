#include "pipeline/ottl/condition.h"

#include <cmath>
#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "pipeline/transform/regex.h"
#include "pipeline/otlp/value_string.h"
#include "re2/re2.h"

namespace weir::pipeline::ottl {

// ---- values ----

namespace values {

// A value during evaluation. Strings and bytes are views into the span or into `owned`.
struct Value {
  enum Kind { kNil, kBool, kInt, kDouble, kString, kBytes, kMap, kList };
  Kind kind = kNil;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  absl::string_view view;  // kString, kBytes; kMap and kList: the encoded body
  std::string owned;       // when the text was computed
  bool is_owned = false;
  std::vector<Value> items;  // a list literal

  absl::string_view text() const { return is_owned ? absl::string_view(owned) : view; }
  static Value Nil() { return Value(); }
  static Value Bool(bool v) {
    Value x;
    x.kind = kBool;
    x.b = v;
    return x;
  }
  static Value Int(int64_t v) {
    Value x;
    x.kind = kInt;
    x.i = v;
    return x;
  }
  static Value Double(double v) {
    Value x;
    x.kind = kDouble;
    x.d = v;
    return x;
  }
  static Value View(Kind kind, absl::string_view v) {
    Value x;
    x.kind = kind;
    x.view = v;
    return x;
  }
  static Value Owned(Kind kind, std::string v) {
    Value x;
    x.kind = kind;
    x.owned = std::move(v);
    x.is_owned = true;
    return x;
  }
};

Value FromAttribute(const AttributeValue& v) {
  switch (v.type) {
    case ValueType::kString:
      return Value::View(Value::kString, v.bytes);
    case ValueType::kBool:
      return Value::Bool(v.bool_value);
    case ValueType::kInt:
      return Value::Int(v.int_value);
    case ValueType::kDouble:
      return Value::Double(v.double_value);
    case ValueType::kBytes:
      return Value::View(Value::kBytes, v.bytes);
    case ValueType::kArray:
      return Value::View(Value::kList, v.bytes);
    case ValueType::kKvList:
      return Value::View(Value::kMap, v.bytes);
    case ValueType::kEmpty:
      return Value::Nil();
  }
  return Value::Nil();
}

// The value as text, as otelcol renders it (String(), Concat).
std::string AsText(const Value& v) {
  switch (v.kind) {
    case Value::kNil:
      return "";
    case Value::kBool:
      return v.b ? "true" : "false";
    case Value::kInt:
      return absl::StrCat(v.i);
    case Value::kDouble:
      return otlp::FormatDouble(v.d);
    case Value::kString:
      return std::string(v.text());
    case Value::kBytes:
      return absl::BytesToHexString(v.text());
    case Value::kList:
    case Value::kMap: {
      otlp::AnyValue any;
      if (v.kind == Value::kList) {
        any.mutable_array_value()->ParseFromArray(v.view.data(), static_cast<int>(v.view.size()));
      } else {
        any.mutable_kvlist_value()->ParseFromArray(v.view.data(), static_cast<int>(v.view.size()));
      }
      return otlp::AsString(any);
    }
  }
  return "";
}

bool IsNumber(const Value& v) { return v.kind == Value::kInt || v.kind == Value::kDouble; }
double AsDouble(const Value& v) { return v.kind == Value::kInt ? static_cast<double>(v.i) : v.d; }

}  // namespace values
using namespace values;  // NOLINT: the evaluator's own value type

// ---- the tree ----

enum class PathId {
  kName,
  kKind,
  kStatusCode,
  kStatusMessage,
  kTraceId,
  kSpanId,
  kParentSpanId,
  kTraceIdString,
  kSpanIdString,
  kParentSpanIdString,
  kTraceState,
  kStart,
  kEnd,
  kAttribute,
  kResourceAttribute,
  kScopeName,
  kScopeVersion,
  kScopeAttribute,
  // span-event context
  kEventName,
  kEventTime,
  kEventAttribute,
};

enum class Fn {
  kIsMatch,
  kIsString,
  kIsInt,
  kIsDouble,
  kIsBool,
  kIsMap,
  kIsList,
  kLen,
  kInt,
  kDouble,
  kString,
  kConcat,
  kSubstring,
  kHasPrefix,
  kHasSuffix,
  kContains,
  kTraceId,
  kSpanId,
};

// Static types, for checking at parse time.
enum class Type { kBool, kInt, kDouble, kString, kBytes, kList, kNil, kAny };

struct Node {
  enum Op { kLiteral, kList, kPath, kCall, kCompare, kAnd, kOr, kNot } op = kLiteral;
  Value literal;
  PathId path = PathId::kName;
  std::string key;  // attributes["key"]
  Fn fn = Fn::kIsMatch;
  std::shared_ptr<const RE2> regex;  // IsMatch
  enum Cmp { kEq, kNe, kLt, kLe, kGt, kGe } cmp = kEq;
  std::vector<std::unique_ptr<Node>> args;
  Type type = Type::kAny;
};

namespace {

// ---- lexer ----

struct Token {
  enum Kind { kEnd, kIdent, kString, kInt, kFloat, kBytes, kOp, kPunct } kind = kEnd;
  std::string text;  // identifier, decoded string, operator or punctuation
  int64_t i = 0;
  double d = 0;
  size_t column = 0;  // 1-based
};

absl::Status ErrorAt(size_t column, absl::string_view message, absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat(message, " at column ", column, " of `", text, "`"));
}

absl::StatusOr<std::vector<Token>> Lex(absl::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    t.column = i + 1;
    if (c == '"') {
      std::string text;
      size_t j = i + 1;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == '\\' && j + 1 < s.size()) {
          const char e = s[j + 1];
          text.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
          j += 2;
          continue;
        }
        if (s[j] == '"') {
          closed = true;
          break;
        }
        text.push_back(s[j++]);
      }
      if (!closed) return ErrorAt(t.column, "unterminated string", s);
      t.kind = Token::kString;
      t.text = std::move(text);
      i = j + 1;
    } else if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
      size_t j = i + 2;
      while (j < s.size() && absl::ascii_isxdigit(static_cast<unsigned char>(s[j]))) ++j;
      absl::string_view hex = s.substr(i + 2, j - i - 2);
      if (hex.empty() || hex.size() % 2 != 0)
        return ErrorAt(t.column, "malformed bytes literal", s);
      t.kind = Token::kBytes;
      t.text = absl::HexStringToBytes(hex);
      i = j;
    } else if (absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
               (c == '-' && i + 1 < s.size() &&
                absl::ascii_isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i + 1;
      bool is_float = false;
      while (j < s.size() &&
             (absl::ascii_isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == 'e' ||
              s[j] == 'E' ||
              ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E')))) {
        if (s[j] == '.' || s[j] == 'e' || s[j] == 'E') is_float = true;
        ++j;
      }
      std::string num(s.substr(i, j - i));
      if (is_float) {
        if (!absl::SimpleAtod(num, &t.d)) return ErrorAt(t.column, "malformed number", s);
        t.kind = Token::kFloat;
      } else {
        if (!absl::SimpleAtoi(num, &t.i)) return ErrorAt(t.column, "malformed number", s);
        t.kind = Token::kInt;
      }
      i = j;
    } else if (absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < s.size() &&
             (absl::ascii_isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '.'))
        ++j;
      t.kind = Token::kIdent;
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else if (c == '=' || c == '!' || c == '<' || c == '>') {
      t.kind = Token::kOp;
      if (i + 1 < s.size() && s[i + 1] == '=') {
        t.text = std::string(s.substr(i, 2));
        i += 2;
      } else if (c == '<' || c == '>') {
        t.text = std::string(1, c);
        ++i;
      } else {
        return ErrorAt(t.column, absl::StrCat("unexpected \"", std::string(1, c), "\""), s);
      }
    } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == ',') {
      t.kind = Token::kPunct;
      t.text = std::string(1, c);
      ++i;
    } else {
      return ErrorAt(t.column, absl::StrCat("unexpected \"", std::string(1, c), "\""), s);
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.column = s.size() + 1;
  out.push_back(end);
  return out;
}

// ---- parser and checker ----

struct EnumValue {
  const char* name;
  int64_t value;
};
constexpr EnumValue kEnums[] = {
    {"SPAN_KIND_UNSPECIFIED", 0}, {"SPAN_KIND_INTERNAL", 1}, {"SPAN_KIND_SERVER", 2},
    {"SPAN_KIND_CLIENT", 3},      {"SPAN_KIND_PRODUCER", 4}, {"SPAN_KIND_CONSUMER", 5},
    {"STATUS_CODE_UNSET", 0},     {"STATUS_CODE_OK", 1},     {"STATUS_CODE_ERROR", 2},
};

struct FnInfo {
  const char* name;
  Fn fn;
  int min_args, max_args;
  Type result;
};
constexpr FnInfo kFunctions[] = {
    {"IsMatch", Fn::kIsMatch, 2, 2, Type::kBool},
    {"IsString", Fn::kIsString, 1, 1, Type::kBool},
    {"IsInt", Fn::kIsInt, 1, 1, Type::kBool},
    {"IsDouble", Fn::kIsDouble, 1, 1, Type::kBool},
    {"IsBool", Fn::kIsBool, 1, 1, Type::kBool},
    {"IsMap", Fn::kIsMap, 1, 1, Type::kBool},
    {"IsList", Fn::kIsList, 1, 1, Type::kBool},
    {"Len", Fn::kLen, 1, 1, Type::kInt},
    {"Int", Fn::kInt, 1, 1, Type::kAny},
    {"Double", Fn::kDouble, 1, 1, Type::kAny},
    {"String", Fn::kString, 1, 1, Type::kString},
    {"Concat", Fn::kConcat, 2, 2, Type::kString},
    {"Substring", Fn::kSubstring, 3, 3, Type::kString},
    {"HasPrefix", Fn::kHasPrefix, 2, 2, Type::kBool},
    {"HasSuffix", Fn::kHasSuffix, 2, 2, Type::kBool},
    {"Contains", Fn::kContains, 2, 2, Type::kBool},
    {"TraceID", Fn::kTraceId, 1, 1, Type::kBytes},
    {"SpanID", Fn::kSpanId, 1, 1, Type::kBytes},
};

class Parser {
 public:
  Parser(absl::string_view text, std::vector<Token> tokens, Context context)
      : text_(text), tokens_(std::move(tokens)), context_(context) {}

  absl::StatusOr<std::unique_ptr<Node>> Run() {
    auto root = Or();
    if (!root.ok()) return root;
    if (Peek().kind != Token::kEnd) return Error(Peek(), "unexpected " + Describe(Peek()));
    if ((*root)->type != Type::kBool) {
      return ErrorAt(1,
                     "a condition must be a comparison, true, false, a function that returns "
                     "a boolean, or those joined with and/or/not",
                     text_);
    }
    return root;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool IsKeyword(const Token& t, absl::string_view word) const {
    return t.kind == Token::kIdent && t.text == word;
  }
  bool IsPunct(const Token& t, absl::string_view p) const {
    return t.kind == Token::kPunct && t.text == p;
  }
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Token::kEnd:
        return "end of condition";
      case Token::kString:
        return absl::StrCat("string \"", t.text, "\"");
      default:
        return absl::StrCat("\"", t.text.empty() ? std::to_string(t.i) : t.text, "\"");
    }
  }
  absl::Status Error(const Token& t, absl::string_view message) const {
    return ErrorAt(t.column, message, text_);
  }
  absl::Status Expect(absl::string_view punct) {
    if (!IsPunct(Peek(), punct))
      return Error(Peek(), absl::StrCat("expected \"", punct, "\", found ", Describe(Peek())));
    Next();
    return absl::OkStatus();
  }
  absl::Status RequireBool(const Node& n, const Token& at, absl::string_view where) const {
    if (n.type == Type::kBool) return absl::OkStatus();
    return Error(at, absl::StrCat("the operand of ", where,
                                  " must be a condition (a comparison, true, false or a "
                                  "function that returns a boolean)"));
  }

  absl::StatusOr<std::unique_ptr<Node>> Or() {
    const Token first = Peek();
    auto left = And();
    if (!left.ok()) return left;
    while (IsKeyword(Peek(), "or")) {
      Next();
      const Token at = Peek();
      auto right = And();
      if (!right.ok()) return right;
      if (auto s = RequireBool(**left, first, "or"); !s.ok()) return s;
      if (auto s = RequireBool(**right, at, "or"); !s.ok()) return s;
      auto n = std::make_unique<Node>();
      n->op = Node::kOr;
      n->type = Type::kBool;
      n->args.push_back(std::move(*left));
      n->args.push_back(std::move(*right));
      left = std::move(n);
    }
    return left;
  }

  absl::StatusOr<std::unique_ptr<Node>> And() {
    const Token first = Peek();
    auto left = Not();
    if (!left.ok()) return left;
    while (IsKeyword(Peek(), "and")) {
      Next();
      const Token at = Peek();
      auto right = Not();
      if (!right.ok()) return right;
      if (auto s = RequireBool(**left, first, "and"); !s.ok()) return s;
      if (auto s = RequireBool(**right, at, "and"); !s.ok()) return s;
      auto n = std::make_unique<Node>();
      n->op = Node::kAnd;
      n->type = Type::kBool;
      n->args.push_back(std::move(*left));
      n->args.push_back(std::move(*right));
      left = std::move(n);
    }
    return left;
  }

  // Bounds the recursion of parsing (and so of evaluating) whatever the text.
  static constexpr int kMaxDepth = 128;
  struct Deeper {
    explicit Deeper(int* depth) : depth(depth) { ++*depth; }
    ~Deeper() { --*depth; }
    int* depth;
  };

  absl::StatusOr<std::unique_ptr<Node>> Not() {
    Deeper deeper(&depth_);
    if (depth_ > kMaxDepth) return Error(Peek(), "the condition nests too deeply");
    if (IsKeyword(Peek(), "not")) {
      Next();
      const Token at = Peek();
      auto inner = Not();
      if (!inner.ok()) return inner;
      if (auto s = RequireBool(**inner, at, "not"); !s.ok()) return s;
      auto n = std::make_unique<Node>();
      n->op = Node::kNot;
      n->type = Type::kBool;
      n->args.push_back(std::move(*inner));
      return n;
    }
    return Comparison();
  }

  absl::StatusOr<std::unique_ptr<Node>> Comparison() {
    auto left = Term();
    if (!left.ok()) return left;
    if (Peek().kind != Token::kOp) return left;
    const Token op = Next();
    auto right = Term();
    if (!right.ok()) return right;
    auto n = std::make_unique<Node>();
    n->op = Node::kCompare;
    n->type = Type::kBool;
    n->cmp = op.text == "=="   ? Node::kEq
             : op.text == "!=" ? Node::kNe
             : op.text == "<"  ? Node::kLt
             : op.text == "<=" ? Node::kLe
             : op.text == ">"  ? Node::kGt
                               : Node::kGe;
    if (op.text != "==" && op.text != "!=" && op.text != "<" && op.text != "<=" && op.text != ">" &&
        op.text != ">=") {
      return Error(op, absl::StrCat("unknown operator \"", op.text, "\""));
    }
    if ((*left)->op == Node::kList || (*right)->op == Node::kList)
      return Error(op, "a list cannot be compared");
    n->args.push_back(std::move(*left));
    n->args.push_back(std::move(*right));
    return n;
  }

  // A value, a function call, a path, or a parenthesised condition.
  absl::StatusOr<std::unique_ptr<Node>> Term() {
    Deeper deeper(&depth_);
    if (depth_ > kMaxDepth) return Error(Peek(), "the condition nests too deeply");
    const Token t = Next();
    auto n = std::make_unique<Node>();
    switch (t.kind) {
      case Token::kString:
        n->literal = Value::Owned(Value::kString, t.text);
        n->type = Type::kString;
        return n;
      case Token::kInt:
        n->literal = Value::Int(t.i);
        n->type = Type::kInt;
        return n;
      case Token::kFloat:
        n->literal = Value::Double(t.d);
        n->type = Type::kDouble;
        return n;
      case Token::kBytes:
        n->literal = Value::Owned(Value::kBytes, t.text);
        n->type = Type::kBytes;
        return n;
      case Token::kPunct:
        if (t.text == "(") {
          auto inner = Or();
          if (!inner.ok()) return inner;
          if (auto s = Expect(")"); !s.ok()) return s;
          return inner;
        }
        if (t.text == "[") {
          n->op = Node::kList;
          n->type = Type::kList;
          if (IsPunct(Peek(), "]")) {
            Next();
            return n;
          }
          for (;;) {
            auto e = Term();
            if (!e.ok()) return e;
            n->args.push_back(std::move(*e));
            if (IsPunct(Peek(), ",")) {
              Next();
              continue;
            }
            if (auto s = Expect("]"); !s.ok()) return s;
            return n;
          }
        }
        return Error(t, absl::StrCat("unexpected ", Describe(t)));
      case Token::kIdent:
        break;
      default:
        return Error(t, absl::StrCat("unexpected ", Describe(t)));
    }
    if (t.text == "true" || t.text == "false") {
      n->literal = Value::Bool(t.text == "true");
      n->type = Type::kBool;
      return n;
    }
    if (t.text == "nil") {
      n->type = Type::kNil;
      return n;
    }
    for (const EnumValue& e : kEnums) {
      if (t.text == e.name) {
        n->literal = Value::Int(e.value);
        n->type = Type::kInt;
        return n;
      }
    }
    if (IsPunct(Peek(), "(")) return Call(t, std::move(n));
    return Path(t, std::move(n));
  }

  absl::StatusOr<std::unique_ptr<Node>> Call(const Token& t, std::unique_ptr<Node> n) {
    const FnInfo* info = nullptr;
    for (const FnInfo& f : kFunctions)
      if (t.text == f.name) info = &f;
    if (info == nullptr) return Error(t, absl::StrCat("unknown function \"", t.text, "\""));
    Next();  // (
    n->op = Node::kCall;
    n->fn = info->fn;
    n->type = info->result;
    std::vector<Token> starts;
    if (!IsPunct(Peek(), ")")) {
      for (;;) {
        starts.push_back(Peek());
        auto arg = Or();
        if (!arg.ok()) return arg;
        n->args.push_back(std::move(*arg));
        if (IsPunct(Peek(), ",")) {
          Next();
          continue;
        }
        break;
      }
    }
    if (auto s = Expect(")"); !s.ok()) return s;
    const int count = static_cast<int>(n->args.size());
    if (count < info->min_args || count > info->max_args) {
      return Error(t, absl::StrCat(info->name, " takes ", info->min_args, " argument",
                                   info->min_args == 1 ? "" : "s", ", not ", count));
    }
    auto literal_string = [&](size_t i) -> absl::Status {
      const Node& a = *n->args[i];
      if (a.op != Node::kLiteral || a.type != Type::kString)
        return Error(starts[i], absl::StrCat("argument ", i + 1, " of ", info->name,
                                             " must be a string literal"));
      return absl::OkStatus();
    };
    switch (info->fn) {
      case Fn::kIsMatch: {
        if (auto s = literal_string(1); !s.ok()) return s;
        auto re = std::make_shared<RE2>(std::string(n->args[1]->literal.text()),
                                        transform::RegexOptions());
        if (!re->ok()) {
          return Error(starts[1], absl::StrCat("invalid regular expression: ", re->error()));
        }
        n->regex = std::move(re);
        break;
      }
      case Fn::kConcat:
        if (n->args[0]->op != Node::kList)
          return Error(starts[0], "argument 1 of Concat must be a list, e.g. [a, b]");
        if (auto s = literal_string(1); !s.ok()) return s;
        break;
      case Fn::kSubstring:
        for (size_t i : {1, 2}) {
          const Type ty = n->args[i]->type;
          if (ty != Type::kInt && ty != Type::kAny)
            return Error(starts[i],
                         absl::StrCat("argument ", i + 1, " of Substring must be an int"));
        }
        break;
      case Fn::kTraceId:
      case Fn::kSpanId: {
        const Node& a = *n->args[0];
        const size_t want = info->fn == Fn::kTraceId ? 16 : 8;
        if (a.op != Node::kLiteral || a.type != Type::kBytes || a.literal.text().size() != want)
          return Error(starts[0],
                       absl::StrCat(info->name, " takes a ", want, "-byte literal, e.g. 0x",
                                    std::string(want * 2, '0')));
        n->op = Node::kLiteral;
        n->literal = Value::Owned(Value::kBytes, std::string(a.literal.text()));
        n->args.clear();
        break;
      }
      default:
        break;
    }
    return n;
  }

  absl::StatusOr<std::unique_ptr<Node>> Path(const Token& t, std::unique_ptr<Node> n) {
    n->op = Node::kPath;
    absl::string_view name = t.text;
    bool span_prefix = false;
    if (absl::ConsumePrefix(&name, "span.")) span_prefix = true;
    const bool event = context_ == Context::kSpanEvent && !span_prefix;
    if (context_ == Context::kSpanEvent && absl::ConsumePrefix(&name, "spanevent.")) {
      // The event itself, written with its context's name.
    }
    struct Simple {
      const char* name;
      PathId id;
      Type type;
    };
    static constexpr Simple kSpanPaths[] = {
        {"name", PathId::kName, Type::kString},
        {"kind", PathId::kKind, Type::kInt},
        {"status.code", PathId::kStatusCode, Type::kInt},
        {"status.message", PathId::kStatusMessage, Type::kString},
        {"trace_id", PathId::kTraceId, Type::kBytes},
        {"span_id", PathId::kSpanId, Type::kBytes},
        {"parent_span_id", PathId::kParentSpanId, Type::kBytes},
        {"trace_id.string", PathId::kTraceIdString, Type::kString},
        {"span_id.string", PathId::kSpanIdString, Type::kString},
        {"parent_span_id.string", PathId::kParentSpanIdString, Type::kString},
        {"trace_state", PathId::kTraceState, Type::kString},
        {"start_time_unix_nano", PathId::kStart, Type::kInt},
        {"end_time_unix_nano", PathId::kEnd, Type::kInt},
    };
    static constexpr Simple kEventPaths[] = {
        {"name", PathId::kEventName, Type::kString},
        {"time_unix_nano", PathId::kEventTime, Type::kInt},
    };
    static constexpr Simple kShared[] = {
        {"instrumentation_scope.name", PathId::kScopeName, Type::kString},
        {"instrumentation_scope.version", PathId::kScopeVersion, Type::kString},
    };
    auto find = [&](const auto& table) -> bool {
      for (const Simple& p : table) {
        if (name == p.name) {
          n->path = p.id;
          n->type = p.type;
          return true;
        }
      }
      return false;
    };
    if ((event ? find(kEventPaths) : find(kSpanPaths)) || find(kShared)) return n;
    PathId keyed;
    if (name == "attributes") {
      keyed = event ? PathId::kEventAttribute : PathId::kAttribute;
    } else if (name == "resource.attributes") {
      keyed = PathId::kResourceAttribute;
    } else if (name == "instrumentation_scope.attributes") {
      keyed = PathId::kScopeAttribute;
    } else {
      return Error(t, absl::StrCat("unknown path \"", t.text, "\" in the ",
                                   context_ == Context::kSpan ? "span" : "span event", " context"));
    }
    if (!IsPunct(Peek(), "["))
      return Error(Peek(), absl::StrCat(t.text, " needs a key, e.g. ", t.text, "[\"http.route\"]"));
    Next();
    if (Peek().kind != Token::kString)
      return Error(Peek(), absl::StrCat("expected a string key, found ", Describe(Peek())));
    n->key = Next().text;
    if (auto s = Expect("]"); !s.ok()) return s;
    if (IsPunct(Peek(), "["))
      return Error(Peek(), "indexing into a map or list value is not supported");
    n->path = keyed;
    n->type = Type::kAny;
    return n;
  }

  absl::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  Context context_;
};

// ---- evaluation ----

struct Scope {
  const SpanView& span;
  const EventView* event;
};

std::optional<absl::string_view> WireString(absl::string_view body, uint32_t field) {
  std::optional<absl::string_view> out;
  otlp::wire::ForEachField(body,
                           [&](uint32_t f, uint32_t wt, absl::string_view v, absl::string_view) {
                             if (f == field && wt == 2) out = v;
                           });
  return out;
}

Value ReadPath(const Node& n, const Scope& s) {
  const SpanView& span = s.span;
  auto attr = [](std::optional<AttributeValue> v) { return v ? FromAttribute(*v) : Value::Nil(); };
  switch (n.path) {
    case PathId::kName:
      return Value::View(Value::kString, span.name());
    case PathId::kKind:
      return Value::Int(span.kind());
    case PathId::kStatusCode:
      return Value::Int(span.status_code());
    case PathId::kStatusMessage: {
      std::optional<absl::string_view> status = WireString(span.wire_bytes(), 15);
      std::optional<absl::string_view> message = status ? WireString(*status, 2) : std::nullopt;
      return Value::View(Value::kString, message ? *message : absl::string_view());
    }
    case PathId::kTraceId:
      return Value::View(Value::kBytes, span.trace_id());
    case PathId::kSpanId:
      return Value::View(Value::kBytes, span.span_id());
    case PathId::kParentSpanId:
      return Value::View(Value::kBytes, span.parent_span_id());
    case PathId::kTraceIdString:
      return Value::Owned(Value::kString, absl::BytesToHexString(span.trace_id()));
    case PathId::kSpanIdString:
      return Value::Owned(Value::kString, absl::BytesToHexString(span.span_id()));
    case PathId::kParentSpanIdString:
      return Value::Owned(Value::kString, absl::BytesToHexString(span.parent_span_id()));
    case PathId::kTraceState:
      return Value::View(Value::kString, span.trace_state());
    case PathId::kStart:
      return Value::Int(static_cast<int64_t>(span.start_time_unix_nano()));
    case PathId::kEnd:
      return Value::Int(static_cast<int64_t>(span.end_time_unix_nano()));
    case PathId::kAttribute:
      return attr(span.FindAttribute(n.key));
    case PathId::kResourceAttribute:
      return attr(span.resource().FindAttribute(n.key));
    case PathId::kScopeName:
      return Value::View(Value::kString, span.scope().name());
    case PathId::kScopeVersion:
      return Value::View(Value::kString, span.scope().version());
    case PathId::kScopeAttribute:
      return attr(span.scope().FindAttribute(n.key));
    case PathId::kEventName:
      return Value::View(Value::kString, s.event ? s.event->name : absl::string_view());
    case PathId::kEventTime:
      return Value::Int(s.event ? static_cast<int64_t>(s.event->time_unix_nano) : 0);
    case PathId::kEventAttribute:
      return s.event ? attr(otlp::wire::FindKeyValue(s.event->body, 3, n.key)) : Value::Nil();
  }
  return Value::Nil();
}

bool Equal(const Value& a, const Value& b) {
  if (a.kind == Value::kNil || b.kind == Value::kNil) return a.kind == b.kind;
  if (IsNumber(a) && IsNumber(b)) {
    if (a.kind == Value::kInt && b.kind == Value::kInt) return a.i == b.i;
    return AsDouble(a) == AsDouble(b);
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::kBool:
      return a.b == b.b;
    case Value::kString:
    case Value::kBytes:
    case Value::kMap:
    case Value::kList:
      return a.text() == b.text();
    default:
      return false;
  }
}

// -1, 0, 1; nullopt when the two cannot be ordered.
std::optional<int> Order(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    if (a.kind == Value::kInt && b.kind == Value::kInt) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    const double x = AsDouble(a), y = AsDouble(b);
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind == Value::kString && b.kind == Value::kString) {
    const int c = a.text().compare(b.text());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return std::nullopt;
}

absl::StatusOr<Value> Eval(const Node& n, const Scope& s);

absl::StatusOr<bool> EvalBool(const Node& n, const Scope& s) {
  auto v = Eval(n, s);
  if (!v.ok()) return v.status();
  return v->kind == Value::kBool && v->b;
}

absl::StatusOr<Value> Call(const Node& n, const Scope& s) {
  std::vector<Value> args;
  args.reserve(n.args.size());
  for (const auto& a : n.args) {
    auto v = Eval(*a, s);
    if (!v.ok()) return v.status();
    args.push_back(std::move(*v));
  }
  const Value& x = args.empty() ? Value() : args[0];
  switch (n.fn) {
    case Fn::kIsMatch: {
      if (x.kind == Value::kNil) return Value::Bool(false);
      const std::string owned = x.kind == Value::kString ? std::string() : AsText(x);
      absl::string_view text = x.kind == Value::kString ? x.text() : absl::string_view(owned);
      return Value::Bool(RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *n.regex));
    }
    case Fn::kIsString:
      return Value::Bool(x.kind == Value::kString);
    case Fn::kIsInt:
      return Value::Bool(x.kind == Value::kInt);
    case Fn::kIsDouble:
      return Value::Bool(x.kind == Value::kDouble);
    case Fn::kIsBool:
      return Value::Bool(x.kind == Value::kBool);
    case Fn::kIsMap:
      return Value::Bool(x.kind == Value::kMap);
    case Fn::kIsList:
      return Value::Bool(x.kind == Value::kList);
    case Fn::kLen: {
      switch (x.kind) {
        case Value::kString:
        case Value::kBytes:
          return Value::Int(static_cast<int64_t>(x.text().size()));
        case Value::kList:
        case Value::kMap: {
          int64_t count = 0;
          otlp::wire::ForEachField(
              x.view, [&](uint32_t f, uint32_t wt, absl::string_view, absl::string_view) {
                if (f == 1 && wt == 2) ++count;
              });
          return Value::Int(count);
        }
        default:
          return absl::InvalidArgumentError("Len needs a string, bytes, a list or a map");
      }
    }
    case Fn::kInt:
      switch (x.kind) {
        case Value::kInt:
          return x;
        case Value::kDouble:
          if (!(x.d > -9.3e18 && x.d < 9.3e18)) return Value::Nil();
          return Value::Int(static_cast<int64_t>(x.d));
        case Value::kBool:
          return Value::Int(x.b ? 1 : 0);
        case Value::kString: {
          int64_t i = 0;
          double d = 0;
          if (absl::SimpleAtoi(x.text(), &i)) return Value::Int(i);
          if (absl::SimpleAtod(x.text(), &d) && d > -9.3e18 && d < 9.3e18)
            return Value::Int(static_cast<int64_t>(d));
          return Value::Nil();
        }
        default:
          return Value::Nil();
      }
    case Fn::kDouble:
      switch (x.kind) {
        case Value::kInt:
          return Value::Double(static_cast<double>(x.i));
        case Value::kDouble:
          return x;
        case Value::kBool:
          return Value::Double(x.b ? 1 : 0);
        case Value::kString: {
          double d = 0;
          if (absl::SimpleAtod(x.text(), &d)) return Value::Double(d);
          return Value::Nil();
        }
        default:
          return Value::Nil();
      }
    case Fn::kString:
      return Value::Owned(Value::kString, AsText(x));
    case Fn::kConcat: {
      std::vector<std::string> parts;
      for (const Value& e : x.items) parts.push_back(AsText(e));
      return Value::Owned(Value::kString, absl::StrJoin(parts, args[1].text()));
    }
    case Fn::kSubstring: {
      if (x.kind != Value::kString) return absl::InvalidArgumentError("Substring needs a string");
      if (args[1].kind != Value::kInt || args[2].kind != Value::kInt)
        return absl::InvalidArgumentError("Substring needs int start and length");
      const int64_t start = args[1].i, length = args[2].i;
      const int64_t size = static_cast<int64_t>(x.text().size());
      if (start < 0 || length < 0 || start > size || start + length > size) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Substring(", start, ", ", length, ") is outside a string of ", size, " bytes"));
      }
      return Value::Owned(
          Value::kString,
          std::string(x.text().substr(static_cast<size_t>(start), static_cast<size_t>(length))));
    }
    case Fn::kHasPrefix:
    case Fn::kHasSuffix:
      if (x.kind != Value::kString || args[1].kind != Value::kString) return Value::Bool(false);
      return Value::Bool(n.fn == Fn::kHasPrefix ? absl::StartsWith(x.text(), args[1].text())
                                                : absl::EndsWith(x.text(), args[1].text()));
    case Fn::kContains:
      if (x.kind == Value::kString && args[1].kind == Value::kString)
        return Value::Bool(absl::StrContains(x.text(), args[1].text()));
      if (x.kind == Value::kList) {
        bool found = false;
        otlp::wire::ForEachArrayValue(x.view, [&](const AttributeValue& e) {
          if (!found && Equal(FromAttribute(e), args[1])) found = true;
        });
        return Value::Bool(found);
      }
      return Value::Bool(false);
    case Fn::kTraceId:
    case Fn::kSpanId:
      return x;  // folded into a literal at parse time
  }
  return Value::Nil();
}

absl::StatusOr<Value> Eval(const Node& n, const Scope& s) {
  switch (n.op) {
    case Node::kLiteral:
      return n.literal;
    case Node::kList: {
      Value list;
      list.kind = Value::kList;
      for (const auto& a : n.args) {
        auto v = Eval(*a, s);
        if (!v.ok()) return v.status();
        if (v->kind == Value::kString || v->kind == Value::kBytes) {
          *v = Value::Owned(v->kind, std::string(v->text()));
        }
        list.items.push_back(std::move(*v));
      }
      return list;
    }
    case Node::kPath:
      return ReadPath(n, s);
    case Node::kCall:
      return Call(n, s);
    case Node::kCompare: {
      auto a = Eval(*n.args[0], s);
      if (!a.ok()) return a.status();
      auto b = Eval(*n.args[1], s);
      if (!b.ok()) return b.status();
      switch (n.cmp) {
        case Node::kEq:
          return Value::Bool(Equal(*a, *b));
        case Node::kNe:
          return Value::Bool(!Equal(*a, *b));
        default: {
          std::optional<int> o = Order(*a, *b);
          if (!o) return Value::Bool(false);
          const bool r = n.cmp == Node::kLt   ? *o < 0
                         : n.cmp == Node::kLe ? *o <= 0
                         : n.cmp == Node::kGt ? *o > 0
                                              : *o >= 0;
          return Value::Bool(r);
        }
      }
    }
    case Node::kAnd: {
      auto a = EvalBool(*n.args[0], s);
      if (!a.ok() || !*a) return a.ok() ? Value::Bool(false) : absl::StatusOr<Value>(a.status());
      auto b = EvalBool(*n.args[1], s);
      if (!b.ok()) return b.status();
      return Value::Bool(*b);
    }
    case Node::kOr: {
      auto a = EvalBool(*n.args[0], s);
      if (!a.ok()) return a.status();
      if (*a) return Value::Bool(true);
      auto b = EvalBool(*n.args[1], s);
      if (!b.ok()) return b.status();
      return Value::Bool(*b);
    }
    case Node::kNot: {
      auto a = EvalBool(*n.args[0], s);
      if (!a.ok()) return a.status();
      return Value::Bool(!*a);
    }
  }
  return Value::Nil();
}

}  // namespace

absl::StatusOr<Condition> Condition::Parse(absl::string_view text, Context context) {
  auto tokens = Lex(text);
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return absl::InvalidArgumentError("the condition is empty");
  Parser parser(text, std::move(*tokens), context);
  auto root = parser.Run();
  if (!root.ok()) return root.status();
  Condition c;
  c.text_ = std::string(text);
  c.context_ = context;
  c.root_ = std::move(*root);
  return c;
}

absl::StatusOr<bool> Condition::Evaluate(const SpanView& span, const EventView* event) const {
  Scope s{span, event};
  return EvalBool(*root_, s);
}

}  // namespace weir::pipeline::ottl
