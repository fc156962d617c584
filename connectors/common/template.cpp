// The Mustache-subset parser and renderer. Parsing turns the source into a tree or an
// invalid_input Error with a line number; rendering a parsed tree cannot fail.
#include "connectors/common/template.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <vector>

#include "connectors/common/escape.hpp"
#include "connectors/common/template_tree.hpp"

namespace relais::connectors {
namespace template_detail {
namespace {

constexpr std::size_t kMaxDepth = 64;  // nested sections in one template

struct Token {
  Kind kind = Kind::text;
  std::string text;  // the text, or the tag's name
  int line = 1;
  bool at_line_start = false;  // text tokens: begins at the start of a line
};

Error parse_error(int line, std::string what) {
  return invalid_input(fmt::format("template line {}: {}", line, what));
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

int count_lines(std::string_view s) {
  int n = 0;
  for (char c : s) {
    n += c == '\n';
  }
  return n;
}

Result<std::vector<std::string>> split_name(std::string_view name, int line) {
  if (name.empty()) {
    return parse_error(line, "empty tag name");
  }
  if (name == ".") {
    return std::vector<std::string>{"."};
  }
  std::vector<std::string> parts;
  std::string part;
  for (char c : name) {
    if (c == '.') {
      if (part.empty()) {
        return parse_error(line, fmt::format("malformed name '{}'", name));
      }
      parts.push_back(std::move(part));
      part.clear();
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-') {
      part += c;
    } else {
      return parse_error(line, fmt::format("invalid character in name '{}'", name));
    }
  }
  if (part.empty()) {
    return parse_error(line, fmt::format("malformed name '{}'", name));
  }
  parts.push_back(std::move(part));
  return parts;
}

Result<std::vector<Token>> tokenize(std::string_view src) {
  std::vector<Token> tokens;
  int line = 1;
  std::size_t pos = 0;
  bool line_start = true;
  while (pos < src.size()) {
    std::size_t open = src.find("{{", pos);
    if (open == std::string_view::npos) {
      open = src.size();
    }
    if (open > pos) {
      std::string_view text = src.substr(pos, open - pos);
      tokens.push_back({Kind::text, std::string(text), line, line_start});
      line += count_lines(text);
    }
    if (open == src.size()) {
      break;
    }
    const int tag_line = line;
    bool triple = open + 2 < src.size() && src[open + 2] == '{';
    std::size_t body_start = open + (triple ? 3 : 2);
    std::string_view closer = triple ? "}}}" : "}}";
    std::size_t close = src.find(closer, body_start);
    if (close == std::string_view::npos) {
      return parse_error(tag_line, "tag opened with '{{' is never closed");
    }
    std::string_view body = src.substr(body_start, close - body_start);
    line += count_lines(body);
    pos = close + closer.size();
    line_start = false;

    Token tok{Kind::var, {}, tag_line, false};
    if (triple) {
      tok.kind = Kind::raw;
    } else if (!body.empty()) {
      switch (body.front()) {
        case '#':
          tok.kind = Kind::section;
          break;
        case '^':
          tok.kind = Kind::inverted;
          break;
        case '/':
          tok.kind = Kind::close;
          break;
        case '!':
          tok.kind = Kind::comment;
          break;
        case '&':
          tok.kind = Kind::raw;
          break;
        case '>':
          return parse_error(tag_line, "partials ({{>name}}) are not supported");
        case '=':
          return parse_error(tag_line, "delimiter changes ({{=..=}}) are not supported");
        default:
          break;
      }
      if (tok.kind != Kind::var && !triple) {
        body.remove_prefix(1);
      }
    }
    if (tok.kind != Kind::comment) {
      tok.text = std::string(trim(body));
      if (tok.text.empty()) {
        return parse_error(tag_line, "empty tag name");
      }
    }
    tokens.push_back(std::move(tok));
  }
  return tokens;
}

bool standalone_kind(Kind k) {
  return k == Kind::section || k == Kind::inverted || k == Kind::close || k == Kind::comment;
}

// Mustache's standalone rule: a section, inverted, close or comment tag alone on its line removes
// that line's leading whitespace and its line ending, so that templates can be indented freely.
void strip_standalone(std::vector<Token>& tokens) {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (!standalone_kind(tokens[i].kind)) {
      continue;
    }
    bool left = i == 0;
    std::size_t left_cut = 0;
    if (i > 0 && tokens[i - 1].kind == Kind::text) {
      const std::string& t = tokens[i - 1].text;
      std::size_t nl = t.rfind('\n');
      std::size_t from = nl == std::string::npos ? 0 : nl + 1;
      bool blank = true;
      for (std::size_t k = from; k < t.size(); ++k) {
        blank = blank && is_blank(t[k]);
      }
      left = blank && (nl != std::string::npos || tokens[i - 1].at_line_start);
      left_cut = from;
    }
    if (!left) {
      continue;
    }
    bool right = i + 1 == tokens.size();
    std::size_t right_cut = 0;
    if (i + 1 < tokens.size() && tokens[i + 1].kind == Kind::text) {
      const std::string& t = tokens[i + 1].text;
      std::size_t k = 0;
      while (k < t.size() && is_blank(t[k])) {
        ++k;
      }
      if (k < t.size() && t[k] == '\r' && k + 1 < t.size() && t[k + 1] == '\n') {
        right = true;
        right_cut = k + 2;
      } else if (k < t.size() && t[k] == '\n') {
        right = true;
        right_cut = k + 1;
      } else if (k == t.size() && i + 2 == tokens.size()) {
        right = true;
        right_cut = k;
      }
    }
    if (!right) {
      continue;
    }
    if (i > 0 && tokens[i - 1].kind == Kind::text) {
      tokens[i - 1].text.resize(left_cut);
    }
    if (i + 1 < tokens.size() && tokens[i + 1].kind == Kind::text) {
      tokens[i + 1].text.erase(0, right_cut);
      tokens[i + 1].at_line_start = true;
    }
  }
}

}  // namespace

Result<std::vector<Node>> parse(std::string_view src) {
  auto tokens = tokenize(src);
  if (!tokens) {
    return tokens.error();
  }
  strip_standalone(*tokens);

  std::vector<Node> root;
  std::vector<Node> open;  // sections being filled, innermost last
  auto current = [&]() -> std::vector<Node>& { return open.empty() ? root : open.back().children; };
  for (Token& tok : *tokens) {
    switch (tok.kind) {
      case Kind::text:
        if (!tok.text.empty()) {
          current().push_back({Kind::text, std::move(tok.text), {}, {}, tok.line});
        }
        break;
      case Kind::comment:
        break;
      case Kind::var:
      case Kind::raw:
      case Kind::section:
      case Kind::inverted: {
        auto path = split_name(tok.text, tok.line);
        if (!path) {
          return path.error();
        }
        Node node{tok.kind, tok.text, std::move(*path), {}, tok.line};
        if (tok.kind == Kind::section || tok.kind == Kind::inverted) {
          if (open.size() >= kMaxDepth) {
            return parse_error(tok.line, "sections nested too deeply");
          }
          open.push_back(std::move(node));
        } else {
          current().push_back(std::move(node));
        }
        break;
      }
      case Kind::close: {
        if (open.empty()) {
          return parse_error(tok.line, fmt::format("{{{{/{}}}}} closes no open section", tok.text));
        }
        if (open.back().text != tok.text) {
          return parse_error(
              tok.line, fmt::format("{{{{/{}}}}} does not match section '{}' opened on line {}",
                                    tok.text, open.back().text, open.back().line));
        }
        Node done = std::move(open.back());
        open.pop_back();
        current().push_back(std::move(done));
        break;
      }
    }
  }
  if (!open.empty()) {
    return parse_error(open.back().line,
                       fmt::format("section '{}' is never closed", open.back().text));
  }
  return root;
}

// Replaces every control character (C0, DEL, C1 and the Unicode line/paragraph separators) with a
// space, so that a value can never start a new header line.
namespace {

std::string header_escape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else if (c == 0xc2 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(in[i + 1]) <= 0x9f) {
      out += ' ';
      ++i;
    } else if (c == 0xe2 && i + 2 < in.size() && in[i + 1] == '\x80' &&
               (in[i + 2] == '\xa8' || in[i + 2] == '\xa9')) {
      out += ' ';
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string to_text(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string:
      return std::string(v.get_string());
    case boost::json::kind::int64:
      return std::to_string(v.get_int64());
    case boost::json::kind::uint64:
      return std::to_string(v.get_uint64());
    case boost::json::kind::double_:
      return fmt::format("{}", v.get_double());
    case boost::json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    default:
      return {};
  }
}

bool truthy(const boost::json::value* v) {
  if (v == nullptr) {
    return false;
  }
  switch (v->kind()) {
    case boost::json::kind::null:
      return false;
    case boost::json::kind::bool_:
      return v->get_bool();
    case boost::json::kind::int64:
      return v->get_int64() != 0;
    case boost::json::kind::uint64:
      return v->get_uint64() != 0;
    case boost::json::kind::double_:
      return v->get_double() != 0.0;
    case boost::json::kind::string:
      return !v->get_string().empty();
    case boost::json::kind::array:
      return !v->get_array().empty();
    case boost::json::kind::object:
      return true;
  }
  return false;
}

class Renderer {
 public:
  Renderer(Escape escape, std::string& out) : escape_(escape), out_(out) {}

