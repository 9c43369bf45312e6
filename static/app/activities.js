// Activities (社区活动) on the device (backend/activities): the month's menu of the resident's
// community, an activity's page, signing up (oneself or a member of one's household), cancelling,
// the waitlist and a freed place to confirm before it expires, the check-in code, rating after the
// activity; and the door phone (grid workers, volunteers, staff): the activity's list offline,
// check-in by a scanned or typed code or a ticked name, walk-ins, volunteers' check-out. Everything
// renders from IndexedDB; every step goes to the outbox and the server decides when it arrives
// (the last place taken by a phone that synced first: this one is waitlisted, or told why not).
import { capabilities } from "./config.js";
import * as store from "./db.js";
import { lang, t } from "./i18n.js";
import { app, describers, flashBox, go, photoStrip, reason, say, waitingBadge } from "./screens.js";
import { append, field, formatTime, h } from "./ui.js";

// The server's rules (backend/activities/machine.py, capabilities): the sign-ups' state machine as
// {state: {action: {to, who}}} (who: "owner" or "door"), the states holding a place, those waiting in line.
const RULES = capabilities("activities");
const MACHINE = RULES.machine || {};
const HOLDING = new Set(RULES.holding || ["confirmed", "attended"]);
const WAITING = new Set(RULES.waiting || ["waitlisted", "offered"]);
const LIVE = new Set([...HOLDING, ...WAITING]);
const VISIBLE = new Set(["published", "cancelled", "done"]);

export const routes = [
  { path: "/activities", for: ["resident", "worker"], screen: (view, { params }) => menuScreen(view, params),
    nav: [{ for: "resident", label: "activities", order: 25 }, { for: "worker", label: "activities", order: 45 }],
    owns: (path) => path.startsWith("/activity/") || path.startsWith("/activities/") || path.startsWith("/door/") },
  { path: "/activities/mine", for: ["resident", "worker"], screen: (view) => mySignupsScreen(view) },
  { path: /^\/activity\/[^/]+$/, for: ["resident", "worker"], screen: (view, { parts }) => activityScreen(view, parts[2]) },
  { path: /^\/door\/[^/]+$/, for: ["worker"], screen: (view, { parts }) => doorScreen(view, parts[2]) },
];

// May `action` be taken on a signup in `status`? Without a machine from the server, the contract's steps.
function allows(status, action) {
  if (Object.keys(MACHINE).length) return MACHINE[status]?.[action]?.who === "owner";
  const steps = { confirmed: ["cancel"], waitlisted: ["cancel"], offered: ["confirm", "decline", "cancel"],
                  attended: ["rate"] };
  return (steps[status] || []).includes(action);
}

async function me() {
  return (await store.getMeta("user")) || {};
}

