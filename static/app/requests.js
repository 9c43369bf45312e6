// Requests (接诉即办) on the device: a resident's own requests (raise, follow,
// rate, reopen, withdraw) and, for grid workers and station operators, the
// requests of their area (raise one for a resident with their consent, and act
// on their own assignments). Everything renders from IndexedDB; every step goes
// to the outbox and the server's state machine decides when it arrives.
import { capabilities } from "./config.js";
import * as store from "./db.js";
import { lang, t } from "./i18n.js";
import { app, flashBox, go, locationIf, photoInput, photosOf, photoStrip, reason, say, waitingBadge } from "./screens.js";
import { append, checkbox, clear, field, formatTime, h } from "./ui.js";

// The server's rules, not a copy of them (backend/requests/machine.py, capabilities): the state
// machine as {state: {action: {to, who}}}, the open states, the days a request may be reopened,
// the roles that raise requests on a resident's behalf. The server checks every step again.
const RULES = capabilities("requests");
const MACHINE = RULES.machine || {};
export const REOPEN_DAYS = RULES.reopen_days ?? 0;
const OPEN = new Set(RULES.open_states || []);
export const ON_BEHALF_ROLES = new Set(RULES.on_behalf_roles || []);

// May `action` be taken while a request is in `status` (the state machine's part of the answer)?
function allows(status, action) {
  return !!MACHINE[status]?.[action];
}

// The screens of this area (static/app/main.js puts every area's routes together).
export const routes = [
  { path: "/requests", for: ["resident", "worker"], home: "resident", screen: (view) => requestsScreen(view),
    nav: [{ for: "resident", label: "myRequests", order: 10 }, { for: "worker", label: "requests", order: 30 }],
    owns: (path) => path.startsWith("/request/") && path !== "/request/new" },
  { path: "/request/new", for: ["resident", "worker"], screen: (view, { params }) => newRequestScreen(view, params),
    nav: [{ for: "resident", label: "newRequest", order: 20 }] },
  { path: /^\/request\/[^/]+$/, for: ["resident", "worker"], screen: (view, { parts }) => requestScreen(view, parts[2]) },
];

async function me() {
  return (await store.getMeta("user")) || {};
}

export function isResident(user) {
  return user?.role === "resident";
}

// The categories the device knows: the server's list (fetched at sync), else the built-in ones.
export async function categories() {
  const known = (await store.getMeta("request_categories")) || [];
  if (known.length) return known.map((c) => ({ code: c.code, name: t.requestCategories[c.code] || c.name || c.code }));
  return Object.entries(t.requestCategories).map(([code, name]) => ({ code, name }));
}

async function categoryName(code) {
  if (t.requestCategories[code]) return t.requestCategories[code];
  const known = (await store.getMeta("request_categories")) || [];
  return known.find((c) => c.code === code)?.name || code || "";
}

function statusBadge(status) {
  const tone = status === "resolved" ? "ok" : OPEN.has(status) ? "open" : "done";
  return h("span", { class: `badge status ${tone}`, "data-status": status, text: t.statuses[status] || status });
}

function newestFirst(a, b) {
  return (b.created_at || "").localeCompare(a.created_at || "");
}

function requestItem(r, name, pending) {
  return h("li", { class: r.overdue ? "card overdue" : "card", "data-id": r.id },
    h("a", { href: `#/request/${r.id}`, class: "row-link" },
      h("span", { class: "title", text: name }),
      h("span", { class: "sub", text: [formatTime(r.created_at, lang), r.address].filter(Boolean).join(" · ") }),
      r.description ? h("span", { class: "excerpt", text: r.description }) : null,
      h("span", { class: "badges" }, statusBadge(r.status), r.overdue ? h("span", { class: "badge alert",
        text: t.overdueBadge }) : null, pending.has(r.id) ? waitingBadge() : null)));
}

async function requestList(id, records, pending) {
  const names = await Promise.all(records.map((r) => categoryName(r.category)));
  return h("ul", { class: "list requests", id }, records.map((r, i) => requestItem(r, names[i], pending)));
}

