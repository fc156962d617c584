// The case is opened in one transaction with the removal effects; relaisd's dispatcher picks
// them up from the outbox (it polls), so the command works whether or not relaisd is running.
#include "daemon/ctl_takedown.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "daemon/ctl_args.hpp"
#include "daemon/ctl_render.hpp"
#include "daemon/ctl_store.hpp"
#include "daemon/policy_from_config.hpp"
#include "workflow/address.hpp"
#include "workflow/ascii.hpp"
#include "workflow/case_desk.hpp"

namespace relais::daemon {
namespace json = boost::json;
using workflow::Store;

namespace {

constexpr std::size_t kReasonMax = 5000;

}  // namespace

int ctl_takedown(const Config& config, const CtlArgs& args, const CtlOptions& opts,
                 std::ostream& out, std::ostream& err) {
  auto p = parse_ctl_args("takedown", args, {"--reason", "--requester"}, opts, err);
  if (!p || !one_positional("takedown", *p, "one ID", err))
    return 2;
  const std::string& id = p->positional[0];
  const auto* reason = value_of(*p, "--reason");
  if (reason && (is_blank(*reason) || reason->size() > kReasonMax)) {
    err << fmt::format("relaisctl takedown: --reason must be 1 to {} bytes of text\n", kReasonMax);
    return 2;
  }
  std::string requester;
  if (const auto* r = value_of(*p, "--requester")) {
    requester = lower(trim(*r));
    if (!workflow::plausible_address(requester)) {
      err << "relaisctl takedown: --requester must be a plain address such as lea@example.org\n";
      return 2;
    }
  }
  const auto now = now_of(opts);
  const std::string actor = opts.actor.empty() ? "cli" : opts.actor;
  return with_store_for_writing(config, out, err, [&](Store& store, std::ostream& result) {
    const auto request = store.find_request(id);
    if (!request) {
      err << "no request " << terminal_text(id, 80) << '\n';
      return 1;
    }
    if (!workflow::is_live(request->state)) {
      err << fmt::format(
          "refused: {} is {}; only a scheduled or published request can be "
          "taken down (nothing changed)\n",
          request->reference, workflow::to_string(request->state));
      return 1;
    }
    workflow::CaseDraft draft;
    draft.origin = "cli";
    draft.requester = requester;
    draft.email_confirmed = true;  // typed by the administrator, who vouches for it
    draft.language = config.general.language;
    draft.subject = fmt::format("Retrait de {}", request->reference);
    draft.text = reason ? *reason : std::string();
    draft.actor = actor;
    draft.source = "cli";
    draft.requests = {request->id};
    workflow::Engine engine(make_policy(config));
    workflow::CaseDesk desk(engine, make_case_settings(config));
    const auto opened = desk.open(store, draft, now);
    const auto after = store.load_request(request->id);
    const auto& c = opened.takedown;
    if (opts.json) {
      print_json(result, json::object{{"case", c.reference},
                                      {"case_state", workflow::to_string(c.state)},
                                      {"request", request_json(*after)}});
    } else {
      result << fmt::format("case {} opened ({}); {}: {} -> {}\n", c.reference,
                            workflow::to_string(c.state), request->reference,
                            workflow::to_string(request->state), workflow::to_string(after->state));
      if (!config.takedown.automatic)
        result << "takedown.automatic is off: the referent confirms the removal from the case "
                  "mail\n";
    }
    return 0;
  });
}

}  // namespace relais::daemon