function takesPart(user) {
  return user.role === "resident" || user.role === "volunteer";
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function monthOf(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}`;
}

function shiftMonth(month, by) {
  const [y, m] = month.split("-").map(Number);
  return monthOf(new Date(y, m - 1 + by, 1));
}

function byStart(a, b) {
  return (a.starts_at || "").localeCompare(b.starts_at || "");
}

function when(activity) {
  const start = formatTime(activity.starts_at, lang);
  const end = activity.ends_at ? new Date(activity.ends_at) : null;
  const endText = end && !Number.isNaN(end.getTime())
    ? end.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }) : "";
  return endText ? `${start}–${endText}` : start;
}

async function placeOf(activity) {
  if (activity.room_id) {
    const room = await store.get("rooms", activity.room_id).catch(() => null);
    if (room?.name) return activity.address ? `${room.name} · ${activity.address}` : room.name;
  }
  return activity.address || "";
}

// Places a new sign-up could take: none while anyone waits in line (a freed place is offered to
// the line first, and an offered place is held), else what the confirmed leave of the capacity.
function placesLeft(activity) {
  if (Number(activity.waitlist_count || 0) > 0) return 0;
  return Math.max(0, Number(activity.capacity || 0) - Number(activity.confirmed_count || 0));
}

function ended(activity, now = Date.now()) {
  return !!activity.ends_at && new Date(activity.ends_at).getTime() < now;
}

function signupOpen(activity, now = Date.now()) {
  if (activity.status !== "published" || ended(activity, now)) return false;
  if (activity.signup_opens_at && new Date(activity.signup_opens_at).getTime() > now) return false;
  if (activity.signup_closes_at && new Date(activity.signup_closes_at).getTime() < now) return false;
  return true;
}

function activityStatusBadge(activity) {
  if (activity.status === "published") return null;
  const tone = activity.status === "cancelled" ? "alert" : "done";
  return h("span", { class: `badge status ${tone}`, "data-status": activity.status,
                     text: t.activityStatuses[activity.status] || activity.status });
}

function signupStatusBadge(signup) {
  const status = signup._local ? "sending" : signup.status;
  const tone = status === "confirmed" || status === "attended" ? "ok" : status === "waitlisted" || status === "offered"
    ? "open" : status === "sending" ? "waiting" : "done";
  const text = status === "waitlisted" && signup.position ? t.waitlistPosition(signup.position)
    : t.signupStatuses[status] || status;
  return h("span", { class: `badge signup-status ${tone}`, "data-status": status, text });
}

function placesBadge(activity) {
  const left = placesLeft(activity);
  return h("span", { class: left ? "badge places" : "badge places full", "data-left": String(left),
                     text: left ? t.placesLeft(left) : t.full });
}

// My household's signups (the server sends a resident only theirs), newest first.
async function mySignups(user) {
  const all = await store.all("signups");
  return all.filter((s) => s.user_id === user.id || (user.household_id && s.household_id === user.household_id))
    .sort((a, b) => (b.created_at || "").localeCompare(a.created_at || ""));
}

function activityItem(activity, place, mine) {
  return h("li", { class: "card activity", "data-id": activity.id },
    h("a", { href: `#/activity/${activity.id}`, class: "row-link" },
      h("span", { class: "title", text: activity.title || "" }),
      h("span", { class: "sub", text: [when(activity), place].filter(Boolean).join(" · ") }),
      h("span", { class: "badges" }, activityStatusBadge(activity), activity.status === "published"
        ? placesBadge(activity) : null,
        Number(activity.waitlist_count) ? h("span", { class: "badge", text: t.waitlistCount(activity.waitlist_count) })
          : null,
        mine.map(signupStatusBadge))));
}

// ---- the month's menu -------------------------------------------------------------
export async function menuScreen(root, params) {
  const user = await me();
  const month = /^\d{4}-\d{2}$/.test(params.get("month") || "") ? params.get("month") : monthOf(new Date());
  const [activities, signups] = await Promise.all([store.all("activities"), mySignups(user)]);
  const shown = activities.filter((a) => VISIBLE.has(a.status) && !a.retired_at &&
    monthOf(new Date(a.starts_at)) === month).sort(byStart);
  const places = await Promise.all(shown.map(placeOf));
  const [y, m] = month.split("-").map(Number);
  const title = new Date(y, m - 1, 1).toLocaleDateString(lang, { year: "numeric", month: "long" });
  append(root, flashBox(), h("h1", { text: t.activities }),
    h("nav", { class: "filters months", "aria-label": t.activityMonths },
      h("a", { href: `#/activities?month=${shiftMonth(month, -1)}`, class: "button small", rel: "prev",
               text: t.previousMonth }),
      h("strong", { id: "menu-month", "data-month": month, text: title }),
      h("a", { href: `#/activities?month=${shiftMonth(month, 1)}`, class: "button small", rel: "next",
               text: t.nextMonth })),
    takesPart(user) ? h("div", { class: "actions" },
      h("a", { href: "#/activities/mine", class: "button", id: "my-signups", text: t.mySignups })) : null,
    shown.length ? h("ul", { class: "list activities", id: "activity-list" }, shown.map((a, i) =>
      activityItem(a, places[i], signups.filter((s) => s.activity_id === a.id && (LIVE.has(s.status) || s._local)))))
      : h("p", { class: "hint", text: t.noActivities }));
}

// ---- one activity: details, signing up, my signups -------------------------------
async function act(id, action, data, message, back) {
  await store.recordAction("signups", id, action, data);
  say(message);
  app.onChange();
  app.sync();
  go(back);
}

// The people of my household the phone knows (a resident's household's residents), me first.
async function householdPeople(user) {
  const people = user.household_id ? await store.byHousehold("residents", user.household_id).catch(() => []) : [];
  return people.filter((r) => !r.retired_at && !r.moved_out_at);
}