// Requests or steps the server refused: said on the list too, so a vanished request is never a mystery.
function refusedNotice(rejections) {
  const refused = rejections.filter((x) => x.kind === "requests" || x.kind === "ratings");
  if (!refused.length) return null;
  return h("p", { class: "flash error", role: "alert", id: "refused-notice" }, `${t.refusedCount(refused.length)} `,
    h("a", { href: refused.length === 1 && (refused[0].kind === "ratings" || refused[0].mutation?.op === "action")
      ? `#/request/${refused[0].mutation.data?.target_id || refused[0].mutation.record_id}` : "#/sync", text: t.seeWhy }));
}

export async function requestsScreen(root) {
  const user = await me();
  const [records, outbox, rejections] = await Promise.all([store.all("requests"), store.all("outbox"),
                                                           store.all("rejections")]);
  const pending = new Set(outbox.map((m) => m.data?.target_id || m.record_id));
  records.sort(newestFirst);
  if (isResident(user)) {
    append(root, flashBox(), refusedNotice(rejections), h("h1", { text: t.myRequests }),
      h("div", { class: "actions" }, h("a", { href: "#/request/new", class: "button primary big", text: t.raiseRequest })),
      records.length ? await requestList("request-list", records, pending) : h("p", { class: "hint", text: t.noRequests }));
    return;
  }
  const mine = records.filter((r) => r.assignee_id === user.id && OPEN.has(r.status));
  const open = records.filter((r) => !mine.includes(r) && (OPEN.has(r.status) || r.status === "resolved"));
  const finished = records.filter((r) => !mine.includes(r) && !open.includes(r));
  append(root, flashBox(), refusedNotice(rejections), h("h1", { text: t.requests }),
    ON_BEHALF_ROLES.has(user.role)
      ? h("div", { class: "actions" }, h("a", { href: "#/request/new", class: "button primary", text: t.raiseForResident }))
      : null,
    h("h2", { text: t.assignedToMe }),
    mine.length ? await requestList("assigned-list", mine, pending) : h("p", { class: "hint", text: t.noRequests }),
    h("h2", { text: t.areaRequests }),
    open.length ? await requestList("request-list", open, pending) : h("p", { class: "hint", text: t.noRequests }),
    finished.length ? [h("h2", { text: t.finishedRequests }), await requestList("finished-list", finished, pending)]
      : null);
}

// ---- raising a request ------------------------------------------------------
function householdPicker(households, selected) {
  households.sort((a, b) => (a.address || "").localeCompare(b.address || "", "zh"));
  return h("select", { name: "household_id", required: true },
    h("option", { value: "", text: t.pickHousehold }),
    households.map((hh) => h("option", { value: hh.id, text: `${hh.address || ""} · ${hh.head_name || ""}`,
                                        selected: hh.id === selected })));
}

