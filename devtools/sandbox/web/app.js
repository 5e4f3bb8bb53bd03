// The sandbox's page: panes side by side, each a demo person's chat with the bot in Telegram or in MAX (a pane's
// key is the person's, "parent", or "parent@max"). MAX's chat is drawn as Telegram's: the server leaves out the
// keyboard below the input field, which MAX has not, and marks the buttons that send their words ("send").
// The server renders the messages' text to safe HTML (devtools/sandbox/rendering.py); everything else here is
// built with textContent.
"use strict";

const LABELS = {
  ru: {
    title: "Школьный бот — песочница",
    hint: "Вы — любой человек демо-школы. Бот отвечает как в Telegram и в MAX.",
    addPane: "+ окно",
    menu: "Меню",
    attach: "Прикрепить файл (подпись — из поля сообщения)",
    message: "Сообщение",
    send: "Отправить",
    choose: "Кто вы?",
    linking: "Вход по коду доступа…",
    connecting: "Подключение…",
    empty: "Напишите боту или нажмите «Меню»",
    edited: "изменено",
    failed: "Не получилось: ",
    roles: {
      parent: "Родитель",
      student: "Ученик",
      teacher: "Учитель",
      class_teacher: "Классный руководитель",
      deputy: "Завуч",
    },
  },
  en: {
    title: "School bot sandbox",
    hint: "You are any person of the demo school. The bot answers as in Telegram and in MAX.",
    addPane: "+ pane",
    menu: "Menu",
    attach: "Attach a file (the message field is its caption)",
    message: "Message",
    send: "Send",
    choose: "Who are you?",
    linking: "Signing in with an access code…",
    connecting: "Connecting…",
    empty: "Write to the bot or open the Menu",
    edited: "edited",
    failed: "That did not work: ",
    roles: {
      parent: "Parent",
      student: "Student",
      teacher: "Teacher",
      class_teacher: "Class teacher",
      deputy: "Deputy director",
    },
  },
};

const params = new URLSearchParams(location.search);
let lang = params.get("lang") || localStorage.getItem("sandbox-lang") ||
  ((navigator.language || "ru").toLowerCase().startsWith("ru") ? "ru" : "en");
if (!LABELS[lang]) lang = "ru";
let people = [];
const panes = [];

function t(key) { return LABELS[lang][key]; }

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.description || response.statusText);
  return answer;
}

function applyLabels() {
  document.documentElement.lang = lang;
  document.title = t("title");
  document.querySelectorAll("[data-label]").forEach((node) => { node.textContent = t(node.dataset.label); });
  document.querySelectorAll("[data-label-placeholder]").forEach((node) => {
    node.placeholder = t(node.dataset.labelPlaceholder);
  });
  document.querySelectorAll("[data-label-title]").forEach((node) => { node.title = t(node.dataset.labelTitle); });
  document.querySelectorAll(".lang").forEach((b) => b.classList.toggle("active", b.dataset.lang === lang));
  panes.forEach((pane) => pane.fillChoices());
}

function saveHash() {
  const keys = panes.map((pane) => (pane.key ? pane.key + (pane.messenger === "max" ? "@max" : "") : "-"));
  history.replaceState(null, "", location.pathname + location.search + "#" + keys.join(","));
}