function signupForm(activity, user, people, meTaken = false) {
  const roles = (activity.volunteer_roles || []).filter((r) => r && r.role);
  // The first choice of each list is "" (myself, a participant): a form left as it is stays "untouched"
  // and the page follows a sync's news.
  const who = people.length ? h("select", { name: "resident_id" },
    h("option", { value: "", text: meTaken ? t.pickPerson : t.signupMyself }),
    people.map((r) => h("option", { value: r.id, text: r.name || "" }))) : null;
  const as = roles.length ? h("select", { name: "role" },
    h("option", { value: "", text: t.asParticipant }),
    roles.map((r) => h("option", { value: `volunteer:${r.role}`, text: t.asVolunteer(r.role) }))) : null;
  const status = h("p", { class: "hint", role: "status" });
  const full = !placesLeft(activity);
  const form = h("form", { class: "form", id: "signup-form", "data-refresh": "idle" },
    who ? field(t.signupWho, who) : null, as ? field(t.signupAs, as) : null,
    full ? h("p", { class: "hint", id: "signup-full", text: t.fullJoinWaitlist }) : null, status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary big", id: "sign-up",
                                                 text: full ? t.joinWaitlist : t.signUp })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (meTaken && !who?.value) {
      status.textContent = t.pickPerson;
      return;
    }
    const id = store.uuid();
    const now = new Date().toISOString();
    const [kind, role] = (as?.value || "participant").split(":");
    const data = { activity_id: activity.id, role: kind };
    if (role) data.volunteer_role = role;
    if (who?.value) data.resident_id = who.value;
    const person = who?.value ? people.find((r) => r.id === who.value) : null;
    await store.recordCreate("signups", id, data, {
      community_id: activity.community_id, user_id: user.id, household_id: user.household_id || null,
      status: "requested", created_at: now, name: person?.name || user.display_name || user.username });
    say(full ? t.waitlistSaved : t.signupSaved);
    app.onChange();
    app.sync();
    go(`#/activity/${activity.id}`);
  });
  return form;
}

// A short code as Code 39 bars (a format BarcodeDetector reads): built from rects, no library.
const CODE39 = {
  0: "nnnwwnwnn", 1: "wnnwnnnnw", 2: "nnwwnnnnw", 3: "wnwwnnnnn", 4: "nnnwwnnnw", 5: "wnnwwnnnn", 6: "nnwwwnnnn",
  7: "nnnwnnwnw", 8: "wnnwnnwnn", 9: "nnwwnnwnn", A: "wnnnnwnnw", B: "nnwnnwnnw", C: "wnwnnwnnn", D: "nnnnwwnnw",
  E: "wnnnwwnnn", F: "nnwnwwnnn", G: "nnnnnwwnw", H: "wnnnnwwnn", I: "nnwnnwwnn", J: "nnnnwwwnn", K: "wnnnnnnww",
  L: "nnwnnnnww", M: "wnwnnnnwn", N: "nnnnwnnww", O: "wnnnwnnwn", P: "nnwnwnnwn", Q: "nnnnnnwww", R: "wnnnnnwwn",
  S: "nnwnnnwwn", T: "nnnnwnwwn", U: "wwnnnnnnw", V: "nwwnnnnnw", W: "wwwnnnnnn", X: "nwnnwnnnw", Y: "wwnnwnnnn",
  Z: "nwwnwnnnn", "-": "nwnnnnwnw", ".": "wwnnnnwnn", " ": "nwwnnnwnn", "*": "nwnnwnwnn",
};

export function barcode(code) {
  const text = `*${String(code || "").toUpperCase().replace(/[^0-9A-Z.\- ]/g, "")}*`;
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  let x = 10;
  const rects = [];
  for (const char of text) {
    const pattern = CODE39[char];
    for (let i = 0; i < pattern.length; i++) {
      const width = pattern[i] === "w" ? 3 : 1;
      if (i % 2 === 0) rects.push([x, width]);
      x += width;
    }
    x += 1; // the gap between characters
  }
  const total = x + 9;
  svg.setAttribute("viewBox", `0 0 ${total} 40`);
  svg.setAttribute("class", "barcode");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t.checkinCode);
  svg.setAttribute("preserveAspectRatio", "none");
  const bg = document.createElementNS(NS, "rect");
  for (const [k, v] of Object.entries({ x: 0, y: 0, width: total, height: 40, fill: "#fff" })) bg.setAttribute(k, v);
  svg.append(bg);
  for (const [rx, width] of rects) {
    const bar = document.createElementNS(NS, "rect");
    for (const [k, v] of Object.entries({ x: rx, y: 0, width, height: 40, fill: "#000" })) bar.setAttribute(k, v);
    svg.append(bar);
  }
  return svg;
}