  void render(const std::vector<Node>& nodes, std::vector<const boost::json::value*>& stack) {
    for (const Node& n : nodes) {
      switch (n.kind) {
        case Kind::text:
          out_ += n.text;
          break;
        case Kind::var:
        case Kind::raw: {
          const boost::json::value* v = lookup(n.path, stack);
          if (v != nullptr) {
            write(to_text(*v), n.kind == Kind::raw);
          }
          break;
        }
        case Kind::section: {
          const boost::json::value* v = lookup(n.path, stack);
          if (!truthy(v)) {
            break;
          }
          if (v->is_array()) {
            for (const boost::json::value& item : v->get_array()) {
              stack.push_back(&item);
              render(n.children, stack);
              stack.pop_back();
            }
          } else {
            stack.push_back(v);
            render(n.children, stack);
            stack.pop_back();
          }
          break;
        }
        case Kind::inverted:
          if (!truthy(lookup(n.path, stack))) {
            render(n.children, stack);
          }
          break;
        case Kind::close:
        case Kind::comment:
          break;
      }
    }
  }

 private:
  static const boost::json::value* lookup(const std::vector<std::string>& path,
                                          const std::vector<const boost::json::value*>& stack) {
    if (path.size() == 1 && path[0] == ".") {
      return stack.back();
    }
    const boost::json::value* found = nullptr;
    for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
      if (const auto* obj = (*it)->if_object()) {
        if (const auto* v = obj->if_contains(path[0])) {
          found = v;
          break;
        }
      }
    }
    for (std::size_t i = 1; found != nullptr && i < path.size(); ++i) {
      found = child(*found, path[i]);
    }
    return found;
  }

