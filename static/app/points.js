// The points bank (积分银行) on the device (backend/points): my balance (the sum of my ledger's
// entries, never a number the app keeps), its history, the rewards I can redeem, my redemptions,
// and donating points. A redemption or a donation made offline waits in the outbox; the server
// decides inside its write transaction (no overdraft, no oversold stock) and a refusal comes
// back with its reason.
import * as store from "./db.js";
import { lang, t } from "./i18n.js";
import { app, describers, flashBox, go, reason, say, waitingBadge } from "./screens.js";
import { append, field, formatTime, h } from "./ui.js";

// A redemption is cancelled (by its resident) only while reserved (backend/points/rewards.py); the
// server checks again. Donations from the phone go to a neighbour, the community's pool or the pool
// of a community paired with it (the pairings come with a sync: meta "points_partners", sync.js).
const REDEMPTION_MACHINE = { reserved: { cancel: { to: "cancelled" } } };
const DONATION_KINDS = ["resident", "community_pool", "paired_community"];

export const routes = [
  { path: "/points", for: ["resident"], screen: (view) => pointsScreen(view),
    nav: [{ for: "resident", label: "myPoints", order: 40 }],
    owns: (path) => path === "/rewards" || path === "/donate" },
  { path: "/rewards", for: ["resident"], screen: (view) => rewardsScreen(view) },
  { path: "/donate", for: ["resident"], screen: (view, { params }) => donateScreen(view, params) },
];

async function me() {
  return (await store.getMeta("user")) || {};
}

function newestFirst(a, b) {
  return (b.created_at || "").localeCompare(a.created_at || "");
}

// My balance as the server's entries say, and what my unsent redemptions and donations hold back.
export async function balanceOf(user) {
  const [entries, redemptions, outbox] = await Promise.all([store.all("points_entries"), store.all("redemptions"),
                                                            store.all("outbox")]);
  const mine = entries.filter((e) => !e.owner_id || e.owner_id === user.id);
  const balance = mine.reduce((sum, e) => sum + Number(e.amount || 0), 0);
  const queued = new Set(outbox.filter((m) => m.op === "create").map((m) => m.record_id));
  const held = redemptions.filter((r) => r._local && queued.has(r.id)).reduce((sum, r) => sum + Number(r.points || 0), 0) +
    outbox.filter((m) => m.op === "create" && m.collection === "donations")
      .reduce((sum, m) => sum + Number(m.data.amount || 0), 0);
  return { balance, held, available: balance - held, entries: mine };
}

function entryItem(e) {
  const amount = Number(e.amount || 0);
  return h("li", { class: "card entry", "data-kind": e.kind || "" },
    h("span", { class: amount >= 0 ? "amount plus" : "amount minus", text: amount >= 0 ? `+${amount}` : String(amount) }),
    h("span", { class: "title", text: t.entryKinds[e.kind] || e.memo || e.kind || "" }),
    e.memo && t.entryKinds[e.kind] ? h("span", { class: "sub", text: e.memo }) : null,
    h("span", { class: "sub", text: formatTime(e.created_at, lang) }));
}

function refusedNotice(rejections) {
  const refused = rejections.filter((x) => x.kind === "redemptions" || x.kind === "donations");
  return refused.reverse().map((x) => h("div", { class: "flash error notice", role: "alert", "data-kind": x.kind },
    h("strong", { text: `${t.notAccepted}：${x.kind === "donations" ? t.donation
      : x.mutation?.op === "action" ? t.redemptionActions[x.mutation.action] || x.mutation.action
        : t.redemptionOf(x.record?._title || "")}` }),
    h("p", { class: "reason", text: reason(x.error) }),
    h("button", { type: "button", class: "small", text: t.dismiss, onclick: async () => {
      await (await store.db()).delete("rejections", x.seq);
      app.onChange();
      go(location.hash);
    } })));
}

