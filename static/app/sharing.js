// The sharing community (共享社区) on the device (backend/sharing): neighbours' posts (lend, give,
// a skill, a call for help) of the resident's community and those shared with the whole street;
// answering one; posting with photos; and the exchanges that follow (accept, hand over, return,
// confirm, rate). Everything renders from IndexedDB; every step goes to the outbox and the
// server's rules decide when it arrives ("already promised to someone else" comes back as a
// rejection, shown on the post's page and on the sync page).
import { capabilities } from "./config.js";
import * as store from "./db.js";
import { lang, t } from "./i18n.js";
import { app, describers, flashBox, go, photoInput, photosOf, photoStrip, reason, say, waitingBadge } from "./screens.js";
import { append, checkbox, field, formatTime, h } from "./ui.js";

// The server's rules (backend/sharing/machine.py, capabilities): the exchanges' state machine as
// {state: {action: {to, who, kinds}}} (who: "author", "responder" or "either"; kinds: the kinds of
// post it applies to), the kinds, the exchanges' open states, the roles that post on a resident's
// behalf. The app offers only the steps the table allows; the server checks every step again.
const RULES = capabilities("sharing");
const MACHINE = RULES.machine || {};
const KINDS = RULES.kinds || ["help", "lend", "give", "skill"];
const OPEN_RESPONSES = new Set(RULES.open_states || []);
const ON_BEHALF_ROLES = new Set(RULES.on_behalf_roles || []);
// A post takes answers while open; a full one (every place promised) still shows in the list.
const ANSWERABLE = new Set(["open"]);
const LISTED = new Set(["open", "full"]);

export const routes = [
  { path: "/share", for: ["resident", "worker"], screen: (view, { params }) => postsScreen(view, params),
    nav: [{ for: "resident", label: "sharing", order: 30 }, { for: "worker", label: "sharing", order: 50 }],
    owns: (path) => path.startsWith("/post/") || path.startsWith("/share/") },
  { path: "/share/new", for: ["resident", "worker"], screen: (view, { params }) => newPostScreen(view, params) },
  { path: "/share/mine", for: ["resident", "worker"], screen: (view) => mineScreen(view) },
  { path: /^\/post\/[^/]+$/, for: ["resident", "worker"], screen: (view, { parts }) => postScreen(view, parts[2]) },
  { path: /^\/post\/[^/]+\/edit$/, for: ["resident", "worker"], screen: (view, { parts }) => editPostScreen(view, parts[2]) },
];

// May `who` ("author" or "responder") take `action` on an exchange in `status` of a post of `kind`?
function allows(status, action, who, kind) {
  const step = MACHINE[status]?.[action];
  if (!step || (kind && step.kinds && !step.kinds.includes(kind))) return false;
  return step.who === who || step.who === "either";
}

async function me() {
  return (await store.getMeta("user")) || {};
}

function newestFirst(a, b) {
  return (b.created_at || "").localeCompare(a.created_at || "");
}

function live(post) {
  return !post.retired_at && !post.hidden;
}

function kindBadge(kind) {
  return h("span", { class: `badge kind kind-${kind}`, "data-kind": kind, text: t.postKinds[kind] || kind });
}

function postStatusBadge(status) {
  const tone = LISTED.has(status) ? "open" : "done";
  return h("span", { class: `badge status ${tone}`, "data-status": status, text: t.postStatuses[status] || status });
}

function exchangeStatusBadge(status) {
  const tone = status === "confirmed" || status === "closed" ? "ok" : OPEN_RESPONSES.has(status) ? "open" : "done";
  return h("span", { class: `badge status ${tone}`, "data-status": status,
                     text: t.exchangeStatuses[status] || status });
}

// A lent item not back by its due date (the server marks it too; the phone's clock says so offline).
export function isOverdue(response, now = Date.now()) {
  return response.status === "lent" && (!!response.overdue ||
    (!!response.due_at && new Date(response.due_at).getTime() < now));
}

// The community's catalogue (share_categories: id, name, sort_order), kept by its staff.
async function categoryName(id) {
  if (!id) return "";
  return (await store.get("share_categories", id))?.name || "";
}

async function categories() {
  const cats = (await store.all("share_categories")).filter((c) => !c.retired_at);
  cats.sort((a, b) => (a.sort_order ?? 0) - (b.sort_order ?? 0) || String(a.name).localeCompare(String(b.name), "zh"));
  return cats.map((c) => ({ code: c.id, name: c.name }));
}