  // A member of an object, or an item of an array by its decimal index ("list.0": "is there a
  // first item?", for a heading shown only above a non-empty list).
  static const boost::json::value* child(const boost::json::value& v, const std::string& part) {
    if (const auto* obj = v.if_object()) {
      return obj->if_contains(part);
    }
    const auto* arr = v.if_array();
    if (arr == nullptr || part.empty() || part.size() > 9 ||
        part.find_first_not_of("0123456789") != std::string::npos) {
      return nullptr;
    }
    std::size_t index = std::stoul(part);
    return index < arr->size() ? &(*arr)[index] : nullptr;
  }

  void write(const std::string& s, bool raw) {
    if (raw) {
      out_ += s;
      return;
    }
    switch (escape_) {
      case Escape::html:
        out_ += html_escape(s);
        break;
      case Escape::text:
        out_ += s;
        break;
      case Escape::header:
        out_ += header_escape(s);
        break;
    }
  }

  Escape escape_;
  std::string& out_;
};

}  // namespace

std::string render_nodes(const std::vector<Node>& nodes, const boost::json::value& context,
                         Escape escape) {
  std::string out;
  std::vector<const boost::json::value*> stack{&context};
  Renderer(escape, out).render(nodes, stack);
  return out;
}

}  // namespace template_detail

using template_detail::parse;
using template_detail::render_nodes;

Result<std::string> render_template(std::string_view tmpl, const boost::json::value& context,
                                    Escape escape) {
  auto nodes = parse(tmpl);
  if (!nodes) {
    return nodes.error();
  }
  return render_nodes(*nodes, context, escape);
}

Result<void> check_template(std::string_view tmpl) {
  auto nodes = parse(tmpl);
  if (!nodes) {
    return nodes.error();
  }
  return {};
}

}  // namespace relais::connectors