export async function pointsScreen(root) {
  const user = await me();
  const [{ balance, held, entries }, rejections] = await Promise.all([balanceOf(user), store.all("rejections")]);
  entries.sort(newestFirst);
  append(root, flashBox(), refusedNotice(rejections), h("h1", { text: t.myPoints }),
    h("p", { class: "balance" }, h("span", { class: "sub", text: t.balance }), " ",
      h("strong", { id: "points-balance", "data-balance": String(balance), text: String(balance) })),
    held ? h("p", { class: "sub", id: "points-held" }, t.pointsHeld(held), " ", waitingBadge()) : null,
    h("div", { class: "actions" },
      h("a", { href: "#/rewards", class: "button primary big", id: "to-rewards", text: t.redeemRewards }),
      h("a", { href: "#/donate", class: "button", id: "to-donate", text: t.donatePoints })),
    h("h2", { text: t.pointsHistory }),
    entries.length ? h("ul", { class: "list", id: "points-history" }, entries.map(entryItem))
      : h("p", { class: "hint", text: t.noEntries }));
}

function redemptionStatusBadge(status) {
  const tone = status === "reserved" ? "open" : status === "fulfilled" ? "ok" : "done";
  return h("span", { class: `badge status ${tone}`, "data-status": status, text: t.redemptionStatuses[status] || status });
}

async function redeem(reward, user) {
  const id = store.uuid();
  const now = new Date().toISOString();
  // The server sets the price and decides, inside its write transaction, whether points and stock allow it.
  await store.recordCreate("redemptions", id, { reward_id: reward.id },
    { user_id: user.id, points: reward.points, status: "reserved", created_at: now, _title: reward.title });
  say(t.redemptionSaved(reward.title));
  app.onChange();
  app.sync();
  go("#/rewards");
}

export async function rewardsScreen(root) {
  const user = await me();
  const [{ balance, available }, rewards, redemptions, outbox, rejections] = await Promise.all([
    balanceOf(user), store.all("rewards"), store.all("redemptions"), store.all("outbox"), store.all("rejections")]);
  const offered = rewards.filter((r) => r.active !== false && !r.retired_at && Number(r.stock_available) > 0)
    .sort((a, b) => a.points - b.points || String(a.title).localeCompare(String(b.title), "zh"));
  const byId = new Map(rewards.map((r) => [r.id, r]));
  const steps = (id) => new Set(outbox.filter((m) => m.record_id === id && m.op === "action").map((m) => m.action));
  const mine = redemptions.filter((r) => r.user_id === user.id).sort(newestFirst);
  const rewardItem = (r) => {
    const enough = Number(r.points) <= available;
    return h("li", { class: "card reward", "data-id": r.id },
      h("span", { class: "title", text: r.title || "" }),
      h("span", { class: "sub", text: `${t.pointsNeeded(r.points)} · ${t.inStock(r.stock_available)}` }),
      r.description ? h("p", { class: "notes", text: r.description }) : null,
      h("div", { class: "actions" }, enough
        ? h("button", { type: "button", class: "primary", "data-reward": r.id, text: t.redeem, onclick: async () => {
          if (!window.confirm(t.redeemConfirm(r.title, r.points))) return;
          await redeem(r, user);
        } })
        : h("span", { class: "hint", text: t.notEnoughPoints })));
  };
  const redemptionItem = (x) => {
    const waitingFor = steps(x.id);
    const mayCancel = !!REDEMPTION_MACHINE[x.status]?.cancel && !waitingFor.has("cancel") && !x._local;
    return h("li", { class: "card redemption", "data-id": x.id, "data-status": x.status },
      h("span", { class: "title", text: byId.get(x.reward_id)?.title || x._title || t.aReward }),
      h("span", { class: "sub", text: `${t.pointsNeeded(x.points)} · ${formatTime(x.created_at, lang)}` }),
      h("span", { class: "badges" }, redemptionStatusBadge(x.status), x._local || waitingFor.size ? waitingBadge() : null),
      mayCancel ? h("div", { class: "actions" }, h("button", { type: "button", class: "danger", "data-action": "cancel",
        text: t.redemptionActions.cancel, onclick: async () => {
          if (!window.confirm(t.cancelRedemptionConfirm)) return;
          await store.recordAction("redemptions", x.id, "cancel", {});
          say(t.actionSaved);
          app.onChange();
          app.sync();
          go("#/rewards");
        } })) : null);
  };
  append(root, flashBox(), refusedNotice(rejections), h("a", { href: "#/points", class: "back", text: t.back }),
    h("h1", { text: t.redeemRewards }),
    h("p", { class: "balance" }, h("span", { class: "sub", text: t.balance }), " ",
      h("strong", { id: "points-balance", "data-balance": String(balance), text: String(balance) }),
      available !== balance ? h("span", { class: "sub", id: "points-available", text: ` ${t.availableNow(available)}` })
        : null),
    offered.length ? h("ul", { class: "list", id: "reward-list" }, offered.map(rewardItem))
      : h("p", { class: "hint", text: t.noRewards }),
    h("h2", { text: t.myRedemptions }),
    mine.length ? h("ul", { class: "list", id: "redemption-list" }, mine.map(redemptionItem))
      : h("p", { class: "hint", text: t.noRedemptions }));
}

