// Mails about takedown cases: the values their templates show (etc/templates/*/takedown_*),
// the links they carry (issued here, inside the writer job, so the token commits before the
// link leaves), and the thread they belong to.
#pragma once

#include <boost/json/object.hpp>

#include "daemon/mail_job.hpp"
#include "workflow/case_desk.hpp"

namespace relais::daemon {

// Fills `job` for an outbox row whose payload names a case ("case_id").
void prepare_case_mail(workflow::Store& store, const boost::json::object& payload, MailJob& job,
                       const Services& s, workflow::TimePoint now);

// What pages and mails show about a case and its candidates.
boost::json::object case_context(workflow::Store& store, const workflow::TakedownCase& c,
                                 const Services& s);

}  // namespace relais::daemon
