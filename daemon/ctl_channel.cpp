#include "daemon/ctl_channel.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include "daemon/ctl_args.hpp"
#include "daemon/ctl_render.hpp"
#include "daemon/publishers.hpp"

namespace relais::daemon {
namespace json = boost::json;

namespace {

const ChannelConfig* channel_named(const Config& config, std::string_view name) {
  for (const auto& c : config.channels) {
    if (c.name == name)
      return &c;
  }
  return nullptr;
}

int list_channels(const Config& config, const CtlOptions& opts, std::ostream& out) {
  if (opts.json) {
    json::array rows;
    for (const auto& c : config.channels)
      rows.push_back(json::object{{"channel", c.name}, {"type", c.type}});
    print_json(out, rows);
    return 0;
  }
  for (const auto& c : config.channels)
    out << fmt::format("{:<16} {}\n", c.name, c.type);
  return 0;
}

int test_channel(const Config& config, const ChannelConfig& channel, const CtlOptions& opts,
                 std::ostream& out, std::ostream& err) {
  std::shared_ptr<connectors::http::Client> http;
  auto publisher = make_publisher(config, channel, http);
  Result<std::string> said =
      publisher ? (*publisher)->check() : Result<std::string>(publisher.error());
  std::optional<std::chrono::system_clock::time_point> expires;
  if (publisher)
    expires = (*publisher)->credentials_expire_at();
  const std::string until =
      expires ? fmt::format("{:%Y-%m-%d}", std::chrono::floor<std::chrono::seconds>(*expires))
              : std::string();
  if (opts.json) {
    json::object row{{"channel", channel.name}, {"type", channel.type}, {"ok", said.ok()}};
    row[said.ok() ? "said" : "error"] = said.ok() ? *said : said.error().message;
    if (expires)
      row["credentials_expire"] = until;
    print_json(out, row);
    return said.ok() ? 0 : 1;
  }
  if (!said) {
    err << fmt::format("{} ({}): FAILED: {}\n", channel.name, channel.type,
                       terminal_text(said.error().message, 2000));
    return 1;
  }
  out << fmt::format("{} ({}): OK: {}\n", channel.name, channel.type, terminal_text(*said, 2000));
  if (expires)
    out << fmt::format("  the credentials expire on {} (UTC)\n", until);
  return 0;
}

}  // namespace

int ctl_channel(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                std::ostream& out, std::ostream& err) {
  auto p = parse_ctl_args("channel", args, {}, opts, err);
  if (!p)
    return 2;
  const auto& words = p->positional;
  if (words.size() == 1 && words[0] == "list")
    return list_channels(config, opts, out);
  if (words.size() == 2 && words[0] == "test") {
    const auto* channel = channel_named(config, words[1]);
    if (!channel) {
      err << "no channel " << terminal_text(words[1], 80) << " (relaisctl channel list)\n";
      return 1;
    }
    return test_channel(config, *channel, opts, out, err);
  }
  err << "usage: relaisctl channel list | relaisctl channel test NAME\n";
  return 2;
}

}  // namespace relais::daemon
