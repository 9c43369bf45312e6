// Function rooms (功能室) on the device (backend/rooms): the rooms of the community, a room's free
// slots for a day or a week (the server's answer, fetched when there is a signal and kept for
// offline: residents never receive others' bookings, only "busy"), booking one (one-off, or weekly
// where the server lets residents), my bookings and their state. A booking made offline is the
// server's to decide: two phones asking for one slot, one holds it and the other is told why,
// with the next free slot the server offers, which it can book in one tap.
import { capabilities } from "./config.js";
import * as store from "./db.js";
import { lang, t } from "./i18n.js";
import { app, describers, flashBox, go, reason, say, waitingBadge } from "./screens.js";
import { append, checkbox, field, formatTime, h } from "./ui.js";

// The server's rules (backend/rooms/machine.py, capabilities): the bookings' machine
// {state: {action: {to, who}}} (who: "booker", "staff" or "either"), the longest weekly series (none:
// one-off bookings only) and the longest booking.
const RULES = capabilities("rooms");
const MACHINE = RULES.machine || {};
const MAX_WEEKS = RULES.max_weeks || 0;
const MAX_HOURS = RULES.max_hours || 12;
const SLOT_MINUTES = 60;
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export const routes = [
  { path: "/rooms", for: ["resident", "worker"], screen: (view) => roomsScreen(view),
    nav: [{ for: "resident", label: "rooms", order: 27 }, { for: "worker", label: "rooms", order: 47 }],
    owns: (path) => path.startsWith("/room/") || path.startsWith("/rooms/") },
  { path: "/rooms/mine", for: ["resident", "worker"], screen: (view) => myBookingsScreen(view) },
  { path: /^\/room\/[^/]+$/, for: ["resident", "worker"], screen: (view, { parts, params }) =>
    roomScreen(view, parts[2], params) },
];

function allows(status, action) {
  const step = MACHINE[status]?.[action];
  if (Object.keys(MACHINE).length) return !!step && step.who !== "staff";
  return action === "cancel" && (status === "pending" || status === "confirmed");
}