export async function newRequestScreen(root, params) {
  const user = await me();
  const resident = isResident(user);
  const cats = await categories();
  const category = h("select", { name: "category", required: true },
    cats.map((c) => h("option", { value: c.code, text: c.name })));
  const description = h("textarea", { name: "description", rows: 5, maxlength: 2000, required: true });
  const address = h("input", { name: "address", maxlength: 200, autocomplete: "street-address" });
  const where = checkbox(t.useLocation, { name: "location" });
  const photos = photoInput();
  const status = h("p", { class: "hint", role: "status" });
  const submit = h("button", { type: "submit", class: "primary big", text: t.submitRequest });
  let household = null;
  let person = null;
  let consent = null;
  let basis = null;
  let givenBy = null;
  const behalf = [];
  if (!resident) {
    const households = await store.all("households");
    household = householdPicker(households, params.get("h") || "");
    person = h("select", { name: "resident_id" });
    const fillResidents = async () => {
      const residents = household.value ? await store.byHousehold("residents", household.value) : [];
      clear(person).append(h("option", { value: "", text: t.wholeHousehold }),
        ...residents.map((r) => h("option", { value: r.id, text: r.name })));
    };
    household.addEventListener("change", fillResidents);
    await fillResidents();
    consent = checkbox(t.consent, { name: "consent" });
    // How the resident agreed: recorded by the server as a consent record (docs/PRIVACY.md, "Consent").
    basis = h("select", { name: "consent_basis" },
      ["verbal", "written", "guardian"].map((code) => h("option", { value: code, text: t.consentBases[code] })));
    givenBy = h("input", { name: "consent_given_by", maxlength: 50 });
    behalf.push(field(t.requestFor, household), field(t.whichResident, person),
                h("fieldset", { class: "consent" }, consent, field(t.consentBasis, basis),
                  field(t.consentGivenBy, givenBy)));
  }
  const form = h("form", { class: "form", id: "request-form" },
    behalf, field(t.category, category), field(t.description, description, t.requestDescriptionHint),
    field(t.requestAddress, address, t.addressHint), where, field(t.addPhoto, photos), status,
    h("div", { class: "actions" }, submit, h("a", { href: "#/requests", class: "button", text: t.cancel })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.className = "hint";
    if (!description.value.trim()) {
      status.textContent = t.required;
      return;
    }
    if (!resident && !household.value) {
      status.textContent = t.pickHousehold;
      return;
    }
    if (!resident && !consent.querySelector("input").checked) {
      status.className = "flash error";
      status.textContent = t.consentRequired;
      return;
    }
    if (!resident && basis.value === "guardian" && !givenBy.value.trim()) {
      status.className = "flash error";
      status.textContent = t.guardianRequired;
      return;
    }
    submit.disabled = true;
    try {
      const shots = await photosOf(photos, status);
      const location = await locationIf(where, status);
      const id = store.uuid();
      const now = new Date().toISOString();
      const request = { id, category: category.value, description: description.value.trim(), location,
                        address: address.value.trim() || null, created_at: now,
                        photo_times: Object.fromEntries(shots.map((p) => [p.sha256, p.captured_at])) };
      const local = { requester_id: user.id, requester_name: user.display_name || user.username };
      if (resident) {
        local.household_id = user.household_id;
      } else {
        Object.assign(request, { household_id: household.value, resident_id: person.value || null, on_behalf: true,
                                 consent: true, consent_basis: basis.value,
                                 consent_given_by: givenBy.value.trim() || null });
        const hh = await store.get("households", household.value);
        local.grid_id = hh?.grid_id;
        local.address = request.address || hh?.address;
        local.requester_name = person.value ? person.selectedOptions[0].textContent : hh?.head_name || "";
      }
      await store.recordRequest(request, shots, local);
      say(t.requestSaved);
      app.onChange();
      app.sync();
      go(`#/request/${id}`);
    } finally {
      submit.disabled = false;
    }
  });
  append(root, h("a", { href: "#/requests", class: "back", text: t.back }),
    h("h1", { text: resident ? t.raiseRequest : t.raiseForResident }), form);
}

// ---- one request --------------------------------------------------------------
function eventItem(e) {
  const reply = e.kind === "replied";
  const extra = e.kind === "dispatched" && e.data?.assignee_name ? t.dispatchedTo(e.data.assignee_name)
    : e.kind === "dispatched" && e.data?.department_name ? t.dispatchedTo(e.data.department_name)
      : e.kind === "rated" && e.data?.score ? "★".repeat(e.data.score) : "";
  return h("li", { class: reply ? "event reply" : "event", "data-kind": e.kind },
    h("span", { class: "when", text: formatTime(e.created_at, lang) }),
    h("span", { class: "what", text: [reply ? t.staffReply : t.eventKinds[e.kind] || e.kind, extra].filter(Boolean)
      .join(" · ") }),
    e.actor_name ? h("span", { class: "who", text: e.actor_name }) : null,
    e.message ? h("p", { class: "notes", text: e.message }) : null,
    e.photos?.length ? photoStrip(e.photos) : null);
}

function pendingItem(m) {
  const label = m.collection === "ratings" ? t.actionNames.rate
    : m.op === "create" ? t.eventKinds.submitted : t.actionNames[m.action] || m.action;
  const text = m.collection === "ratings" ? `${"★".repeat(m.data.score || 0)} ${m.data.comment || ""}`.trim()
    : m.data?.message || "";
  return h("li", { class: "event pending" }, h("span", { class: "what", text: label }), " ", waitingBadge(),
    text && m.op !== "create" ? h("p", { class: "notes", text }) : null);
}