function postItem(post, { pending, mine, categoryLabel }) {
  return h("li", { class: "card post", "data-id": post.id, "data-kind": post.kind },
    h("a", { href: `#/post/${post.id}`, class: "row-link" },
      h("span", { class: "title", text: post.title || "" }),
      h("span", { class: "sub", text: [post.author_name, categoryLabel, formatTime(post.created_at, lang)]
        .filter(Boolean).join(" · ") }),
      post.body ? h("span", { class: "excerpt", text: post.body }) : null,
      h("span", { class: "badges" }, kindBadge(post.kind), postStatusBadge(post.status),
        post.reach === "street" ? h("span", { class: "badge tag", text: t.streetWide }) : null,
        mine ? h("span", { class: "badge", text: t.myPost }) : null,
        post.photos?.length ? h("span", { class: "badge", text: t.photosCount(post.photos.length) }) : null,
        pending.has(post.id) || post._local ? waitingBadge() : null)));
}

async function postList(id, posts, pending, user) {
  const labels = await Promise.all(posts.map((p) => categoryName(p.category)));
  return h("ul", { class: "list posts", id }, posts.map((p, i) => postItem(p, {
    pending, mine: p.author_id === user.id, categoryLabel: labels[i] })));
}

// What the server refused in this area, said on the list too, with a way to the reason.
function refusedNotice(rejections) {
  const refused = rejections.filter((x) => x.kind === "posts" || x.kind === "post_responses");
  if (!refused.length) return null;
  const one = refused.length === 1 ? postIdOf(refused[0]) : null;
  return h("p", { class: "flash error", role: "alert", id: "share-refused" }, `${t.shareRefused(refused.length)} `,
    h("a", { href: one ? `#/post/${one}` : "#/sync", text: t.seeWhy }));
}

function postIdOf(rejection) {
  if (rejection.kind === "posts") return rejection.mutation?.record_id;
  return rejection.record?.post_id || rejection.mutation?.data?.post_id || null;
}

export async function postsScreen(root, params) {
  const user = await me();
  const kind = params.get("kind") || "";
  const [posts, outbox, rejections] = await Promise.all([store.all("posts"), store.all("outbox"),
                                                         store.all("rejections")]);
  const pending = new Set(outbox.map((m) => m.record_id));
  const shown = posts.filter((p) => live(p) && (!kind || p.kind === kind) &&
    (LISTED.has(p.status) || p.author_id === user.id || p._local)).sort(newestFirst);
  const filters = h("nav", { class: "filters", "aria-label": t.filterByKind },
    ["", ...KINDS].map((k) => h("a", { href: k ? `#/share?kind=${k}` : "#/share", class: "button small",
                                       "aria-current": k === kind ? "true" : null, "data-kind": k || "all",
                                       text: k ? t.postKinds[k] || k : t.allKinds })));
  const mayPost = user.role === "resident" || user.role === "volunteer" || ON_BEHALF_ROLES.has(user.role);
  append(root, flashBox(), refusedNotice(rejections), h("h1", { text: t.sharing }),
    h("div", { class: "actions" },
      mayPost ? h("a", { href: "#/share/new", class: "button primary big", id: "new-post", text: t.newPost }) : null,
      h("a", { href: "#/share/mine", class: "button", id: "my-sharing", text: t.mySharing })),
    filters,
    shown.length ? await postList("post-list", shown, pending, user) : h("p", { class: "hint", text: t.noPosts }));
}

// ---- posting -------------------------------------------------------------------
function householdPicker(households, selected) {
  households.sort((a, b) => (a.address || "").localeCompare(b.address || "", "zh"));
  return h("select", { name: "household_id", required: true },
    h("option", { value: "", text: t.pickHousehold }),
    households.map((hh) => h("option", { value: hh.id, text: `${hh.address || ""} · ${hh.head_name || ""}`,
                                        selected: hh.id === selected })));
}

