#!/usr/bin/python3
# Regenerates the golden .eml files of this folder from photo.jpg and pixel.png with Python's
# email package (and swaks for swaks_attach.eml). Run from this folder; the outputs are committed,
# so tests never need this script. Hand-written headers exercise what generators avoid.
import base64
import email.policy
import subprocess
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

POLICY = email.policy.SMTP  # CRLF line endings, like mail on the wire
jpeg = open("photo.jpg", "rb").read()
png = open("pixel.png", "rb").read()


def write(name, msg):
    data = msg if isinstance(msg, bytes) else msg.as_bytes(policy=POLICY)
    open(name, "wb").write(data)


def base_headers(msg, subject, mid):
    msg["From"] = "Agent Dupont <Agent.Dupont@Example.ORG>"
    msg["To"] = "publications@example.org"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    msg["Message-ID"] = f"<{mid}@example.org>"


# plain.eml: text/plain UTF-8, quoted-printable.
m = EmailMessage(policy=POLICY)
base_headers(m, "Fête du village", "plain-1")
m.set_content("Bonjour,\nVoici la fête du village, été 2026.\nAuteur : Marie\n", cte="quoted-printable")
write("plain.eml", m)

# photos.eml: multipart/mixed with a JPEG and a PNG (base64).
m = EmailMessage(policy=POLICY)
base_headers(m, "Photos de la fête", "photos-1")
m["Cc"] = "Referent <Referent@Example.org>, backup@example.org"
m["In-Reply-To"] = "<earlier-1@example.org>"
m["References"] = "<root-0@example.org> <earlier-1@example.org>"
m.set_content("Deux photos ci-jointes.\n")
m.add_attachment(jpeg, maintype="image", subtype="jpeg", filename="photo.jpg")
m.add_attachment(png, maintype="image", subtype="png", filename="pixel.png", disposition="inline")
write("photos.eml", m)

# html_only.eml: multipart/alternative holding only an HTML part in ISO-8859-1.
m = EmailMessage(policy=POLICY)
base_headers(m, "HTML seulement", "html-1")
m.make_alternative()
html = ("<html><head><style>p{color:red}</style></head><body><p>Bonjour&nbsp;&eacute;quipe,</p>"
        "<p>Premi\u00e8re ligne<br>Deuxi\u00e8me &amp; derni\u00e8re</p><script>x()</script></body></html>")
m.add_alternative(html.encode("iso-8859-1"), maintype="text", subtype="html",
                  params={"charset": "iso-8859-1"}, cte="quoted-printable")
write("html_only.eml", m)

# subject_rfc2047.eml: adjacent encoded-words (padding '=' in the first, GMime issue 133),
# a UTF-8 character split across two words, and ISO-8859-1 Q words.
raw = (
    "From: =?UTF-8?B?w4lsb8Ovc2U=?= =?UTF-8?Q?_Martin?= <elo@example.org>\r\n"
    "To: publications@example.org\r\n"
    "Subject: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?= -\r\n"
    " =?UTF-8?B?w6k=?= =?UTF-8?B?dMOp?= =?ISO-8859-1?Q?_=E0_Paris?=\r\n"
    " =?UTF-8?B?8J+O?= =?UTF-8?B?iQ==?=\r\n"
    "Date: Mon, 02 Mar 2026 10:00:00 +0100\r\n"
    "Message-ID: <subject-1@example.org>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Sujet encod\u00e9.\r\n"
).encode("utf-8")
write("subject_rfc2047.eml", raw)