function codeBox(signup) {
  if (!signup.code || !HOLDING.has(signup.status)) return null;
  return h("div", { class: "checkin-code" }, h("span", { class: "sub", text: t.checkinCode }),
    h("strong", { class: "code", "data-code": signup.code, text: signup.code }), barcode(signup.code),
    h("span", { class: "hint", text: t.showCodeAtDoor }));
}

function ratingForm(signup) {
  const stars = [5, 4, 3, 2, 1].map((n) => {
    const input = h("input", { type: "radio", name: `score-${signup.id}`, value: String(n),
                               id: `score-${signup.id}-${n}` });
    return h("div", { class: "star" }, input, h("label", { for: input.id, text: t.stars[n] }));
  });
  const word = h("input", { name: "comment", maxlength: 60 });
  const status = h("p", { class: "hint", role: "status" });
  const form = h("form", { class: "form rate-activity", "data-refresh": "idle" },
    h("fieldset", { class: "stars" }, h("legend", { text: t.rateActivity }), stars), field(t.rateWord, word), status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t.submitRating })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = form.querySelector(`input[name="score-${signup.id}"]:checked`);
    if (!chosen) {
      status.textContent = t.pickScore;
      return;
    }
    await act(signup.id, "rate", { score: Number(chosen.value), comment: word.value.trim() }, t.ratingSaved,
      `#/activity/${signup.activity_id}`);
  });
  return form;
}

// What the server told the household about a signup: a reminder, a staff cancellation, an offer.
function noticesOf(signup, activity) {
  const notes = [];
  if (activity?.status === "cancelled") {
    notes.push(h("p", { class: "flash error notice activity-cancelled", role: "alert",
                        text: [t.activityCancelled, activity.cancel_reason].filter(Boolean).join(" ") }));
  }
  for (const notice of [].concat(signup.notices || [], signup.notice || [])) {
    const text = typeof notice === "string" ? notice : notice?.text || t.noticeKinds[notice?.kind] || "";
    if (text) notes.push(h("p", { class: "flash notice signup-notice", role: "status", text }));
  }
  if (signup.reminded_at && !signup.notice && activity && !ended(activity) && HOLDING.has(signup.status)) {
    notes.push(h("p", { class: "flash notice reminder", role: "status", text: t.reminder(when(activity)) }));
  }
  return notes;
}

function signupCard(signup, activity, waitingFor, people) {
  const person = signup.resident_id ? people.find((r) => r.id === signup.resident_id) : null;
  const name = signup.name || person?.name || "";
  const offerOpen = signup.status === "offered" && (!signup.offer_expires_at ||
    new Date(signup.offer_expires_at).getTime() > Date.now());
  const allowed = (action) => allows(signup.status, action) && !waitingFor.has(action) && !signup._local &&
    !(action === "confirm" || action === "decline" ? !offerOpen : false) && !(activity && ended(activity));
  const buttons = ["confirm", "decline", "cancel"].filter(allowed).map((action) => h("button", {
    type: "button", class: action === "confirm" ? "primary big" : "danger", "data-action": action,
    text: t.signupActions[action], onclick: async () => {
      if (action !== "confirm" && !window.confirm(t.signupCancelConfirm)) return;
      await act(signup.id, action, {}, t.actionSaved, `#/activity/${signup.activity_id}`);
    } }));
  const mayRate = activity && ended(activity) && allows(signup.status, "rate") && !signup.score &&
    !waitingFor.has("rate") && !signup._local;
  return h("li", { class: "card signup", "data-id": signup.id, "data-status": signup._local ? "sending" : signup.status },
    h("span", { class: "title", text: [name, signup.role === "volunteer"
      ? t.asVolunteer(signup.volunteer_role || "") : null].filter(Boolean).join(" · ") }),
    h("span", { class: "badges" }, signupStatusBadge(signup), signup._local || waitingFor.size ? waitingBadge() : null),
    signup._local ? h("p", { class: "sub", text: t.signupWaitsForServer }) : null,
    signup.status === "waitlisted" ? h("p", { class: "waitlist-note", text: signup.position
      ? t.waitlistExplained(signup.position) : t.waitlistNoPosition }) : null,
    signup.status === "offered" ? h("p", { class: offerOpen ? "flash warn offer" : "flash error offer", role: "alert",
      text: offerOpen ? t.offerUntil(formatTime(signup.offer_expires_at, lang)) : t.offerExpired }) : null,
    noticesOf(signup, activity), codeBox(signup),
    signup.score ? h("p", { class: "rating my-score", text: t.yourScore(signup.score) }) : null,
    [...waitingFor].map((action) => h("p", { class: "sub pending" }, `${t.signupActions[action] || action} `,
      waitingBadge())),
    buttons.length ? h("div", { class: "actions" }, buttons) : null,
    mayRate ? ratingForm(signup) : null);
}