class Pane {
  constructor(key) {
    const template = document.getElementById("pane-template");
    this.root = template.content.firstElementChild.cloneNode(true);
    this.chat = this.root.querySelector(".chat");
    this.keyboard = this.root.querySelector(".reply-keyboard");
    this.menu = this.root.querySelector(".menu");
    this.toast = this.root.querySelector(".toast");
    this.select = this.root.querySelector(".who");
    this.input = this.root.querySelector(".text");
    this.key = null;
    this.messenger = "telegram";
    this.userId = null;
    this.source = null;
    this.view = null;
    this.root.querySelector(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (text) { this.input.value = ""; this.send(text); }
    });
    this.root.querySelector(".menu-button").addEventListener("click", () => { this.menu.hidden = !this.menu.hidden; });
    this.root.querySelector(".file").addEventListener("change", (event) => this.upload(event.target));
    this.root.querySelector(".close").addEventListener("click", () => this.close());
    this.select.addEventListener("change", () => this.open(this.select.value, this.messenger));
    this.root.querySelectorAll(".messenger").forEach((button) => {
      button.hidden = !people.some((p) => p.max_user_id);
      button.addEventListener("click", () => { if (this.key) this.open(this.key, button.dataset.messenger); });
    });
    document.getElementById("panes").appendChild(this.root);
    panes.push(this);
    this.fillChoices();
    applyLabels();
    const [person, messenger] = (key || "").split("@");
    if (person) this.open(person, messenger === "max" ? "max" : "telegram"); else this.status(t("choose"));
  }

  fillChoices() {
    const current = this.key || "";
    this.select.replaceChildren();
    const placeholder = el("option", "", t("choose"));
    placeholder.value = "";
    placeholder.disabled = true;
    this.select.appendChild(placeholder);
    for (const person of people) {
      const option = el("option", "", `${t("roles")[person.role] || person.role}: ${person.name}` +
        (person.note ? ` (${person.note})` : ""));
      option.value = person.key;
      this.select.appendChild(option);
    }
    this.select.value = current;
  }

  status(text) {
    this.chat.replaceChildren(el("div", "status", text));
  }

  async open(key, messenger) {
    if (this.source) this.source.close();
    this.key = key;
    this.messenger = messenger;
    this.root.dataset.person = key;
    this.root.dataset.messenger = messenger;
    this.rendered = false;
    this.root.querySelectorAll(".messenger").forEach((b) => b.classList.toggle("active", b.dataset.messenger === messenger));
    this.select.value = key;
    this.view = null;
    saveHash();
    this.status(t("linking"));
    try {
      const answer = await post(`/sandbox/web/people/${encodeURIComponent(key)}/open`, { lang, messenger });
      this.userId = answer.user_id;
    } catch (error) {
      this.status(t("failed") + error.message);
      return;
    }
    if (this.key !== key || this.messenger !== messenger) return;
    this.source = new EventSource(`/sandbox/web/chats/${this.userId}/events`);
    this.source.onmessage = (event) => this.render(JSON.parse(event.data));
  }

  close() {
    if (this.source) this.source.close();
    this.root.remove();
    panes.splice(panes.indexOf(this), 1);
    saveHash();
  }

  async send(text) {
    this.menu.hidden = true;
    try {
      await post(`/sandbox/web/chats/${this.userId}/text`, { text, lang });
    } catch (error) {
      this.showToast(t("failed") + error.message, false);
    }
  }

  async tap(messageId, data) {
    try {
      const answer = await post(`/sandbox/web/chats/${this.userId}/tap`, { message_id: messageId, data, lang });
      if (answer.toast) this.showToast(answer.toast, answer.alert);
    } catch (error) {
      this.showToast(t("failed") + error.message, false);
    }
  }

  async upload(input) {
    const file = input.files[0];
    if (!file || !this.userId) return;
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("caption", this.input.value.trim());
    form.append("lang", lang);
    this.input.value = "";
    input.value = "";
    const response = await fetch(`/sandbox/web/chats/${this.userId}/file`, { method: "POST", body: form });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      this.showToast(t("failed") + (answer.description || response.statusText), false);
    }
  }

  showToast(text, alert) {
    this.toast.textContent = text;
    this.toast.classList.toggle("alert", Boolean(alert));
    this.toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { this.toast.hidden = true; }, alert ? 5000 : 2500);
  }

  render(view) {
    this.view = view;
    const atBottom = this.chat.scrollHeight - this.chat.scrollTop - this.chat.clientHeight < 40;
    this.keyboard.replaceChildren();
    for (const row of view.keyboard) {
      const line = el("div", "row");
      for (const label of row) {
        const button = el("button", "key", label);
        button.type = "button";
        button.addEventListener("click", () => this.send(label));
        line.appendChild(button);
      }
      this.keyboard.appendChild(line);
    }
    this.menu.replaceChildren();
    for (const command of view.commands) {
      const button = el("button", "command");
      button.type = "button";
      button.append(el("b", "", "/" + command.command), command.description);
      button.addEventListener("click", () => this.send("/" + command.command));
      this.menu.appendChild(button);
    }
    // The chat last: the keyboards above change its height, and the newest message must stay in sight.
    this.chat.replaceChildren();
    if (!view.messages.length) this.chat.appendChild(el("div", "status", t("empty")));
    for (const message of view.messages) this.chat.appendChild(this.message(message));
    if (atBottom || !this.rendered) this.chat.scrollTop = this.chat.scrollHeight;
    this.rendered = true;
  }

  message(message) {
    const box = el("div", "msg " + (message.out ? "in" : "out-user"));
    box.dataset.id = message.id;
    const bubble = el("div", "bubble");
    if (message.photo) {
      const image = el("img");
      image.src = message.photo;
      image.alt = "";
      image.addEventListener("load", () => { this.chat.scrollTop = this.chat.scrollHeight; }, { once: true });
      bubble.appendChild(image);
    }
    if (message.document) {
      const link = el("a", "doc", `${message.document.name} (${Math.max(1, Math.round(message.document.size / 1024))} KB)`);
      link.href = message.document.url;
      link.download = message.document.name;
      bubble.appendChild(link);
    }
    const text = el("div", "text");
    text.innerHTML = message.html;  // escaped and whitelisted by the server
    text.querySelectorAll(".spoiler").forEach((s) => s.addEventListener("click", () => s.classList.add("shown")));
    bubble.appendChild(text);
    if (message.edited) bubble.appendChild(el("div", "edited", t("edited")));
    box.appendChild(bubble);
    if (message.buttons.length) {
      const keyboard = el("div", "inline-keyboard");
      for (const row of message.buttons) {
        const line = el("div", "row");
        for (const b of row) {
          const button = el("button", b.url ? "inline url" : "inline", b.text);
          button.type = "button";
          button.title = b.text;
          if (b.url) button.addEventListener("click", () => window.open(b.url, "_blank", "noopener"));
          else if (b.send) button.addEventListener("click", () => this.send(b.send));
          else if (b.data !== null) button.addEventListener("click", () => this.tap(message.id, b.data));
          line.appendChild(button);
        }
        keyboard.appendChild(line);
      }
      box.appendChild(keyboard);
    }
    return box;
  }
}

async function start() {
  document.querySelectorAll(".lang").forEach((button) => button.addEventListener("click", () => {
    lang = button.dataset.lang;
    localStorage.setItem("sandbox-lang", lang);
    applyLabels();
  }));
  document.getElementById("add-pane").addEventListener("click", () => new Pane(null));
  const answer = await (await fetch("/sandbox/web/people")).json();
  people = answer.people;
  const wanted = location.hash.slice(1).split(",").filter(Boolean);
  // By default the parent in both messengers: the teacher's mark reaches each.
  const keys = wanted.length ? wanted : ["parent", "teacher", ...(people.some((p) => p.max_user_id) ? ["parent@max"] : [])];
  keys.forEach((key) => new Pane(people.some((p) => p.key === key.split("@")[0]) ? key : null));
  applyLabels();
}

start();
