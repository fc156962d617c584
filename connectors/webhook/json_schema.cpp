#include "connectors/webhook/json_schema.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <regex>

namespace relais::connectors::webhook {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxErrors = 20;
constexpr std::size_t kMaxMatchedLength = 2048;

std::string type_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_: {
      const double d = v.get_double();
      return d == static_cast<double>(static_cast<long long>(d)) ? "integer" : "number";
    }
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "?";
}

bool has_type(const json::value& v, std::string_view wanted) {
  const std::string t = type_of(v);
  return t == wanted || (wanted == "number" && t == "integer");
}

std::size_t characters(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

std::string escape_pointer(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

double number_of(const json::value& v) {
  if (v.is_int64())
    return static_cast<double>(v.get_int64());
  if (v.is_uint64())
    return static_cast<double>(v.get_uint64());
  return v.is_double() ? v.get_double() : 0.0;
}

bool valid_email(std::string_view s) {
  const auto at = s.rfind('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
         s.find_first_of(" \t\r\n<>,;\"") == std::string_view::npos &&
         s.substr(at + 1).find('.') != std::string_view::npos;
}

bool valid_date_time(std::string_view s) {
  static const std::regex kRfc3339(
      R"(^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$)");
  return std::regex_match(s.begin(), s.end(), kRfc3339);
}

class Validator {
 public:
  std::vector<SchemaError> errors;

  void check(const json::value& schema, const json::value& v, const std::string& at) {
    if (errors.size() >= kMaxErrors || !schema.is_object())
      return;
    const auto& s = schema.as_object();
    if (const auto* t = s.if_contains("type")) {
      bool ok = false;
      std::string names;
      if (t->is_string()) {
        ok = has_type(v, t->as_string());
        names = t->as_string();
      } else if (t->is_array()) {
        for (const auto& one : t->as_array()) {
          ok = ok || has_type(v, one.as_string());
          names += (names.empty() ? "" : " or ") + std::string(one.as_string());
        }
      }
      if (!ok) {
        fail(at, fmt::format("must be {} {}, not {}", article(names), names, type_of(v)));
        return;  // the other keywords would only repeat it
      }
    }
    if (const auto* e = s.if_contains("enum"); e && e->is_array()) {
      const auto& list = e->as_array();
      if (std::find(list.begin(), list.end(), v) == list.end()) {
        std::string allowed;
        for (const auto& x : list)
          allowed += (allowed.empty() ? "" : ", ") + json::serialize(x);
        fail(at, fmt::format("must be one of {}", allowed));
      }
    }
    if (const auto* c = s.if_contains("const"); c && *c != v)
      fail(at, fmt::format("must be {}", json::serialize(*c)));
    if (v.is_string())
      check_string(s, v.as_string(), at);
    if (v.is_number()) {
      if (const auto* m = s.if_contains("minimum"); m && number_of(v) < number_of(*m))
        fail(at, fmt::format("must be at least {}", json::serialize(*m)));
      if (const auto* m = s.if_contains("maximum"); m && number_of(v) > number_of(*m))
        fail(at, fmt::format("must be at most {}", json::serialize(*m)));
    }
    if (v.is_array())
      check_array(s, v.as_array(), at);
    if (v.is_object())
      check_object(s, v.as_object(), at);
    if (const auto* one_of = s.if_contains("oneOf"); one_of && one_of->is_array()) {
      int passing = 0;
      std::vector<SchemaError> first_failure;
      for (const auto& alternative : one_of->as_array()) {
        Validator inner;
        inner.check(alternative, v, at);
        if (inner.errors.empty())
          ++passing;
        else if (first_failure.empty())
          first_failure = inner.errors;
      }
      if (passing == 0) {
        const auto* d = s.if_contains("description");
        fail(at, d && d->is_string() ? std::string(d->as_string())
                                     : "matches none of the allowed forms");
      } else if (passing > 1) {
        fail(at, "matches more than one of the allowed forms");
      }
    }
  }

 private:
  void fail(const std::string& at, std::string message) {
    if (errors.size() < kMaxErrors)
      errors.push_back({at, std::move(message)});
  }

  static std::string article(const std::string& names) {
    return names.starts_with("a") || names.starts_with("i") || names.starts_with("o") ? "an" : "a";
  }

  void check_string(const json::object& s, std::string_view v, const std::string& at) {
    const auto n = characters(v);
    if (const auto* m = s.if_contains("minLength");
        m && n < static_cast<std::size_t>(number_of(*m)))
      fail(at, n == 0 ? std::string("must not be empty")
                      : fmt::format("must be at least {} characters long", json::serialize(*m)));
    bool too_long = false;
    if (const auto* m = s.if_contains("maxLength");
        m && n > static_cast<std::size_t>(number_of(*m))) {
      fail(at, fmt::format("must be at most {} characters long (got {})", json::serialize(*m), n));
      too_long = true;
    }
    // libstdc++'s std::regex recurses per character: a long string could exhaust the stack.
    if (too_long || v.size() > kMaxMatchedLength) {
      if (!too_long && (s.contains("pattern") || s.contains("format")))
        fail(at, fmt::format("is too long to be checked (more than {} bytes)", kMaxMatchedLength));
      return;
    }
    if (const auto* p = s.if_contains("pattern"); p && p->is_string()) {
      const std::regex re(std::string(p->as_string()), std::regex::ECMAScript);
      if (!std::regex_search(v.begin(), v.end(), re))
        fail(at, fmt::format("does not have the expected form ({})", p->as_string()));
    }
    if (const auto* f = s.if_contains("format"); f && f->is_string()) {
      if (f->as_string() == "email" && !valid_email(v))
        fail(at, "must be an e-mail address");
      if (f->as_string() == "date-time" && !valid_date_time(v))
        fail(at, "must be a date and time as in RFC 3339, e.g. 2026-12-01T18:30:00+01:00");
    }
  }

  void check_array(const json::object& s, const json::array& v, const std::string& at) {
    if (const auto* m = s.if_contains("minItems");
        m && v.size() < static_cast<std::size_t>(number_of(*m)))
      fail(at, fmt::format("must hold at least {} item(s)", json::serialize(*m)));
    if (const auto* m = s.if_contains("maxItems");
        m && v.size() > static_cast<std::size_t>(number_of(*m)))
      fail(at, fmt::format("must hold at most {} items (got {})", json::serialize(*m), v.size()));
    if (const auto* items = s.if_contains("items")) {
      for (std::size_t i = 0; i < v.size(); ++i)
        check(*items, v[i], fmt::format("{}/{}", at, i));
    }
  }

  void check_object(const json::object& s, const json::object& v, const std::string& at) {
    const json::object* props = nullptr;
    if (const auto* p = s.if_contains("properties"); p && p->is_object())
      props = &p->as_object();
    if (const auto* r = s.if_contains("required"); r && r->is_array()) {
      for (const auto& name : r->as_array()) {
        if (name.is_string() && !v.contains(name.as_string()))
          fail(at + "/" + escape_pointer(name.as_string()), "is required");
      }
    }
    const auto* additional = s.if_contains("additionalProperties");
    for (const auto& [key, value] : v) {
      const std::string where = at + "/" + escape_pointer(key);
      if (props != nullptr) {
        if (const auto* sub = props->if_contains(key)) {
          check(*sub, value, where);
          continue;
        }
      }
      if (additional != nullptr) {
        if (additional->is_bool() && !additional->as_bool())
          fail(where, "is not a known field");
        else if (additional->is_object())
          check(*additional, value, where);
      }
    }
  }
};

}  // namespace

std::vector<SchemaError> validate(const json::value& schema, const json::value& value) {
  Validator v;
  v.check(schema, value, "");
  return std::move(v.errors);
}

}  // namespace relais::connectors::webhook