function rejectionNotices(rejections, activityId) {
  const mine = rejections.filter((x) => x.kind === "signups" &&
    (x.record?.activity_id || x.mutation?.data?.activity_id) === activityId);
  return mine.reverse().map((x) => h("div", { class: "flash error notice signup-refused", role: "alert" },
    h("strong", { text: `${t.notAccepted}：${x.mutation?.op === "action"
      ? t.signupActions[x.mutation.action] || x.mutation.action : t.signUp}` }),
    h("p", { class: "reason", text: reason(x.error) }),
    h("button", { type: "button", class: "small", text: t.dismiss, onclick: async () => {
      await (await store.db()).delete("rejections", x.seq);
      app.onChange();
      go(`#/activity/${activityId}`);
    } })));
}

function eligibilityText(eligibility) {
  const e = eligibility || {};
  const parts = [];
  if (e.buildings?.length) parts.push(t.eligibleBuildings(e.buildings.length));
  if (e.care_tags?.length) parts.push(e.care_tags.map((c) => t.tags[c] || c).join("、"));
  if (e.age_min || e.age_max) parts.push(t.ageBand(e.age_min, e.age_max));
  return parts.length ? parts.join(" · ") : t.wholeCommunity;
}

export async function activityScreen(root, id) {
  const user = await me();
  const [activity, rejections, outbox] = await Promise.all([store.get("activities", id), store.all("rejections"),
                                                            store.all("outbox")]);
  const notices = rejectionNotices(rejections, id);
  if (!activity) {
    append(root, flashBox(), notices, h("p", { text: t.unknownActivity }),
      h("a", { href: "#/activities", class: "button", text: t.back }));
    return;
  }
  const people = await householdPeople(user);
  const signups = (await mySignups(user)).filter((s) => s.activity_id === id);
  const steps = (recordId) => new Set(outbox.filter((m) => m.record_id === recordId && m.op === "action")
    .map((m) => m.action));
  const live = signups.filter((s) => LIVE.has(s.status) || s._local);
  const past = signups.filter((s) => !live.includes(s));
  const takenBy = new Set(live.map((s) => s.resident_id || "me"));
  const free = people.filter((r) => !takenBy.has(r.id));
  const noRoom = !placesLeft(activity) && activity.waitlist === false;
  const mayJoin = takesPart(user) && signupOpen(activity) && !noRoom && (!takenBy.has("me") || free.length);
  const month = monthOf(new Date(activity.starts_at));
  const roles = (activity.volunteer_roles || []).filter((r) => r && r.role);
  append(root, flashBox(), notices,
    h("a", { href: `#/activities?month=${month}`, class: "back", text: t.back }),
    h("h1", { id: "activity-title", text: activity.title || "" }),
    h("p", { class: "badges" }, activityStatusBadge(activity), activity.status === "published"
      ? placesBadge(activity) : null,
      h("span", { class: "badge", id: "waitlist-count", text: t.waitlistCount(activity.waitlist_count || 0) })),
    h("p", { class: "sub", id: "activity-when", text: when(activity) }),
    h("p", { class: "sub", id: "activity-place", text: `${t.place}：${await placeOf(activity)}` }),
    h("p", { class: "sub", text: `${t.capacityOf(activity.capacity || 0)} · ${eligibilityText(activity.eligibility)}` }),
    activity.signup_closes_at ? h("p", { class: "sub", text: t.signupCloses(formatTime(activity.signup_closes_at, lang)) })
      : null,
    roles.length ? h("p", { class: "sub", text: `${t.volunteersWanted}：${roles.map((r) => `${r.role} ×${r.count}`)
      .join("、")}` }) : null,
    activity.status === "cancelled" ? h("p", { class: "flash error", role: "alert",
      text: [t.activityCancelled, activity.cancel_reason].filter(Boolean).join(" ") }) : null,
    activity.description ? h("p", { class: "notes", id: "activity-description", text: activity.description }) : null,
    activity.photos?.length ? photoStrip(activity.photos) : null,
    // The door: the community's grid workers and staff (the server's policy; volunteers take part).
    !takesPart(user) ? h("div", { class: "actions" },
      h("a", { href: `#/door/${id}`, class: "button primary big", id: "to-door", text: t.doorList })) : null,
    live.length ? [h("h2", { text: t.mySignup }), h("ul", { class: "list", id: "signup-list" },
      live.map((s) => signupCard(s, activity, steps(s.id), people)))] : null,
    mayJoin ? [h("h2", { text: t.signUpTitle }), signupForm(activity, user, free, takenBy.has("me"))] : null,
    takesPart(user) && !signupOpen(activity) && !live.length && activity.status === "published" && !ended(activity)
      ? h("p", { class: "hint", text: t.signupNotOpen }) : null,
    takesPart(user) && signupOpen(activity) && noRoom ? h("p", { class: "hint", id: "signup-full", text: t.full }) : null,
    past.length ? [h("h2", { text: t.pastSignups }), h("ul", { class: "list", id: "past-signups" },
      past.map((s) => signupCard(s, activity, steps(s.id), people)))] : null);
}