export async function newPostScreen(root, params) {
  const user = await me();
  const resident = user.role === "resident" || user.role === "volunteer";
  const kind = h("select", { name: "kind", required: true },
    KINDS.map((k) => h("option", { value: k, text: t.postKinds[k] || k, selected: k === (params.get("kind") || "help") })));
  const cats = await categories();
  const category = h("select", { name: "category" }, h("option", { value: "", text: t.noCategory }),
    cats.map((c) => h("option", { value: c.code, text: c.name })));
  const title = h("input", { name: "title", maxlength: 80, required: true });
  const body = h("textarea", { name: "body", rows: 5, maxlength: 2000 });
  const availability = h("input", { name: "availability", maxlength: 120 });
  const capacity = h("input", { name: "capacity", type: "number", min: 1, max: 50, value: "1", inputmode: "numeric" });
  const capacityField = field(t.capacity, capacity, t.capacityHint);
  const street = checkbox(t.reachStreet, { name: "reach_street" });
  const photos = photoInput();
  const status = h("p", { class: "hint", role: "status" });
  const submit = h("button", { type: "submit", class: "primary big", text: t.publishPost });
  const showCapacity = () => { capacityField.hidden = kind.value !== "skill"; };
  kind.addEventListener("change", showCapacity);
  showCapacity();
  let household = null;
  let consent = null;
  let basis = null;
  let givenBy = null;
  const behalf = [];
  if (!resident) {
    household = householdPicker(await store.all("households"), params.get("h") || "");
    consent = checkbox(t.shareConsent, { name: "consent" });
    // How the resident agreed: the server keeps it as a consent record (docs/PRIVACY.md, "Consent").
    basis = h("select", { name: "consent_basis" },
      ["verbal", "written", "guardian"].map((code) => h("option", { value: code, text: t.consentBases[code] })));
    givenBy = h("input", { name: "consent_given_by", maxlength: 50 });
    behalf.push(field(t.postFor, household), h("fieldset", { class: "consent" }, consent,
      field(t.consentBasis, basis), field(t.consentGivenBy, givenBy)));
  }
  const form = h("form", { class: "form", id: "post-form" },
    behalf, field(t.postKind, kind), field(t.postTitle, title, t.postTitleHint), field(t.postBody, body),
    cats.length ? field(t.category, category) : null, field(t.availability, availability, t.availabilityHint),
    capacityField, street, field(t.addPhoto, photos), status,
    h("div", { class: "actions" }, submit, h("a", { href: "#/share", class: "button", text: t.cancel })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.className = "hint";
    if (!title.value.trim()) {
      status.textContent = t.required;
      title.focus();
      return;
    }
    if (!resident && !household.value) {
      status.textContent = t.pickHousehold;
      return;
    }
    if (!resident && !consent.querySelector("input").checked) {
      status.className = "flash error";
      status.textContent = t.shareConsentRequired;
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
      const id = store.uuid();
      const now = new Date().toISOString();
      const data = { kind: kind.value, title: title.value.trim(), body: body.value.trim(),
                     availability: availability.value.trim(), reach: street.querySelector("input").checked
                       ? "street" : "community",
                     photos: shots.map((p) => p.sha256) };
      if (category.value) data.category = category.value;
      if (kind.value === "skill") data.capacity = Math.min(50, Math.max(1, Number(capacity.value) || 1));
      const local = { author_id: user.id, author_name: user.display_name || user.username, status: "open",
                      created_at: now, updated_at: now, household_id: user.household_id || null };
      if (!resident) {
        Object.assign(data, { household_id: household.value, on_behalf: true, consent: true,
                              consent_basis: basis.value });
        if (givenBy.value.trim()) data.consent_given_by = givenBy.value.trim();
        const hh = await store.get("households", household.value);
        Object.assign(local, { household_id: household.value, grid_id: hh?.grid_id, author_name: hh?.head_name || "" });
      }
      await store.recordCreate("posts", id, data, local, shots);
      say(t.postSaved);
      app.onChange();
      app.sync();
      go(`#/post/${id}`);
    } finally {
      submit.disabled = false;
    }
  });
  append(root, h("a", { href: "#/share", class: "back", text: t.back }),
    h("h1", { text: resident ? t.newPost : t.postForResident }), form);
}

// ---- one post and its exchanges -----------------------------------------------
async function act(collection, id, action, data, message, back) {
  await store.recordAction(collection, id, action, data);
  say(message);
  app.onChange();
  app.sync();
  go(back);
}

function answerLabel(kind) {
  return t.answerLabels[kind] || t.answerLabels.help;
}