function messageBox(name, label, required = false) {
  const box = h("textarea", { name, rows: 3, maxlength: 2000, required });
  return { box, wrap: field(label, box) };
}

function withinReopenDays(r) {
  if (!r.resolved_at) return false;
  return Date.now() - new Date(r.resolved_at).getTime() <= REOPEN_DAYS * 86400_000;
}

async function act(r, action, data, message) {
  await store.requestAction(r.id, action, data);
  say(message);
  app.onChange();
  app.sync();
  go(`#/request/${r.id}`);
}

function ratingForm(r, user) {
  const stars = [5, 4, 3, 2, 1].map((n) => {
    const input = h("input", { type: "radio", name: "score", value: String(n), id: `score-${n}` });
    return h("div", { class: "star" }, input, h("label", { for: input.id, text: t.stars[n] }));
  });
  const comment = h("textarea", { name: "comment", rows: 3, maxlength: 1000 });
  const status = h("p", { class: "hint", role: "status" });
  const form = h("form", { class: "form", id: "rate-form", "data-refresh": "idle" },
    h("fieldset", { class: "stars" }, h("legend", { text: t.rateTitle }), stars),
    field(t.ratingComment, comment), status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary big", text: t.submitRating })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[name=score]:checked");
    if (!chosen) {
      status.textContent = t.pickScore;
      return;
    }
    await store.recordRating({ id: store.uuid(), target_id: r.id, score: Number(chosen.value),
                               comment: comment.value.trim(), rater_id: user.id, created_at: new Date().toISOString() });
    say(t.ratingSaved);
    app.onChange();
    app.sync();
    go(`#/request/${r.id}`);
  });
  return [h("p", { class: "hint", text: t.rateHint }), form];
}

function reopenForm(r) {
  const { box, wrap } = messageBox("message", t.reopenReason, true);
  const form = h("form", { class: "form", id: "reopen-form", "data-refresh": "idle" }, wrap,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "big", text: t.reopen })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!box.value.trim()) return;
    await act(r, "reopen", { message: box.value.trim() }, t.reopenSaved);
  });
  return [h("h2", { text: t.reopenTitle }), h("p", { class: "hint", text: t.reopenHint(REOPEN_DAYS) }), form];
}

function withdrawButton(r) {
  return h("button", { type: "button", class: "danger", id: "withdraw", text: t.withdraw, onclick: async () => {
    if (!window.confirm(t.withdrawConfirm)) return;
    await act(r, "withdraw", {}, t.withdrawSaved);
  } });
}

// The assignee's steps (the server checks role and state again).
function handleForm(r) {
  const { box, wrap } = messageBox("message", t.handleMessage);
  const status = h("p", { class: "hint", role: "status" });
  const steps = [];
  if (allows(r.status, "start")) steps.push(["start", t.start, false]);
  if (allows(r.status, "reply")) steps.push(["reply", t.reply, true]);
  if (allows(r.status, "resolve")) steps.push(["resolve", t.resolve, true]);
  if (allows(r.status, "return")) steps.push(["return", t.returnToOffice, true]);
  if (!steps.length) return null;
  const buttons = steps.map(([action, label, needsMessage]) => h("button", {
    type: "button", class: action === "resolve" ? "primary" : "", "data-action": action, text: label,
    onclick: async () => {
      const message = box.value.trim();
      if (needsMessage && !message) {
        status.textContent = t.messageRequired;
        box.focus();
        return;
      }
      await act(r, action, message ? { message } : {}, t.actionSaved);
    },
  }));
  return [h("h2", { text: t.handleTitle }),
          h("form", { class: "form", id: "handle-form", "data-refresh": "idle", onsubmit: (e) => e.preventDefault() },
            wrap, status,
            h("div", { class: "actions" }, buttons))];
}