export async function mySignupsScreen(root) {
  const user = await me();
  const [signups, activities, outbox] = await Promise.all([mySignups(user), store.all("activities"),
                                                           store.all("outbox")]);
  const byId = new Map(activities.map((a) => [a.id, a]));
  const pending = new Set(outbox.map((m) => m.record_id));
  append(root, flashBox(), h("a", { href: "#/activities", class: "back", text: t.back }),
    h("h1", { text: t.mySignups }),
    signups.length ? h("ul", { class: "list", id: "my-signup-list" }, signups.map((s) => {
      const a = byId.get(s.activity_id);
      return h("li", { class: "card", "data-id": s.id, "data-status": s._local ? "sending" : s.status },
        h("a", { href: `#/activity/${s.activity_id}`, class: "row-link" },
          h("span", { class: "title", text: a?.title || t.unknownActivity }),
          h("span", { class: "sub", text: [a ? when(a) : "", s.name].filter(Boolean).join(" · ") }),
          h("span", { class: "badges" }, signupStatusBadge(s), a?.status === "cancelled" ? activityStatusBadge(a) : null,
            pending.has(s.id) || s._local ? waitingBadge() : null)));
    })) : h("p", { class: "hint", text: t.noSignups }));
}

// ---- the door phone ----------------------------------------------------------------
// One check-in per (activity, signup or walk-in's name, kind) on this phone: its id is derived from
// them and the device, so a second tick finds the first; another phone's copy is the server's to merge.
async function checkinId(device, activityId, who, kind) {
  const bytes = new TextEncoder().encode(`${device}|${activityId}|${who}|${kind}`);
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).slice(0, 16);
  hash[6] = (hash[6] & 0x0f) | 0x50; // a name-based UUID (version 5 layout)
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function walkInKey(name) {
  return `walk-in:${name.trim().replace(/\s+/g, " ").toLowerCase()}`;
}

// Whether this phone holds a check-in (its own or one pulled from another phone) of `who`.
function findCheckin(checkins, { signupId = null, name = null, kind = "check_in" }) {
  return checkins.find((c) => (c.kind || "check_in") === kind && (signupId ? c.signup_id === signupId
    : !c.signup_id && walkInKey(c.name || "") === walkInKey(name || "")));
}