async function me() {
  return (await store.getMeta("user")) || {};
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function dayValue(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function timeValue(date) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function clock(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
}

function span(slot) {
  return `${formatTime(slot.starts_at, lang)}–${clock(slot.ends_at)}`;
}

function statusBadge(booking) {
  const status = booking._local ? "sending" : booking.status;
  const tone = status === "confirmed" ? "ok" : status === "pending" ? "open" : status === "sending" ? "waiting"
    : "done";
  return h("span", { class: `badge booking-status ${tone}`, "data-status": status,
                     text: t.bookingStatuses[status] || status });
}

function openingText(hours) {
  if (!hours || typeof hours !== "object") return "";
  const ranges = (value) => [].concat(value || []).map((r) => Array.isArray(r) ? r.join("–")
    : typeof r === "object" ? `${r.open || r.start || r.from}–${r.close || r.end || r.to}` : String(r)).join("、");
  const keys = Object.keys(hours).sort((a, b) => {
    const ia = WEEKDAYS.indexOf(a) >= 0 ? WEEKDAYS.indexOf(a) : Number(a);
    const ib = WEEKDAYS.indexOf(b) >= 0 ? WEEKDAYS.indexOf(b) : Number(b);
    return ia - ib;
  });
  return keys.filter((k) => ranges(hours[k])).map((k) => `${t.weekdays[k] ?? k} ${ranges(hours[k])}`).join("；");
}

function mayBook(room, user) {
  const who = room.bookable_by || ["residents"];
  if (user.role === "resident" || user.role === "volunteer") return who.includes("residents");
  return true;
}

export async function roomsScreen(root) {
  const [rooms, rejections] = await Promise.all([store.all("rooms"), store.all("rejections")]);
  const shown = rooms.filter((r) => r.active !== false && !r.retired_at)
    .sort((a, b) => String(a.name || "").localeCompare(String(b.name || ""), "zh"));
  const refused = rejections.filter((x) => x.kind === "bookings");
  append(root, flashBox(),
    refused.length ? h("p", { class: "flash error", role: "alert", id: "booking-refused" },
      `${t.bookingRefused(refused.length)} `, h("a", { href: "#/rooms/mine", text: t.seeWhy })) : null,
    h("h1", { text: t.rooms }),
    h("div", { class: "actions" }, h("a", { href: "#/rooms/mine", class: "button", id: "my-bookings",
                                            text: t.myBookings })),
    shown.length ? h("ul", { class: "list", id: "room-list" }, shown.map((r) => h("li", { class: "card room",
      "data-id": r.id }, h("a", { href: `#/room/${r.id}`, class: "row-link" },
      h("span", { class: "title", text: r.name || "" }),
      h("span", { class: "sub", text: [t.seats(r.capacity || 0), openingText(r.opening_hours)].filter(Boolean)
        .join(" · ") }),
      h("span", { class: "badges" }, r.needs_approval ? h("span", { class: "badge", text: t.needsApproval }) : null)))))
      : h("p", { class: "hint", text: t.noRooms }));
}

// ---- free slots: the server's answer, kept for offline --------------------------------
async function fetchFree(roomId, first, last) {
  const token = await store.getMeta("token");
  const query = new URLSearchParams({ from: first, to: last });
  const response = await fetch(`/api/v1/rooms/${encodeURIComponent(roomId)}/free?${query}`, {
    credentials: "omit", cache: "no-store", headers: { Authorization: `Bearer ${token}`, "Accept-Language": lang } });
  if (!response.ok) throw new Error(`free slots ${response.status}`);
  return (await response.json()).free || [];
}

// The room's free ranges for a local day or the week from it: asked when there is a signal,
// the last answer kept (with its time) for offline.
async function freeSlots(roomId, day, week) {
  const last = week ? dayValue(new Date(new Date(`${day}T12:00:00`).getTime() + 6 * 86400_000)) : day;
  const key = `free:${roomId}:${day}:${week ? "w" : "d"}`;
  if (navigator.onLine) {
    try {
      const slots = await fetchFree(roomId, day, last);
      await store.setMeta(key, { at: new Date().toISOString(), slots });
      return { slots, at: null };
    } catch {
      /* the kept answer, if any */
    }
  }
  const kept = await store.getMeta(key);
  return kept ? { slots: kept.slots, at: kept.at } : null;
}

async function book(room, user, { startsAt, endsAt, purpose, weeks }) {
  const id = store.uuid();
  const data = { room_id: room.id, purpose, starts_at: store.isoLocal(startsAt), ends_at: store.isoLocal(endsAt) };
  if (weeks > 1) data.recurrence = { weekly: weeks };
  await store.recordCreate("bookings", id, data, { community_id: room.community_id, user_id: user.id,
    status: "pending", kind: "booking", created_at: new Date().toISOString(), _room: room.name });
  say(t.bookingSaved);
  app.onChange();
  app.sync();
}

function bookForm(room, user, day) {
  const start = new Date(`${day}T09:00:00`);
  const date = h("input", { type: "date", name: "date", value: day, required: true });
  const from = h("input", { type: "time", name: "starts", value: timeValue(start), required: true, step: 900 });
  const to = h("input", { type: "time", name: "ends", required: true, step: 900,
                          value: timeValue(new Date(start.getTime() + SLOT_MINUTES * 60_000)) });
  const purpose = h("input", { name: "purpose", maxlength: 200, required: true });
  const weekly = MAX_WEEKS > 1 ? checkbox(t.weekly, { name: "weekly" }) : null;
  const weeks = weekly ? h("input", { type: "number", name: "weeks", min: 2, max: MAX_WEEKS, value: "4",
                                      inputmode: "numeric" }) : null;
  const status = h("p", { class: "hint", role: "status" });
  const form = h("form", { class: "form", id: "booking-form", "data-refresh": "idle" },
    field(t.bookDate, date), field(t.bookFrom, from), field(t.bookTo, to), field(t.purpose, purpose), weekly,
    weeks ? field(t.weeks, weeks) : null, status,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary big", id: "book", text: t.book })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.className = "flash error";
    const startsAt = new Date(`${date.value}T${from.value}`);
    const endsAt = new Date(`${date.value}T${to.value}`);
    if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime()) || endsAt <= startsAt ||
        endsAt - startsAt > MAX_HOURS * 3600_000) {
      status.textContent = t.bookTimesWrong;
      return;
    }
    if (!purpose.value.trim()) {
      status.textContent = t.required;
      purpose.focus();
      return;
    }
    const n = weekly?.querySelector("input").checked ? Math.min(MAX_WEEKS, Math.max(2, Number(weeks.value) || 2)) : 1;
    await book(room, user, { startsAt, endsAt, purpose: purpose.value.trim(), weeks: n });
    go("#/rooms/mine");
  });
  return form;
}