async function answerForm(post, user) {
  const resident = user.role === "resident" || user.role === "volunteer";
  const message = h("textarea", { name: "message", rows: 3, maxlength: 1000 });
  const status = h("p", { class: "hint", role: "status" });
  // Grid workers and staff answer for a resident with no phone, with their consent.
  const behalf = [];
  let person = null;
  let consent = null;
  if (!resident) {
    const household = householdPicker(await store.all("households"), "");
    person = h("select", { name: "resident_id", required: true });
    household.addEventListener("change", async () => {
      const people = household.value ? await store.byHousehold("residents", household.value) : [];
      person.replaceChildren(...people.map((r) => h("option", { value: r.id, text: r.name })));
    });
    consent = checkbox(t.answerConsent, { name: "consent" });
    behalf.push(field(t.postFor, household), field(t.whichResident, person), h("fieldset", { class: "consent" }, consent));
  }
  const form = h("form", { class: "form", id: "answer-form", "data-refresh": "idle" },
    behalf, field(t.answerMessage, message, t.answerHint), status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary big", id: "answer",
                                                 text: answerLabel(post.kind) })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!resident && !person.value) {
      status.textContent = t.pickHousehold;
      return;
    }
    if (!resident && !consent.querySelector("input").checked) {
      status.className = "flash error";
      status.textContent = t.shareConsentRequired;
      return;
    }
    const id = store.uuid();
    const now = new Date().toISOString();
    // An answer always says something: the button's words when nothing was typed.
    const data = { post_id: post.id, message: message.value.trim() || answerLabel(post.kind) };
    const local = { community_id: post.community_id, responder_id: user.id,
                    responder_name: user.display_name || user.username, author_id: post.author_id,
                    status: "pending", created_at: now };
    if (!resident) {
      Object.assign(data, { resident_id: person.value, on_behalf: true, consent: true });
      Object.assign(local, { responder_name: person.selectedOptions[0]?.textContent || "", on_behalf: true });
    }
    await store.recordCreate("post_responses", id, data, local);
    say(t.answerSaved);
    app.onChange();
    app.sync();
    go(`#/post/${post.id}`);
  });
  return [h("h2", { text: t.answerTitle }), form];
}

function ratingBox(response, side) {
  const stars = [5, 4, 3, 2, 1].map((n) => {
    const input = h("input", { type: "radio", name: `score-${response.id}`, value: String(n),
                               id: `score-${response.id}-${n}` });
    return h("div", { class: "star" }, input, h("label", { for: input.id, text: t.stars[n] }));
  });
  const comment = h("input", { name: "comment", maxlength: 60 });
  const status = h("p", { class: "hint", role: "status" });
  const form = h("form", { class: "form rate-exchange", "data-refresh": "idle" },
    h("fieldset", { class: "stars" }, h("legend", { text: side === "author" ? t.rateHelper : t.rateAuthor }), stars),
    field(t.rateWord, comment), status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t.submitRating })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = form.querySelector(`input[name="score-${response.id}"]:checked`);
    if (!chosen) {
      status.textContent = t.pickScore;
      return;
    }
    await act("post_responses", response.id, "rate", { score: Number(chosen.value), comment: comment.value.trim() },
      t.ratingSaved, `#/post/${response.post_id}`);
  });
  return form;
}

function handOverForm(response) {
  // Left empty (a form with nothing in it is redrawn when a sync brings news); from tomorrow on.
  const d = new Date(Date.now() + 86400_000);
  const due = h("input", { type: "date", name: "due_at", required: true,
    min: `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}` });
  const form = h("form", { class: "form hand-over", "data-refresh": "idle" }, field(t.dueDate, due),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", "data-action": "hand_over",
                                                 text: t.exchangeActions.hand_over })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!due.value) return;
    // The end of the chosen day, with this phone's offset.
    const at = store.isoLocal(new Date(`${due.value}T23:59:00`));
    await act("post_responses", response.id, "hand_over", { due_at: at }, t.actionSaved, `#/post/${response.post_id}`);
  });
  return form;
}

const SIMPLE_ACTIONS = ["accept", "decline", "withdraw", "return", "done", "confirm", "cancel"];

