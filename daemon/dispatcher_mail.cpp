// The dispatcher's mail and chat effects: a mail alone or, for what was held for one person's
// working hours, one digest (daemon/digest); reminders and chat rows follow a decision request
// that went (daemon/chat_job).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/chat_job.hpp"
#include "daemon/digest.hpp"
#include "daemon/dispatcher.hpp"
#include "daemon/local_time.hpp"
#include "daemon/mail_job.hpp"

namespace relais::daemon {
using namespace workflow;
namespace asio = boost::asio;

namespace {

// A mail ready to go, alone or with what was held for the same person.
struct Prepared {
  MailJob lead;
  std::vector<DigestItem> others;  // held for the same person: one digest with the lead
  bool done = false;               // held or obsolete: nothing to send now
};

// Rendering and sending apart: a mail that cannot be rendered is its own row's problem (the rows
// its digest carried go their own way); a send that fails is the whole digest's.
struct Attempt {
  std::optional<Error> unrendered;  // the lead, or the digest, could not be rendered
  std::optional<Error> unsent;
};

}  // namespace

asio::awaitable<void> Dispatcher::send_mail(const OutboxRow& row) {
  auto job5 = [this, row](Store& store) {
    Prepared p;
    const auto t = workflow::now_ms();
    if (!row.held_for.empty()) {
      // Held rows may be carried by another's digest since they were claimed.
      const auto current = store.pending_outbox(row.id);
      if (!current) {
        p.done = true;
        return p;
      }
      if (current->digest_of && *current->digest_of != row.id) {
        if (store.pending_outbox(*current->digest_of)) {
          p.done = true;  // its digest's lead sends it
          return p;
        }
        store.leave_digest(row.id, t);  // that lead is gone: on its own now
      }
    }
    p.lead = prepare_mail(store, row, s_, t);
    if (p.lead.obsolete || p.lead.held_until || !p.lead.skip_reason.empty())
      store.release_digest(row.id, t);  // what it carried goes its own way
    if (p.lead.obsolete) {
      store.complete_outbox(row.id, t);
      spdlog::info("mail not needed request={} template={} effect={}", reference_of(store, row),
                   p.lead.template_name, row.effect_key);
      p.done = true;
    } else if (p.lead.held_until) {
      store.hold_outbox(row.id, *p.lead.held_until, p.lead.to.front());
      spdlog::info("mail held request={} template={} effect={} until={}", reference_of(store, row),
                   p.lead.template_name, row.effect_key, format_input(*p.lead.held_until));
      p.done = true;
    } else if (!row.held_for.empty() && p.lead.skip_reason.empty()) {
      store.lead_digest(row.id);
      p.others = gather_digest(store, row, p.lead, s_, t);
    }
    return p;
  };
  auto prepared = co_await s_.writer.run(job5);
  if (prepared.done)
    co_return;
  const MailJob& job = prepared.lead;
  if (!job.skip_reason.empty()) {
    auto job6 = [this, row, reason = job.skip_reason](Store& store) {
      retry_or_give_up(store, row, permanent(reason));
    };
    co_await s_.writer.run(job6);
    co_return;
  }
  auto job7 = [this, &prepared]() {
    Attempt a;
    auto mail = prepared.others.empty() ? render_mail_job(prepared.lead, s_)
                                        : render_digest(prepared.lead, prepared.others, s_);
    if (mail && !prepared.others.empty()) {
      bool digest = false;
      for (const auto& o : prepared.others)
        digest = digest || !o.left_out;
      if (!digest)  // every other item was left out: the lead goes as itself
        mail = render_mail_job(prepared.lead, s_);
    }
    if (!mail) {
      a.unrendered = mail.error();
      return a;
    }
    if (auto sent = s_.notifier.send(*mail); !sent)
      a.unsent = sent.error();
    return a;
  };
  auto attempt = co_await on_pool(s_.pool, job7);
  auto job8 = [this, row, &prepared, &attempt](Store& store) {
    const auto t = workflow::now_ms();
    std::vector<const DigestItem*> carried;
    for (const auto& o : prepared.others) {
      if (o.left_out || attempt.unrendered)
        store.leave_digest(o.row_id, t);  // on its own: its own retries and its own error
      else
        carried.push_back(&o);
    }
    if (attempt.unrendered) {
      retry_or_give_up(store, row, *attempt.unrendered);
      return;
    }
    if (attempt.unsent) {
      if (retry_or_give_up(store, row, *attempt.unsent)) {
        for (const auto* o : carried)
          store.give_up_outbox(o->row_id, t, attempt.unsent->message);
      }
      return;  // retried: the carried rows wait with their lead
    }
    std::vector<const MailJob*> jobs{&prepared.lead};
    for (const auto* o : carried) {
      store.complete_outbox(o->row_id, t);
      jobs.push_back(&o->job);
    }
    store.complete_outbox(row.id, t);
    const MailJob& lead = prepared.lead;
    const bool digest = !carried.empty();
    std::string to;
    for (const auto& address : lead.to)
      to += (to.empty() ? "" : ",") + address;
    store.insert_outbound(lead.message_id, lead.request_id, digest ? "digest" : lead.template_name,
                          to, t, digest ? "" : lead.token_hash);
    for (const MailJob* j : jobs) {
      if (j->answers_case)
        s_.cases.answer_sent(store, *j->answers_case, t);
      schedule_follow_ups(store, *j, s_, t);
      enqueue_chats(store, *j, s_, t);
      ++s_.metrics.effects_done;
    }
    if (!digest) {
      spdlog::info("mail sent request={} template={} effect={}", reference_of(store, row),
                   lead.template_name, row.effect_key);
    } else {
      spdlog::info("digest sent request={} items={} effect={}", reference_of(store, row),
                   jobs.size(), row.effect_key);
    }
  };
  co_await s_.writer.run(job8);
}

asio::awaitable<void> Dispatcher::send_chat_row(const OutboxRow& row) {
  auto prepare = [this, row](Store& store) {
    auto job = prepare_chat(store, row, s_, workflow::now_ms());
    if (job.obsolete) {
      store.complete_outbox(row.id, workflow::now_ms());
      spdlog::info("chat not needed request={} effect={}", reference_of(store, row),
                   row.effect_key);
    }
    return job;
  };
  auto job = co_await s_.writer.run(prepare);
  if (job.obsolete)
    co_return;
  if (!job.skip_reason.empty()) {
    auto give_up = [this, row, reason = job.skip_reason](Store& store) {
      retry_or_give_up(store, row, permanent(reason));
    };
    co_await s_.writer.run(give_up);
    co_return;
  }
  if (!chat_client_) {
    connectors::http::ClientOptions options;
    connectors::http::proxy_from_environment(options);
    chat_client_ = std::make_shared<connectors::http::Client>(std::move(options));
  }
  auto post = [this, &job] { return send_chat(job, s_, *chat_client_); };
  auto sent = co_await on_pool(s_.pool, post);
  auto finish = [this, row, &job, &sent](Store& store) {
    if (!sent) {
      retry_or_give_up(store, row, sent.error());
      return;
    }
    store.complete_outbox(row.id, workflow::now_ms());
    ++s_.metrics.effects_done;
    spdlog::info("chat sent request={} chat={} effect={}", reference_of(store, row), job.chat,
                 row.effect_key);
  };
  co_await s_.writer.run(finish);
}

}  // namespace relais::daemon