// The neighbours I have exchanged with: the people I can name as a donation's receiver offline.
async function neighbours(user) {
  const responses = await store.all("post_responses").catch(() => []);
  const posts = new Map((await store.all("posts").catch(() => [])).map((p) => [p.id, p]));
  const people = new Map();
  for (const r of responses) {
    if (r.responder_id === user.id && r.author_id) {
      people.set(r.author_id, posts.get(r.post_id)?.author_name || r.author_name || r.author_id);
    } else if (r.author_id === user.id && r.responder_id) {
      people.set(r.responder_id, r.responder_name || r.responder_id);
    }
  }
  return [...people.entries()].map(([id, name]) => ({ id, name }));
}

export async function donateScreen(root, params) {
  const user = await me();
  const { available } = await balanceOf(user);
  const people = await neighbours(user);
  const partners = (await store.getMeta("points_partners")) || [];
  const kinds = DONATION_KINDS.filter((k) => (k !== "resident" || people.length)
                                            && (k !== "paired_community" || partners.length));
  const toKind = h("select", { name: "to_kind", required: true },
    kinds.map((k) => h("option", { value: k, text: t.donationKinds[k] || k, selected: k === params.get("to") })));
  const person = h("select", { name: "to_id" }, people.map((p) => h("option", { value: p.id, text: p.name })));
  const personField = field(t.donateToWhom, person, t.donateToWhomHint);
  const partner = h("select", { name: "partner_id" }, partners.map((p) => h("option", { value: p.id, text: p.name })));
  const partnerField = field(t.donateToPartner, partner, t.donateToPartnerHint);
  const amount = h("input", { name: "amount", type: "number", min: 1, max: Math.max(1, available), required: true,
                              inputmode: "numeric" });
  const message = h("input", { name: "message", maxlength: 200 });
  const status = h("p", { class: "hint", role: "status" });
  const showPerson = () => {
    personField.hidden = toKind.value !== "resident";
    partnerField.hidden = toKind.value !== "paired_community";
  };
  toKind.addEventListener("change", showPerson);
  showPerson();
  const form = h("form", { class: "form", id: "donate-form" },
    field(t.donateTo, toKind), personField, partnerField, field(t.donateAmount, amount, t.availableNow(available)),
    field(t.donateMessage, message), status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary big", text: t.donate }),
      h("a", { href: "#/points", class: "button", text: t.cancel })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.className = "flash error";
    const n = Math.floor(Number(amount.value));
    if (!(n >= 1)) {
      status.textContent = t.donateAmountRequired;
      return;
    }
    if (n > available) {
      status.textContent = t.notEnoughPoints;
      return;
    }
    const data = { to_kind: toKind.value, amount: n, message: message.value.trim() };
    if (toKind.value === "resident") data.to_id = person.value;
    if (toKind.value === "paired_community") data.to_id = partner.value;
    await store.recordCreate("donations", store.uuid(), data,
      { from_user_id: user.id, created_at: new Date().toISOString() });
    say(t.donationSaved);
    app.onChange();
    app.sync();
    go("#/points");
  });
  append(root, h("a", { href: "#/points", class: "back", text: t.back }), h("h1", { text: t.donatePoints }), form);
}

describers.redemptions = (record) => t.redemptionOf(record?._title || "");
describers.donations = () => t.donation;