/** Queue a check-in (or check-out) exactly once; returns false when this phone had it already. */
export async function recordCheckin(activity, { signup = null, name = null, kind = "check_in" }) {
  const user = await me();
  const existing = await store.byIndex("checkins", "activity_id", activity.id).catch(() => store.all("checkins"));
  if (findCheckin(existing, { signupId: signup?.id, name, kind })) return false;
  const id = await checkinId(await store.deviceId(), activity.id, signup ? signup.id : walkInKey(name), kind);
  const at = store.isoLocal();
  const data = { activity_id: activity.id, signup_id: signup?.id || null, kind, at, offline: !navigator.onLine };
  if (signup?.resident_id) data.resident_id = signup.resident_id;
  if (!signup) data.name = name.trim();
  const d = await store.db();
  const tx = d.transaction(["checkins", "outbox"], "readwrite");
  if (await tx.objectStore("checkins").get(id)) {
    await tx.done;
    return false;
  }
  tx.objectStore("checkins").put({ id, ...data, community_id: activity.community_id, recorded_by: user.id,
                                   name: data.name || signup?.name || "", _local: true });
  tx.objectStore("outbox").add({ id: store.uuid(), collection: "checkins", record_id: id, op: "create", action: null,
                                 base_version: null, data, client_time: at });
  await tx.done;
  return true;
}

// What is being typed at the door (a code, a walk-in's name), kept across the page's redraws.
const drafts = { code: "", walkIn: "" };

function expected(signups) {
  return signups.filter((s) => HOLDING.has(s.status))
    .sort((a, b) => String(a.name || "").localeCompare(String(b.name || ""), "zh"));
}

function timeOf(checkin) {
  if (!checkin?.at) return "";
  const d = new Date(checkin.at);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
}

// Scanning a resident's code where the browser can (BarcodeDetector); typing it always works.
function scanner(onCode) {
  if (!("BarcodeDetector" in globalThis) || !navigator.mediaDevices?.getUserMedia) return null;
  const video = h("video", { class: "scan", playsinline: true, muted: true, hidden: true });
  const stop = () => {
    video.srcObject?.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
    video.hidden = true;
  };
  const button = h("button", { type: "button", id: "scan-code", text: t.scanCode, onclick: async () => {
    if (video.srcObject) return stop();
    try {
      const detector = new globalThis.BarcodeDetector({ formats: ["code_39", "qr_code"] });
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.hidden = false;
      await video.play();
      const look = async () => {
        if (!video.srcObject) return;
        const found = await detector.detect(video).catch(() => []);
        if (found.length) {
          stop();
          onCode(found[0].rawValue);
          return;
        }
        setTimeout(look, 250);
      };
      look();
    } catch {
      stop();
    }
  } });
  return [button, video];
}