export async function roomScreen(root, id, params) {
  const user = await me();
  const room = await store.get("rooms", id);
  if (!room) {
    append(root, flashBox(), h("p", { text: t.unknownRoom }), h("a", { href: "#/rooms", class: "button", text: t.back }));
    return;
  }
  const day = /^\d{4}-\d{2}-\d{2}$/.test(params.get("day") || "") ? params.get("day") : dayValue(new Date());
  const week = params.get("view") === "week";
  const answer = await freeSlots(id, day, week);
  const picker = h("input", { type: "date", name: "day", value: day, id: "free-day" });
  picker.addEventListener("change", () => {
    if (picker.value) go(`#/room/${id}?day=${picker.value}${week ? "&view=week" : ""}`);
  });
  const mine = (await store.all("bookings")).filter((b) => b.room_id === id && b.user_id === user.id &&
    (b.status === "pending" || b.status === "confirmed" || b._local));
  const form = mayBook(room, user) ? bookForm(room, user, day) : null;
  // A free range fills the form: its day, its start and an hour (or what is left of the range).
  const choose = (slot) => {
    const from = new Date(slot.starts_at);
    const to = new Date(Math.min(new Date(slot.ends_at).getTime(), from.getTime() + SLOT_MINUTES * 60_000));
    form.elements.date.value = dayValue(from);
    form.elements.starts.value = timeValue(from);
    form.elements.ends.value = timeValue(to);
    form.elements.purpose.focus();
  };
  const freeList = answer ? (answer.slots.length ? h("ul", { class: "list plain", id: "free-slots" },
    answer.slots.map((s) => h("li", { "data-starts": s.starts_at }, h("span", { text: span(s) }), " ",
      form ? h("button", { type: "button", class: "small", text: t.bookThis, onclick: () => choose(s) }) : null)))
    : h("p", { class: "hint", id: "free-slots-none", text: t.noFreeSlots }))
    : h("p", { class: "hint", id: "free-slots-offline", text: t.freeSlotsNeedNetwork });
  append(root, flashBox(), h("a", { href: "#/rooms", class: "back", text: t.back }),
    h("h1", { id: "room-name", text: room.name || "" }),
    h("p", { class: "sub", text: [t.seats(room.capacity || 0), room.needs_approval ? t.needsApproval : null]
      .filter(Boolean).join(" · ") }),
    room.opening_hours ? h("p", { class: "sub", id: "room-hours", text: `${t.openingHours}：${openingText(room.opening_hours)}` })
      : null,
    room.rules ? h("p", { class: "notes", id: "room-rules", text: room.rules }) : null,
    h("h2", { text: week ? t.freeThisWeek : t.freeThatDay }),
    h("div", { class: "actions" }, field(t.day, picker),
      h("a", { href: `#/room/${id}?day=${day}${week ? "" : "&view=week"}`, class: "button small", id: "toggle-week",
               text: week ? t.showDay : t.showWeek })),
    answer?.at ? h("p", { class: "sub", text: t.freeSlotsAsOf(formatTime(answer.at, lang)) }) : null,
    freeList,
    mine.length ? [h("h2", { text: t.myBookingsHere }), h("ul", { class: "list" }, mine.map((b) => h("li",
      { class: "card", "data-id": b.id }, h("span", { class: "title", text: span(b) }), " ", statusBadge(b))))] : null,
    form ? [h("h2", { text: t.bookRoom }), form] : h("p", { class: "hint", text: t.notBookable }));
}

// ---- my bookings -----------------------------------------------------------------------
function nextFreeOf(error) {
  const next = error?.next_free || error?.errors?.next_free;
  if (!next) return null;
  const slot = Array.isArray(next) ? next[0] : next;
  return slot && slot.starts_at && slot.ends_at ? slot : null;
}