// One exchange as the person looking at it (its author or its responder) sees it.
function exchangeCard(response, post, user, waitingFor) {
  const side = response.author_id === user.id || post?.author_id === user.id ? "author"
    : response.responder_id === user.id ? "responder" : "staff";
  const confirmed = side === "author" ? response.confirmed_by_author : response.confirmed_by_responder;
  const allowed = (action) => allows(response.status, action, side, post?.kind) && !waitingFor.has(action) &&
    !(action === "confirm" && confirmed) && !response._local;
  const buttons = SIMPLE_ACTIONS.filter(allowed).map((action) => h("button", {
    type: "button", class: action === "accept" || action === "confirm" ? "primary" : action === "decline" ||
      action === "withdraw" || action === "cancel" ? "danger" : "", "data-action": action,
    text: t.exchangeActions[action] || action,
    onclick: async () => {
      if ((action === "withdraw" || action === "cancel") && !window.confirm(t.exchangeWithdrawConfirm)) return;
      await act("post_responses", response.id, action, {}, t.actionSaved, `#/post/${response.post_id}`);
    },
  }));
  const myScore = side === "author" ? response.author_score : response.responder_score;
  const theirScore = side === "author" ? response.responder_score : response.author_score;
  const overdue = isOverdue(response);
  return h("li", { class: overdue ? "card exchange overdue" : "card exchange", "data-id": response.id,
                   "data-status": response.status },
    h("span", { class: "title", text: side === "responder" ? t.youAnswered : response.responder_name || "" }),
    h("span", { class: "badges" }, exchangeStatusBadge(response.status),
      overdue ? h("span", { class: "badge alert overdue-badge", text: t.overdueItem }) : null,
      response._local || waitingFor.size ? waitingBadge() : null),
    response.message ? h("p", { class: "notes", text: response.message }) : null,
    response.due_at ? h("p", { class: "sub due", text: t.dueOn(formatTime(response.due_at, lang)) }) : null,
    response.confirmed_by_author ? h("p", { class: "sub", text: t.authorConfirmed }) : null,
    response.confirmed_by_responder ? h("p", { class: "sub", text: t.responderConfirmed }) : null,
    myScore ? h("p", { class: "rating my-score", text: t.yourScore(myScore) }) : null,
    theirScore ? h("p", { class: "sub", text: t.theirScore(theirScore, side === "author" ? response.responder_comment
      : response.author_comment) }) : null,
    [...waitingFor].map((action) => h("p", { class: "sub pending" }, `${t.exchangeActions[action] || action} `,
      waitingBadge())),
    buttons.length ? h("div", { class: "actions" }, buttons) : null,
    allowed("hand_over") ? handOverForm(response) : null,
    allowed("rate") && !myScore ? ratingBox(response, side) : null);
}

function rejectionNotices(rejections, postId) {
  const mine = rejections.filter((x) => postIdOf(x) === postId);
  return mine.reverse().map((x) => h("div", { class: "flash error notice", role: "alert" },
    h("strong", { text: `${t.notAccepted}：${x.mutation?.op === "action"
      ? t.exchangeActions[x.mutation.action] || t.postActions[x.mutation.action] || x.mutation.action
      : x.mutation?.op === "delete" ? t.postActions.withdraw : x.kind === "posts" ? t.newPost : t.answerTitle}` }),
    h("p", { class: "reason", text: reason(x.error) }),
    h("button", { type: "button", class: "small", text: t.dismiss, onclick: async () => {
      await (await store.db()).delete("rejections", x.seq);
      app.onChange();
      go(`#/post/${postId}`);
    } })));
}

// A report goes to the community's staff at once (POST /api/v1/sharing/posts/{id}/report): it is
// no record of the device's, so it needs a signal; the reason is read by staff only.
function reportForm(post) {
  const why = h("textarea", { name: "reason", rows: 2, maxlength: 500, required: true });
  const status = h("p", { class: "hint", role: "status" });
  const submit = h("button", { type: "submit", class: "danger", text: t.reportPost });
  const form = h("form", { class: "form", id: "report-form", "data-refresh": "idle" }, field(t.reportWhy, why),
    status, h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!why.value.trim()) return;
    if (!navigator.onLine) {
      status.className = "flash warn";
      status.textContent = t.reportNeedsNetwork;
      return;
    }
    submit.disabled = true;
    try {
      const token = await store.getMeta("token");
      const response = await fetch(`/api/v1/sharing/posts/${encodeURIComponent(post.id)}/report`, {
        method: "POST", credentials: "omit", cache: "no-store",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ reason: why.value.trim() }) });
      if (response.ok) {
        say(t.reportSent);
        go(`#/post/${post.id}`);
        return;
      }
      status.className = "flash error";
      status.textContent = reason(await response.json().catch(() => ({ title: response.statusText })));
    } catch {
      status.className = "flash warn";
      status.textContent = t.reportNeedsNetwork;
    } finally {
      submit.disabled = false;
    }
  });
  return h("details", { class: "report" }, h("summary", { text: t.reportPost }), form);
}