# filename_rfc2231.eml: RFC 2231 names (one plain, one in continuations) and an RFC 2047 name
# made of adjacent words.
b64_jpeg = base64.encodebytes(jpeg).decode().replace("\n", "\r\n")
b64_png = base64.encodebytes(png).decode().replace("\n", "\r\n")
raw = (
    "From: agent@example.org\r\n"
    "To: publications@example.org\r\n"
    "Subject: noms de fichiers\r\n"
    "Message-ID: <names-1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "Noms.\r\n"
    "--b1\r\n"
    "Content-Type: image/jpeg\r\n"
    "Content-Disposition: attachment; filename*=utf-8''%C3%A9t%C3%A9%202026.jpg\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n" + b64_jpeg +
    "--b1\r\n"
    "Content-Type: image/png\r\n"
    "Content-Disposition: attachment;\r\n"
    " filename*0*=iso-8859-1''f%EAte;\r\n"
    " filename*1=\"_du_village\";\r\n"
    " filename*2=\".png\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n" + b64_png +
    "--b1\r\n"
    "Content-Type: image/png; name=\"=?UTF-8?B?w6k=?= =?UTF-8?B?dMOpLnBuZw==?=\"\r\n"
    "Content-Disposition: attachment; filename=\"=?UTF-8?B?w6k=?= =?UTF-8?B?dMOpLnBuZw==?=\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n" + b64_png +
    "--b1--\r\n"
).encode("ascii")
write("filename_rfc2231.eml", raw)

# base64_padding.eml: the JPEG as two base64 chunks concatenated on one line ('=' mid-line,
# GMime issue 150) and the PNG with the padding of each 3-byte chunk kept.
half = len(jpeg) // 2 // 3 * 3 + 1  # not a multiple of 3, so the chunk is padded
chunked = base64.b64encode(jpeg[:half]).decode() + base64.b64encode(jpeg[half:]).decode()
assert "=" in chunked[:-4], "the first chunk must end with padding"
png_chunks = "".join(base64.b64encode(png[i:i + 10]).decode() for i in range(0, len(png), 10))
raw = (
    "From: agent@example.org\r\n"
    "To: publications@example.org\r\n"
    "Subject: base64 en morceaux\r\n"
    "Message-ID: <b64-1@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"zz\"\r\n"
    "\r\n"
    "--zz\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n" + base64.b64encode("Texte en base64, été.\n".encode()).decode() + "\r\n"
    "--zz\r\n"
    "Content-Type: image/jpeg; name=chunked.jpg\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n" + chunked[:60] + "\r\n" + chunked[60:] + "\r\n"
    "--zz\r\n"
    "Content-Type: image/png; name=padded.png\r\n"
    "Content-Transfer-Encoding: BASE64\r\n"
    "\r\n" + png_chunks + "\r\n"
    "--zz--\r\n"
).encode("ascii")
write("base64_padding.eml", raw)

# truncated.eml: photos.eml cut in the middle of the JPEG's base64.
photos = open("photos.eml", "rb").read()
cut = photos.index(b"filename=\"photo.jpg\"") + 120
write("truncated.eml", photos[:cut])

# no_body.eml: headers only.
write("no_body.eml", b"From: agent@example.org\r\nTo: publications@example.org\r\n"
      b"Subject: rien\r\nMessage-ID: <nobody-1@example.org>\r\n\r\n")

# traversal.eml: attachment names that try to be paths or hide control characters.
m = EmailMessage(policy=POLICY)
base_headers(m, "noms dangereux", "traversal-1")
m.set_content("Voir pieces jointes.\n")
m.add_attachment(b"root:x:0:0\n", maintype="application", subtype="octet-stream",
                 filename="../../etc/passwd")
m.add_attachment(png, maintype="image", subtype="png", filename="..\\..\\win.png")
write("traversal.eml", m)

# automatic.eml: an auto-reply from a list.
write("automatic.eml", b"From: MAILER-DAEMON@example.org\r\nTo: publications@example.org\r\n"
      b"Subject: Absent\r\nAuto-Submitted: Auto-Replied\r\nPrecedence: Bulk\r\n"
      b"List-Id: <news.example.org>\r\nAuthentication-Results: mx.example.org; dkim=pass\r\n"
      b"Authentication-Results: mx.example.org; spf=fail\r\n"
      b"Message-ID: <auto-1@example.org>\r\n\r\nJe suis absent.\r\n")

# swaks_attach.eml: what swaks --attach sends.
out = subprocess.run(["swaks", "--dump-mail", "--from", "agent@example.org", "--to",
                      "publications@example.org", "--header", "Subject: via swaks",
                      "--header", "Message-Id: <swaks-1@example.org>",
                      "--body", "Photo jointe.", "--attach-type", "image/jpeg",
                      "--attach", "photo.jpg"],
                     check=True, capture_output=True).stdout
write("swaks_attach.eml", out)