// What the server refused about this request (its creation, a step, a rating), with its reason.
function rejectionNotices(rejections, id) {
  const mine = rejections.filter((x) => x.mutation?.record_id === id || x.mutation?.data?.target_id === id);
  return mine.reverse().map((x) => h("div", { class: "flash error notice", role: "alert" },
    h("strong", { text: `${t.notAccepted}：${x.kind === "ratings" ? t.rejectedRating
      : x.mutation?.op === "action" ? t.actionNames[x.mutation.action] || x.mutation.action : t.newRequest}` }),
    h("p", { class: "reason", text: reason(x.error) }),
    h("button", { type: "button", class: "small", text: t.dismiss, onclick: async () => {
      await (await store.db()).delete("rejections", x.seq);
      app.onChange();
      go(`#/request/${id}`);
    } })));
}

export async function requestScreen(root, id) {
  const user = await me();
  const [r, rejections] = await Promise.all([store.get("requests", id), store.all("rejections")]);
  const notices = rejectionNotices(rejections, id);
  if (!r) {
    append(root, flashBox(), notices, h("p", { text: t.unknownRequest }),
      h("a", { href: "#/requests", class: "button", text: t.back }));
    return;
  }
  const [events, ratings, outbox] = await Promise.all([
    store.byIndex("request_events", "request_id", id), store.byIndex("ratings", "target_id", id),
    store.outboxFor(id)]);
  events.sort((a, b) => (a.created_at || "").localeCompare(b.created_at || "") || (a._v || 0) - (b._v || 0));
  const myRating = ratings.find((x) => x.rater_id === user.id);
  const pendingSteps = outbox.filter((m) => m.op === "action" || m.collection === "ratings");
  const waitingFor = new Set(pendingSteps.map((m) => (m.collection === "ratings" ? "rate" : m.action)));
  const resident = isResident(user);

  const actions = [];
  if (resident) {
    if (myRating) actions.push(h("p", { class: "rating", id: "my-rating", text: t.yourRating(myRating.score) }));
    else if (allows(r.status, "rate") && !waitingFor.has("rate")) actions.push(ratingForm(r, user));
    if (allows(r.status, "reopen") && withinReopenDays(r) && !waitingFor.has("reopen")) {
      actions.push(reopenForm(r));
    }
  } else if (r.assignee_id === user.id) {
    actions.push(handleForm(r));
  }
  const mayWithdraw = resident || (r.on_behalf && r.requester_id === user.id);
  if (mayWithdraw && allows(r.status, "withdraw") && !waitingFor.has("withdraw")) {
    actions.push(h("div", { class: "actions" }, withdrawButton(r)));
  }

  append(root, flashBox(), notices,
    h("a", { href: "#/requests", class: "back", text: t.back }),
    h("h1", { text: await categoryName(r.category) }),
    h("p", { class: "badges" }, statusBadge(r.status), r.overdue ? h("span", { class: "badge alert",
      text: t.overdueBadge }) : null, r._local || outbox.length ? waitingBadge() : null),
    h("p", { class: "notes", id: "request-description", text: r.description }),
    r.address ? h("p", { class: "sub", text: `${t.address}：${r.address}` }) : null,
    r.location?.lat !== undefined ? h("p", { class: "sub", text: `${r.location.lat.toFixed(5)}, ${r.location.lng.toFixed(5)}` })
      : null,
    h("p", { class: "sub", text: t.raisedAt(formatTime(r.created_at, lang)) }),
    r.on_behalf ? h("p", { class: "sub", id: "on-behalf", text: t.raisedOnBehalf(
      events.find((e) => e.kind === "submitted")?.actor_name || (r.requester_id === user.id
        ? user.display_name || user.username : t.staffWord)) }) : null,
    r.photos?.length ? [h("p", { class: "sub", text: t.photosCount(r.photos.length) }), photoStrip(r.photos)] : null,
    actions,
    h("h2", { text: t.timeline }),
    events.length || pendingSteps.length
      ? h("ol", { class: "timeline", id: "timeline" }, events.map(eventItem), pendingSteps.map(pendingItem))
      : h("p", { class: "hint", text: t.noEvents }));
}
