// An event that may move a request: what happened, who did it, from which message or link.
// Everything the machine needs (time included) comes in here or in the Policy, never from a
// clock or the store, so apply() stays pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "workflow/request.hpp"

namespace relais::workflow {

struct Event {
  EventKind kind = EventKind::submitted;
  TimePoint at{};
  std::string actor;   // "agent:a@example.org", "referent:r@example.org", "timer", "channel:site"
  std::string source;  // "mail:<message-id>", "link:<token id>", "cli", "timer:<id>", "outbox:<id>"

  std::string channel;   // channel events
  std::string post_id;   // channel_published
  std::string post_url;  // channel_published
  std::string reason;    // reject, request_changes, channel_failed, takedown, withdraw

  std::vector<Finding> findings;           // checks_done
  std::vector<std::string> channels;       // approve: chosen channels (empty: the proposed ones)
  std::optional<TimePoint> publish_at;     // approve: chosen time (empty: policy delay)
  bool election_confirmed = false;         // approve: pre-election period approval confirmed
  std::vector<int> dropped_media;          // approve: photos the referent unticked (positions)
  std::optional<std::string> text;         // approve: edited text; agent_replied: new text
  std::optional<std::string> author;       // agent_replied: the photos' author, when given
  std::optional<Declaration> declaration;  // agent_replied: its non-empty fields replace
  std::string finding_code;                // override_finding: the finding lifted (reason above)
  std::vector<std::string> contested;      // agent_replied: codes the agent asks the referent
                                           // to lift, explained in `reason`
};

}  // namespace relais::workflow