export async function postScreen(root, id) {
  const user = await me();
  const [post, rejections, outbox] = await Promise.all([store.get("posts", id), store.all("rejections"),
                                                        store.all("outbox")]);
  const notices = rejectionNotices(rejections, id);
  if (!post) {
    append(root, flashBox(), notices, h("p", { text: t.unknownPost }),
      h("a", { href: "#/share", class: "button", text: t.back }));
    return;
  }
  const responses = (await store.byIndex("post_responses", "post_id", id)).sort(newestFirst);
  const steps = (recordId) => new Set(outbox.filter((m) => m.record_id === recordId && m.op === "action")
    .map((m) => m.action));
  const mine = post.author_id === user.id;
  const myAnswer = responses.find((r) => r.responder_id === user.id);
  const postSteps = steps(id);
  const parts = [];
  if (mine) {
    parts.push(h("h2", { text: t.answers }),
      responses.length ? h("ul", { class: "list", id: "exchange-list" },
        responses.map((r) => exchangeCard(r, post, user, steps(r.id))))
        : h("p", { class: "hint", text: t.noAnswers }));
    if (LISTED.has(post.status) && !post._local && !outbox.some((m) => m.record_id === id && m.op === "delete")) {
      parts.push(h("div", { class: "actions" }, h("a", { href: `#/post/${id}/edit`, class: "button", id: "edit-post",
                                                         text: t.editPost }), h("button", { type: "button", class: "danger", id: "withdraw-post",
        text: t.postActions.withdraw, onclick: async () => {
          if (!window.confirm(t.withdrawPostConfirm)) return;
          await store.recordDelete("posts", id, post._v);
          say(t.withdrawPostSaved);
          app.onChange();
          app.sync();
          go(`#/post/${id}`);
        } })));
    }
  } else {
    if (myAnswer) {
      parts.push(h("h2", { text: t.myExchange }),
        h("ul", { class: "list", id: "exchange-list" }, exchangeCard(myAnswer, post, user, steps(myAnswer.id))));
    } else if (ANSWERABLE.has(post.status) && !post._local) {
      parts.push(await answerForm(post, user));
    }
    if (!post._local) parts.push(reportForm(post));
  }
  append(root, flashBox(), notices,
    h("a", { href: "#/share", class: "back", text: t.back }),
    h("h1", { id: "post-title", text: post.title || "" }),
    h("p", { class: "badges" }, kindBadge(post.kind), postStatusBadge(post.status),
      post.reach === "street" ? h("span", { class: "badge tag", text: t.streetWide }) : null,
      post._local || postSteps.size ? waitingBadge() : null),
    h("p", { class: "sub", id: "post-author", text: [post.author_name, formatTime(post.created_at, lang)]
      .filter(Boolean).join(" · ") }),
    post.on_behalf ? h("p", { class: "sub", text: t.postedOnBehalf }) : null,
    post.category ? h("p", { class: "sub", text: `${t.category}：${await categoryName(post.category)}` }) : null,
    post.body ? h("p", { class: "notes", id: "post-body", text: post.body }) : null,
    post.availability ? h("p", { class: "sub", text: `${t.availability}：${post.availability}` }) : null,
    post.kind === "skill" && post.capacity ? h("p", { class: "sub", text: t.capacityOf(post.capacity) }) : null,
    post.photos?.length ? photoStrip(post.photos) : null,
    parts);
}