function refusalCard(x, rooms, user) {
  const data = x.mutation?.data || x.record || {};
  const room = rooms.get(data.room_id || x.record?.room_id);
  const next = nextFreeOf(x.error);
  const dismiss = async () => {
    await (await store.db()).delete("rejections", x.seq);
    app.onChange();
  };
  return h("li", { class: "card rejected booking-refused", "data-room": room?.id || "" },
    h("strong", { text: `${t.notAccepted}：${x.mutation?.op === "action"
      ? t.bookingActions[x.mutation.action] || x.mutation.action
      : t.bookingOf(room?.name || x.record?._room || "", data.starts_at ? span(data) : "")}` }),
    h("p", { class: "reason", text: reason(x.error) }),
    next ? h("p", { class: "next-free", "data-starts": next.starts_at, text: t.nextFree(span(next)) }) : null,
    h("div", { class: "actions" },
      next && room && x.mutation?.op === "create" ? h("button", { type: "button", class: "primary", id: "book-next-free",
        text: t.bookNextFree, onclick: async () => {
          await dismiss();
          await book(room, user, { startsAt: new Date(next.starts_at), endsAt: new Date(next.ends_at),
                                   purpose: data.purpose || "", weeks: 1 });
          go("#/rooms/mine");
        } }) : null,
      h("button", { type: "button", class: "small", text: t.dismiss, onclick: async () => {
        await dismiss();
        go("#/rooms/mine");
      } })));
}

export async function myBookingsScreen(root) {
  const user = await me();
  const [bookings, rooms, rejections, outbox] = await Promise.all([store.all("bookings"), store.all("rooms"),
    store.all("rejections"), store.all("outbox")]);
  const byId = new Map(rooms.map((r) => [r.id, r]));
  const mine = bookings.filter((b) => b.user_id === user.id && (b.kind || "booking") === "booking")
    .sort((a, b) => (b.starts_at || "").localeCompare(a.starts_at || ""));
  const steps = (id) => new Set(outbox.filter((m) => m.record_id === id && m.op === "action").map((m) => m.action));
  const refused = rejections.filter((x) => x.kind === "bookings").reverse();
  const item = (b) => {
    const waitingFor = steps(b.id);
    const cancel = allows(b.status, "cancel") && !b._local && !waitingFor.has("cancel") &&
      new Date(b.ends_at).getTime() > Date.now();
    const next = nextFreeOf({ next_free: b.next_free });
    return h("li", { class: b.status === "refused" ? "card booking refused" : "card booking", "data-id": b.id,
                     "data-status": b._local ? "sending" : b.status },
      h("span", { class: "title", text: byId.get(b.room_id)?.name || b._room || t.unknownRoom }),
      h("span", { class: "sub", text: span(b) }),
      b.purpose ? h("p", { class: "notes", text: b.purpose }) : null,
      b.recurrence?.weekly ? h("p", { class: "sub", text: t.weeklyFor(b.recurrence.weekly) }) : null,
      h("span", { class: "badges" }, statusBadge(b), b._local || waitingFor.size ? waitingBadge() : null),
      b.reason && (b.status === "refused" || b.status === "cancelled") ? h("p", { class: "reason",
        text: `${t.refusedBecause}${b.reason}` }) : null,
      next ? h("p", { class: "next-free", text: t.nextFree(span(next)) }) : null,
      cancel ? h("div", { class: "actions" }, h("button", { type: "button", class: "danger", "data-action": "cancel",
        text: t.bookingActions.cancel, onclick: async () => {
          if (!window.confirm(t.cancelBookingConfirm)) return;
          await store.recordAction("bookings", b.id, "cancel", {});
          say(t.actionSaved);
          app.onChange();
          app.sync();
          go("#/rooms/mine");
        } })) : null);
  };
  append(root, flashBox(), h("a", { href: "#/rooms", class: "back", text: t.back }), h("h1", { text: t.myBookings }),
    refused.length ? h("ul", { class: "list", id: "booking-refusals" }, refused.map((x) => refusalCard(x, byId, user)))
      : null,
    mine.length ? h("ul", { class: "list", id: "booking-list" }, mine.map(item))
      : h("p", { class: "hint", text: t.noBookings }));
}

describers.bookings = (record, mutation) => mutation?.op === "action"
  ? t.bookingActions[mutation.action] || mutation.action : t.bookingOf(record?._room || "", "");
