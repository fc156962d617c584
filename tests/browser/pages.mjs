// Drives Debian's Chromium (playwright-core, no browser download) through relais's pages as
// people use them, and scans each with axe-core. Called by tests/e2e/test_browser.py with one
// JSON argument: {approvalUrl, loginUrl, calendarUrl, takedownUrl, reference, publishAt,
// newText, untick, outDir}. Prints one JSON line: {steps, violations}; exits 1 on any failed
// step or serious/critical violation.
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const args = JSON.parse(process.argv[2]);
const steps = [];
const violations = {};
let failed = false;

function step(name, ok, detail = "") {
  steps.push({ name, ok, detail });
  if (!ok) failed = true;
}

async function scan(page, name) {
  await page.addScriptTag({ path: axePath });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  violations[name] = found;
  const bad = found.filter((v) => v.impact === "serious" || v.impact === "critical");
  step(`axe ${name}`, bad.length === 0, JSON.stringify(bad));
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  // The referent on a phone, from the mail's link.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true,
                                           locale: "fr-FR" });
  const page = await phone.newPage();
  await page.goto(args.approvalUrl);
  step("approval page opens", (await page.title()).includes(args.reference));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  step("approval page fits 390 px", width <= 390, `scrollWidth ${width}`);
  await page.fill("#text", args.newText);
  await page.uncheck(`input[name=channel][value=${args.untick}]`);
  await page.fill("#publish_at", args.publishAt);
  const counter = await page.locator("section.network:not([hidden]) .n").first().textContent()
    .catch(() => "");
  step("counter follows the text", counter === "" || Number(counter) >= args.newText.length - 5,
       `counter ${counter}`);
  await scan(page, "approval");
  await page.screenshot({ path: `${args.outDir}/approval-390.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click("button[value=approve]")]);
  const done = await page.textContent("main");
  step("approved from the page", done.includes("Publication approuvée"), done.slice(0, 200));
  await phone.close();

  // The dashboard after the login link.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true,
                                          locale: "fr-FR" });
  const d = await desk.newPage();
  await d.goto(args.loginUrl);
  await Promise.all([d.waitForNavigation(), d.click("button[type=submit]")]);
  step("login link opens the dashboard", new URL(d.url()).pathname === "/d/", d.url());
  const cookies = await desk.cookies();
  const session = cookies.find((c) => c.name === "relais_session");
  step("session cookie is HttpOnly and SameSite=Strict",
       !!session && session.httpOnly && session.sameSite === "Strict", JSON.stringify(session));
  await scan(d, "dashboard");
  await d.goto(args.calendarUrl);
  const cell = d.locator("table.cal td", { hasText: args.reference });
  const shown = await cell.count();
  const cellText = shown ? await cell.first().textContent() : "";
  step("calendar shows the request as scheduled", shown === 1 && cellText.includes("Programmée"),
       cellText);
  await scan(d, "calendar");
  await d.screenshot({ path: `${args.outDir}/dashboard-calendar.png`, fullPage: true });
  // Every other page of the dashboard, the request's own page included.
  const requestHref = await d.locator("table.cal td a", { hasText: args.reference }).first()
    .getAttribute("href");
  for (const path of ["/d/requests", requestHref, "/d/cases", "/d/consents", "/d/channels",
                      "/d/quarantine", "/d/absences"]) {
    const answer = await d.goto(new URL(path, args.calendarUrl).href);
    step(`dashboard ${path} opens`, answer.status() === 200, String(answer.status()));
    await scan(d, `dashboard ${path}`);
  }
  await desk.close();

  // The public takedown form.
  const pub = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
  const t = await pub.newPage();
  await t.goto(args.takedownUrl);
  await scan(t, "takedown form");
  await pub.close();
} catch (e) {
  step("browser run", false, String(e && e.stack || e));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ steps, violations }));
process.exit(failed ? 1 : 0);
