// The blocking part (hashing, fsync, MIME parsing) runs on the worker pool; the database
// part runs on the writer; the I/O thread only awaits both.
#include "daemon/intake.hpp"

#include "workflow/ascii.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "connectors/email/mime_reader.hpp"
#include "daemon/automatic_mail.hpp"
#include "daemon/inbound_policy.hpp"
#include "daemon/mail_answers.hpp"
#include "workflow/auto_reply.hpp"
#include "workflow/checks.hpp"
#include "workflow/declaration.hpp"
#include "workflow/image_pipeline.hpp"
#include "workflow/submission.hpp"

namespace relais::daemon {
namespace email = connectors::email;
using workflow::TimePoint;

namespace {

struct StoredAttachment {
  std::string sha256;
  std::string content_type;
  std::string filename;
  std::int64_t size = 0;
  std::optional<workflow::ImageHashes> hashes;
};

struct Prepared {
  std::string sha256;
  std::size_t size = 0;
  std::optional<email::ParsedMail> mail;
  std::string parse_error;
  std::vector<StoredAttachment> attachments;
  std::string storage_error;
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

// A mail sent to an address outside any request (refusal, takedown acknowledgement).
workflow::OutboxRow standalone_mail(std::string_view name, std::string_view to,
                                    boost::json::object context, std::string_view key,
                                    TimePoint at) {
  workflow::OutboxRow row;
  row.effect_key = std::string(key);
  row.kind = workflow::EffectKind::mail;
  row.payload = boost::json::serialize(
      boost::json::object{{"name", name}, {"recipient", to}, {"context", std::move(context)}});
  row.due_at = at;
  return row;
}

}  // namespace

// Persons of the consent registry the agent names ("Personnes : Léa Dupont") appear in the
// request: the link is what lets a later revocation of their consent find it.
void link_named_persons(workflow::Store& store, std::int64_t request_id, std::string_view text,
                        const std::string& actor, TimePoint at) {
  for (const auto& [person, how] : store.persons_named_in(text, "")) {
    if (store.link_person({person, request_id, std::nullopt, "declaration", at}, actor))
      spdlog::info("intake person linked request_id={} person={}", request_id, person);
  }
}

boost::asio::awaitable<email::Reply> Intake::deliver(email::Envelope env, std::string raw) {
  const workflow::ImageLimits limits{s_.config.images.max_pixels, s_.config.mail.max_message_bytes};
  auto job0 = [this, raw = std::move(raw), limits]() {
    Prepared p;
    p.size = raw.size();
    auto sha = s_.messages.put(raw);
    if (!sha) {
      p.storage_error = sha.error().message;
      return p;
    }
    p.sha256 = *sha;
    auto parsed = email::parse_mail(raw);
    if (!parsed) {
      p.parse_error = parsed.error().message;
      return p;
    }
    for (auto& a : parsed->attachments) {
      auto stored = s_.media.put(a.data);
      if (!stored) {
        p.storage_error = stored.error().message;
        return p;
      }
      // Every accepted image is hashed, so that a later takedown can find it and so that a
      // barred photo is recognised; a file that does not decode simply has no hashes.
      std::optional<workflow::ImageHashes> hashes;
      if (auto h = workflow::hash_image(a.data, limits))
        hashes = *h;
      p.attachments.push_back(
          {*stored, a.content_type, a.filename, static_cast<std::int64_t>(a.data.size()), hashes});
      a.data.clear();
      a.data.shrink_to_fit();
    }
    p.mail = std::move(parsed.value());
    return p;
  };
  Prepared p = co_await on_pool(s_.pool, job0);

  if (!p.storage_error.empty()) {
    spdlog::error("intake storage failed bytes={} error=\"{}\"", p.size, p.storage_error);
    ++s_.metrics.mail_tempfail;
    co_return email::Reply{451, "4.3.0 Temporary local problem, please try again later"};
  }

  if (env.sender_in_headers && p.mail)
    env.mail_from = p.mail->return_path.value_or(p.mail->from_address);
  const auto& cfg = s_.config;
  std::optional<email::Reply> outcome;
  try {
    auto job1 = [&, at = workflow::now_ms()](workflow::Store& store) -> email::Reply {
      const std::string message_id = p.mail ? p.mail->message_id : std::string();
      if (auto seen = store.find_inbound(p.sha256, message_id)) {
        ++s_.metrics.mail_duplicate;
        std::string ref;
        if (seen->request_id) {
          if (auto r = store.load_request(*seen->request_id))
            ref = r->reference;
        }
        spdlog::info("intake duplicate sha256={} request={}", p.sha256.substr(0, 12), ref);
        return {250, ref.empty() ? "2.0.0 Already received" : "2.0.0 Already received as " + ref};
      }
      workflow::InboundMessage in{
          p.sha256, message_id, std::nullopt, "", env.mail_from, join(env.recipients), at};
      if (!p.mail) {
        store.insert_quarantine(
            {0, p.sha256, static_cast<std::int64_t>(p.size), p.parse_error, env.remote, at});
        in.kind = "quarantined";
        store.insert_inbound(in);
        ++s_.metrics.mail_quarantined;
        spdlog::warn("intake quarantined sha256={} bytes={} reason=\"{}\"", p.sha256.substr(0, 12),
                     p.size, p.parse_error);
        return {250, "2.0.0 Kept for review by an administrator"};
      }
      const auto& m = *p.mail;

      std::optional<std::int64_t> thread_request = store.request_of_message(m.in_reply_to);
      for (auto it = m.references.rbegin(); !thread_request && it != m.references.rend(); ++it) {
        thread_request = store.request_of_message(*it);
      }
      if (!thread_request) {
        if (auto ref = reference_in(m.subject)) {
          if (auto r = store.find_request(*ref))
            thread_request = r->id;
        }
      }
      // A takedown requester answering our mail: by the thread, or by the case's reference in
      // the subject when the mail comes from the requester's own address.
      std::optional<std::int64_t> found_case = store.case_of_thread(m.in_reply_to);
      for (auto it = m.references.rbegin(); !found_case && it != m.references.rend(); ++it)
        found_case = store.case_of_thread(*it);
      if (!found_case) {
        if (auto ref = reference_in(m.subject, "DI")) {
          if (auto c = store.find_case(*ref))
            found_case = c->id;
        }
      }
      // Only the requester writes into their case (someone in copy of the first mail, or
      // quoting a case number, opens a case of their own). The header From can be forged:
      // it never confirms an address, only the confirmation link does.
      std::int64_t thread_case = 0;
      if (found_case) {
        auto c = store.load_case(*found_case);
        if (c && relais::iequals(c->requester, m.from_address))
          thread_case = c->id;
      }
      const bool from_referent = is_referent_address(cfg.referent, m.from_address);
      // An out-of-office reply without the headers that say so is known by its subject, when
      // it answers one of our mails or comes from the referent: never answer it.
      const bool automatic =
          email::is_automatic(m) || (workflow::is_out_of_office(m.auto_submitted, m.subject) &&
                                     (thread_request || found_case || from_referent));
      InboundFacts facts{
          env.mail_from,    env.recipients, m.from_address, automatic, thread_request.has_value(),
          thread_case != 0, from_referent};
      const auto kind = classify(facts, cfg.mail.takedown_address, cfg.mail.allowed_senders);
      in.kind = std::string(to_string(kind));

      switch (kind) {
        case InboundKind::automatic:
          in.request_id = thread_request;
          store.insert_inbound(in);
          spdlog::info("intake automatic sha256={}", p.sha256.substr(0, 12));
          took_automatic_mail(store, s_, m, "in:" + p.sha256, at);
          return {250, "2.0.0 Ok"};
        case InboundKind::refused:
          store.insert_inbound(in);
          store.enqueue(standalone_mail("refused_sender", m.from_address,
                                        {{"subject", m.subject}, {"address", m.from_address}},
                                        "in:" + p.sha256 + ":refused", at));
          ++s_.metrics.mail_refused;
          spdlog::info("intake refused sender not allowed sha256={}", p.sha256.substr(0, 12));
          return {250, "2.0.0 Ok: the sender will be told why"};
        case InboundKind::takedown:
        case InboundKind::case_reply: {
          store.insert_inbound(in);
          workflow::CaseDraft draft;
          draft.origin = "mail";
          draft.requester = m.from_address;
          draft.requester_name = m.from_name;
          draft.subject = m.subject;
          draft.text = m.text;
          draft.language = cfg.general.language;
          draft.message_id = m.message_id;
          draft.email_confirmed = true;  // the answers go to the address the mail came from
          draft.actor = "requester:" + m.from_address;
          draft.source = "mail:" + m.message_id;
          for (const auto& a : p.attachments)
            draft.evidence.push_back({a.sha256, a.content_type, a.filename, a.size, a.hashes});
          ++s_.metrics.mail_accepted;
          if (kind == InboundKind::case_reply) {
            if (auto c = s_.cases.requester_wrote(store, thread_case, draft, at))
              return {250, "2.0.0 Ok: added to " + c->reference};
          }
          auto opened = s_.cases.open(store, draft, at);
          return {250, "2.0.0 Ok: " + opened.takedown.reference};
        }
        case InboundKind::referent_answer: {
          in.request_id = thread_request;
          store.insert_inbound(in);
          ++s_.metrics.mail_accepted;
          return referent_answered(store, s_, {m, *thread_request, "in:" + p.sha256}, at);
        }
        case InboundKind::reply: {
          in.request_id = thread_request;
          store.insert_inbound(in);
          auto request = store.load_request(*thread_request);
          if (!iequals(m.from_address, request->sender) &&
              refuse_decision_by_others(store, s_, {m, request->id, "in:" + p.sha256}, at)) {
            ++s_.metrics.mail_accepted;
            return {250, "2.0.0 Ok: only the referent decides; the sender will be told why"};
          }
          const bool amends =
              m.from_address == request->sender && request->state == workflow::State::needs_changes;
          auto media = store.media_of(request->id);
          int position = static_cast<int>(media.size());
          // New photos in an answer to a request for changes replace the previous ones (the
          // mail asking for changes says so); consent forms add to the evidence.
          const bool new_photos =
              std::any_of(p.attachments.begin(), p.attachments.end(), [](const auto& a) {
                return workflow::is_publishable_media(a.content_type) &&
                       !workflow::is_consent_form(a.filename, a.content_type);
              });
          if (amends && new_photos) {
            for (const auto& old : media) {
              if (workflow::is_publishable_media(old.content_type) &&
                  !workflow::is_consent_form(old.filename, old.content_type))
                store.drop_media(old.id);
            }
          }
          for (const auto& a : p.attachments) {
            store.insert_media({0, request->id, position++, a.sha256, a.content_type, a.filename,
                                a.size, a.hashes});
          }
          link_named_persons(store, request->id, m.text, "agent:" + m.from_address, at);
          workflow::Event e;
          e.kind = workflow::EventKind::agent_replied;
          e.at = at;
          e.actor = "agent:" + m.from_address;
          e.source = "mail:" + m.message_id;
          const auto fields = workflow::read_body_fields(m.text);
          if (!fields.text.empty())
            e.text = fields.text;
          if (!fields.author.empty())
            e.author = fields.author;
          e.declaration =
              workflow::Declaration{fields.people, fields.consent, fields.date, fields.networks};
          if (amends) {
            auto handled = s_.engine.handle(store, request->id, e);
            if (handled.applied)
              ++s_.metrics.transitions;
          } else {
            spdlog::info("intake reply kept request={} state={} from_agent={}", request->reference,
                         to_string(request->state), m.from_address == request->sender);
          }
          ++s_.metrics.mail_accepted;
          return {250, "2.0.0 Ok: added to " + request->reference};
        }
        case InboundKind::submission: {
          const auto fields = workflow::read_body_fields(m.text);
          workflow::Request draft;
          draft.sender = m.from_address;
          draft.sender_name = m.from_name;
          draft.subject = m.subject;
          draft.text = fields.text;
          draft.author = fields.author;
          draft.declaration = {fields.people, fields.consent, fields.date, fields.networks};
          draft.language = cfg.general.language;
          draft.thread_id = m.message_id;
          workflow::Event e;
          e.kind = workflow::EventKind::submitted;
          e.at = at;
          e.actor = "agent:" + m.from_address;
          e.source = "mail:" + m.message_id;
          auto request = s_.engine.create(store, draft, e);
          int position = 0;
          for (const auto& a : p.attachments) {
            store.insert_media({0, request.id, position++, a.sha256, a.content_type, a.filename,
                                a.size, a.hashes});
          }
          in.request_id = request.id;
          store.insert_inbound(in);
          link_named_persons(store, request.id, m.subject + "\n" + m.text, e.actor, at);
          ++s_.metrics.mail_accepted;
          ++s_.metrics.transitions;
          spdlog::info("intake submission request={} attachments={} bytes={}", request.reference,
                       p.attachments.size(), p.size);
          return {250, "2.0.0 Ok: " + request.reference};
        }
      }
      return {451, "4.3.0 Unexpected"};
    };
    outcome = co_await s_.writer.run(job1);
  } catch (const std::exception& e) {
    spdlog::error("intake commit failed sha256={} error=\"{}\"", p.sha256.substr(0, 12), e.what());
  }
  if (!outcome) {
    ++s_.metrics.mail_tempfail;
    co_return email::Reply{451, "4.3.0 Temporary local problem, please try again later"};
  }
  if (s_.wake_dispatcher)
    s_.wake_dispatcher();
  co_return *outcome;
}

}  // namespace relais::daemon