export async function doorScreen(root, id) {
  const activity = await store.get("activities", id);
  if (!activity) {
    append(root, flashBox(), h("p", { text: t.unknownActivity }),
      h("a", { href: "#/activities", class: "button", text: t.back }));
    return;
  }
  const [signups, checkins, outbox] = await Promise.all([
    store.byIndex("signups", "activity_id", id).catch(async () => (await store.all("signups"))
      .filter((s) => s.activity_id === id)),
    store.byIndex("checkins", "activity_id", id).catch(async () => (await store.all("checkins"))
      .filter((c) => c.activity_id === id)),
    store.all("outbox")]);
  const place = await placeOf(activity);
  // From here on the page is built with no wait: a sync's redraw never loses what is being typed.
  const queued = new Set(outbox.map((m) => m.record_id));
  const list = expected(signups);
  const inOf = (s) => findCheckin(checkins, { signupId: s.id });
  const outOf = (s) => findCheckin(checkins, { signupId: s.id, kind: "check_out" });
  const walkIns = checkins.filter((c) => !c.signup_id && (c.kind || "check_in") === "check_in");
  const arrived = list.filter(inOf).length;
  const message = h("p", { class: "hint", role: "status", id: "door-status" });
  const checkIn = async (signup, name = null) => {
    const added = await recordCheckin(activity, { signup, name });
    say(added ? t.checkedIn(signup?.name || name) : t.alreadyCheckedIn(signup?.name || name));
    app.onChange();
    app.sync();
    go(`#/door/${id}`);
  };
  // A typed (or scanned) code: the signup of this activity holding it.
  const code = h("input", { name: "code", autocomplete: "off", autocapitalize: "characters", inputmode: "text",
                            maxlength: 16, id: "checkin-code", value: drafts.code });
  code.addEventListener("input", () => { drafts.code = code.value; });
  const byCode = async (value) => {
    const wanted = String(value || "").trim().toUpperCase();
    if (!wanted) return;
    const signup = list.find((s) => String(s.code || "").toUpperCase() === wanted);
    if (!signup) {
      message.className = "flash error";
      message.textContent = t.unknownCode(wanted);
      code.select();
      return;
    }
    drafts.code = "";
    await checkIn(signup);
  };
  const codeForm = h("form", { class: "form", id: "code-form", role: "search" },
    field(t.typeCode, code, t.typeCodeHint), message,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary big", text: t.checkIn }),
      scanner((value) => byCode(value))));
  codeForm.addEventListener("submit", (event) => {
    event.preventDefault();
    byCode(code.value);
  });
  const row = (s) => {
    const came = inOf(s);
    const left = outOf(s);
    const box = h("input", { type: "checkbox", id: `tick-${s.id}`, checked: !!came, disabled: !!came,
                             "data-signup": s.id });
    box.addEventListener("change", () => checkIn(s));
    const waiting = (came && queued.has(came.id)) || (left && queued.has(left.id));
    return h("li", { class: came ? "card attendee arrived" : "card attendee", "data-id": s.id,
                     "data-checked": came ? "true" : "false" },
      h("div", { class: "check" }, box, h("label", { for: box.id, text: s.name || t.unnamed })),
      h("span", { class: "badges" }, s.role === "volunteer"
        ? h("span", { class: "badge kind", text: t.asVolunteer(s.volunteer_role || "") }) : null,
        came ? h("span", { class: "badge ok", text: t.arrivedAt(timeOf(came)) }) : null,
        left ? h("span", { class: "badge", text: t.leftAt(timeOf(left)) }) : null, waiting ? waitingBadge() : null),
      s.role === "volunteer" && came && !left ? h("div", { class: "actions" }, h("button", {
        type: "button", class: "small", "data-action": "check_out", text: t.checkOut, onclick: async () => {
          const added = await recordCheckin(activity, { signup: s, kind: "check_out" });
          say(added ? t.checkedOut(s.name || "") : t.alreadyCheckedOut(s.name || ""));
          app.onChange();
          app.sync();
          go(`#/door/${id}`);
        } })) : null);
  };
  const walkName = h("input", { name: "walk_in_name", maxlength: 60, id: "walk-in-name", value: drafts.walkIn });
  walkName.addEventListener("input", () => { drafts.walkIn = walkName.value; });
  const walkForm = h("form", { class: "form", id: "walk-in-form", "data-refresh": "idle" }, field(t.walkInName, walkName),
    h("div", { class: "actions" }, h("button", { type: "submit", text: t.addWalkIn })));
  walkForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!walkName.value.trim()) return;
    drafts.walkIn = "";
    checkIn(null, walkName.value.trim());
  });
  append(root, flashBox(), h("a", { href: `#/activity/${id}`, class: "back", text: t.back }),
    h("h1", { id: "door-title", text: `${t.doorList}：${activity.title || ""}` }),
    h("p", { class: "sub", text: [when(activity), place].filter(Boolean).join(" · ") }),
    h("p", { class: "door-count", id: "door-count", "data-arrived": String(arrived),
             "data-walk-ins": String(walkIns.length), text: t.arrivedCount(arrived, list.length, walkIns.length) }),
    codeForm, h("h2", { text: t.attendees }),
    list.length ? h("ul", { class: "list attendees", id: "attendee-list" }, list.map(row))
      : h("p", { class: "hint", text: t.noAttendees }),
    h("h2", { text: t.walkIns }), walkForm,
    walkIns.length ? h("ul", { class: "list", id: "walk-in-list" }, walkIns.map((c) => h("li", { class: "card" },
      h("span", { class: "title", text: c.name || "" }), " ",
      h("span", { class: "sub", text: timeOf(c) }), queued.has(c.id) ? waitingBadge() : null))) : null);
}

describers.signups = (record, mutation) => mutation?.op === "action"
  ? t.signupActions[mutation.action] || mutation.action : t.rejectedSignup;
describers.checkins = (record) => t.rejectedCheckin(record?.name || "");