// ---- the author edits their post ------------------------------------------------
// Posts are editable (docs/SYNC.md, "Sharing"): the changed fields go as one `update` with the
// version the phone holds, and the server merges them field by field (only the author may).
export async function editPostScreen(root, id) {
  const [user, post] = await Promise.all([me(), store.get("posts", id)]);
  if (!post || post.author_id !== user.id || post._local) return postScreen(root, id);
  const cats = await categories();
  const category = h("select", { name: "category" }, h("option", { value: "", text: t.noCategory }),
    cats.map((c) => h("option", { value: c.code, text: c.name, selected: c.code === post.category })));
  const title = h("input", { name: "title", maxlength: 80, required: true, value: post.title || "" });
  const body = h("textarea", { name: "body", rows: 5, maxlength: 2000 });
  body.value = post.body || "";
  const availability = h("input", { name: "availability", maxlength: 120, value: post.availability || "" });
  const kept = (post.photos || []).map((sha) => checkbox(t.keepPhoto, { name: "keep_photo", value: sha, checked: true }));
  const photos = photoInput();
  const status = h("p", { class: "hint", role: "status" });
  const submit = h("button", { type: "submit", class: "primary big", text: t.save });
  const form = h("form", { class: "form", id: "edit-post-form" },
    field(t.postTitle, title, t.postTitleHint), field(t.postBody, body),
    cats.length ? field(t.category, category) : null, field(t.availability, availability, t.availabilityHint),
    post.photos?.length ? h("div", { class: "field" }, photoStrip(post.photos), kept) : null,
    field(t.addPhoto, photos), status,
    h("div", { class: "actions" }, submit, h("a", { href: `#/post/${id}`, class: "button", text: t.cancel })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.className = "hint";
    if (!title.value.trim()) {
      status.textContent = t.required;
      title.focus();
      return;
    }
    submit.disabled = true;
    try {
      const shots = await photosOf(photos, status);
      const keep = kept.map((box) => box.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      const changes = { title: title.value.trim(), body: body.value.trim(), availability: availability.value.trim(),
                        photos: [...keep, ...shots.map((p) => p.sha256)] };
      if (category.value || post.category) changes.category = category.value || null;
      const changed = await store.editRecord("posts", id, changes, shots);
      say(changed ? t.postEditSaved : t.nothingChanged);
      app.onChange();
      if (changed) app.sync();
      go(`#/post/${id}`);
    } finally {
      submit.disabled = false;
    }
  });
  append(root, h("a", { href: `#/post/${id}`, class: "back", text: t.back }), h("h1", { text: t.editPost }), form);
}

// ---- my posts and my exchanges -------------------------------------------------
export async function mineScreen(root) {
  const user = await me();
  const [posts, responses, outbox] = await Promise.all([store.all("posts"), store.all("post_responses"),
                                                        store.all("outbox")]);
  const pending = new Set(outbox.map((m) => m.record_id));
  const myPosts = posts.filter((p) => p.author_id === user.id).sort(newestFirst);
  const byId = new Map(posts.map((p) => [p.id, p]));
  const exchanges = responses.filter((r) => r.responder_id === user.id || r.author_id === user.id).sort(newestFirst);
  const exchangeItem = (r) => {
    const post = byId.get(r.post_id);
    const overdue = isOverdue(r);
    const other = r.responder_id === user.id ? post?.author_name : r.responder_name;
    return h("li", { class: overdue ? "card overdue" : "card", "data-id": r.id },
      h("a", { href: `#/post/${r.post_id}`, class: "row-link" },
        h("span", { class: "title", text: post?.title || t.unknownPost }),
        h("span", { class: "sub", text: [other, formatTime(r.created_at, lang)].filter(Boolean).join(" · ") }),
        h("span", { class: "badges" }, post ? kindBadge(post.kind) : null, exchangeStatusBadge(r.status),
          overdue ? h("span", { class: "badge alert overdue-badge", text: t.overdueItem }) : null,
          pending.has(r.id) || r._local ? waitingBadge() : null)));
  };
  append(root, flashBox(), h("a", { href: "#/share", class: "back", text: t.back }), h("h1", { text: t.mySharing }),
    h("h2", { text: t.myPosts }),
    myPosts.length ? await postList("my-posts", myPosts, pending, user) : h("p", { class: "hint", text: t.noPosts }),
    h("h2", { text: t.myExchanges }),
    exchanges.length ? h("ul", { class: "list", id: "my-exchanges" }, exchanges.map(exchangeItem))
      : h("p", { class: "hint", text: t.noExchanges }));
}

// The sync page names what was refused.
describers.posts = (record) => t.rejectedPost(record?.title || "");
describers.post_responses = () => t.rejectedExchange;
