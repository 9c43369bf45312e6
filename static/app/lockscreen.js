// The lock's screens: setting a PIN after the first sign-in, and unlocking (offline too).
import { t } from "./i18n.js";
import * as lock from "./lock.js";
import { forgetNotices, setMeta, wipe } from "./db.js";
import { append, field, h } from "./ui.js";

export const hooks = { unlocked: () => {}, erased: () => {}, pinSet: () => {} };

function pinInput(name, autocomplete) {
  return h("input", { name, type: "password", inputmode: "numeric", autocomplete, required: true,
                      maxlength: "12", pattern: "[0-9]*" });
}

export function pinSetupScreen(root) {
  const pin = pinInput("pin", "new-password");
  const again = pinInput("pin_again", "new-password");
  const message = h("p", { class: "hint", role: "alert", text: "" });
  const submit = h("button", { type: "submit", class: "primary", text: t.pinSetButton });
  const form = h("form", { class: "form", id: "pin-setup-form" }, message, field(t.pin, pin),
                 field(t.pinAgain, again), h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.className = "flash error";
    if (!lock.validPin(pin.value)) {
      message.textContent = t.pinTooShort(lock.MIN_PIN);
      return;
    }
    if (pin.value !== again.value) {
      message.textContent = t.pinMismatch;
      return;
    }
    submit.disabled = true;
    try {
      await lock.setPin(pin.value);
      const signIn = lock.takeSignIn();
      if (signIn) {
        await setMeta("token", signIn.token); // sealed now
        await setMeta("user", signIn.user);
        await forgetNotices();
      }
    } finally {
      submit.disabled = false;
    }
    pin.value = again.value = "";
    hooks.pinSet();
  });
  append(root, h("h1", { text: t.pinSetTitle }), h("p", { class: "hint", text: t.pinSetHint(lock.MIN_PIN) }), form);
}

export function lockScreen(root) {
  const pin = pinInput("pin", "current-password");
  const message = h("p", { class: "hint", role: "alert", text: "" });
  const submit = h("button", { type: "submit", class: "primary", text: t.unlock });
  const form = h("form", { class: "form", id: "unlock-form" }, message, field(t.pin, pin),
                 h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.className = "hint";
    message.textContent = t.unlocking;
    try {
      const result = await lock.unlock(pin.value);
      pin.value = "";
      if (result.ok) hooks.unlocked();
      else if (result.erased) hooks.erased();
      else {
        message.className = "flash error";
        message.textContent = t.pinWrong(result.left);
        pin.focus();
      }
    } finally {
      submit.disabled = false;
    }
  });
  const forgot = h("button", { type: "button", class: "link danger", text: t.forgotPin, onclick: async () => {
    if (!window.confirm(t.forgotPinConfirm)) return;
    await wipe("erased");
    hooks.erased();
  } });
  append(root, h("h1", { text: t.lockTitle }), form, h("div", { class: "actions" }, forgot));
}
