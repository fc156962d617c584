// A mail effect made concrete: who it goes to, which template, the values the template shows
// and the thread headers. Prepared inside a writer job (it may issue a link token, whose hash
// must commit before the link leaves), then rendered and sent on the worker pool.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.hpp"
#include "daemon/services.hpp"

namespace relais::daemon {

// A photo or a video the HTML part shows as a small picture (cid:), made when the mail is
// rendered from the stored file: never the original.
struct InlinePicture {
  std::string sha256;
  std::string filename;
  std::string content_id;
  bool video = false;  // its poster frame
};

struct MailJob {
  std::string template_name;
  std::string language = "fr";
  std::vector<std::string> to;
  boost::json::object context;
  std::string effect_key;  // of its outbox row
  std::string message_id;  // stable for the effect: a resend has the same id
  std::string in_reply_to;
  std::vector<std::string> references;
  std::optional<std::int64_t> request_id;
  std::int64_t version = 0;                  // of the request, when the mail is about one
  bool follow_up = false;                    // a reminder or an escalation of a decision request
  std::optional<std::int64_t> answers_case;  // sending it answers this takedown case
  std::string token_hash;  // the decision token its links carry: a reply in its thread uses it
  std::vector<InlinePicture> pictures;  // HTML part only
  std::string skip_reason;              // non-empty: nothing to send (e.g. no valid recipient)
  bool obsolete = false;                // about a decision already taken: done without sending
  std::optional<workflow::TimePoint> held_until;  // outside the recipient's working hours
};

// Returns the job unsent and without links when the recipient is outside working hours
// (held_until) and the mail may wait for them.
MailJob prepare_mail(workflow::Store& store, const workflow::OutboxRow& row, const Services& s,
                     workflow::TimePoint now);

// The referent's address, or the backup's while the referent is away (and the backup is not).
std::string referent_on_duty(workflow::Store& store, const ReferentConfig& r,
                             workflow::TimePoint at);

// Renders and builds the message (worker pool).
Result<connectors::OutgoingMail> render_mail_job(const MailJob& job, const Services& s);

// The values every page and mail shows about a request.
boost::json::object request_context(const workflow::Request& r,
                                    const std::vector<workflow::MediaRow>& media,
                                    const Services& s);

}  // namespace relais::daemon
