/*
 * salesbot web chat widget. Embed with:
 *   <script src="https://bot.example.com/webchat/widget.js"
 *           data-server="https://bot.example.com"></script>
 * Optional attributes: data-title (header text), data-open="true" (start open),
 * data-init-payload="/greet" (sent once when a visitor first opens the chat).
 * Self-contained: no dependencies, styles come from widget.css on the same server, every class
 * is prefixed "sb-" so the host page's styles and ours stay apart.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var dataset = (script && script.dataset) || {};
  var server = (dataset.server || (script ? new URL(script.src, location.href).origin : ""))
    .replace(/\/+$/, "");
  var title = dataset.title || "Chat with us";
  var webhook = server + "/webhooks/webchat/webhook";
  // Per server, so one page embedding two bots keeps two conversations.
  var storageKey = "salesbot:" + server;
  var historyLimit = 60;

  function load(name, fallback) {
    try {
      var value = localStorage.getItem(storageKey + ":" + name);
      return value === null ? fallback : JSON.parse(value);
    } catch (error) {
      return fallback; // storage disabled (private mode) or corrupted: start fresh
    }
  }

  function save(name, value) {
    try {
      localStorage.setItem(storageKey + ":" + name, JSON.stringify(value));
    } catch (error) {
      /* storage full or disabled: the chat still works, it just forgets on reload */
    }
  }

  function newVisitorId() {
    if (window.crypto && crypto.randomUUID) return "visitor-" + crypto.randomUUID();
    return "visitor-" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function timeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch (error) {
      return null;
    }
  }

  var visitorId = load("visitor", null);
  if (!visitorId) {
    visitorId = newVisitorId();
    save("visitor", visitorId);
  }
  var history = load("history", []);

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Text with its web links made clickable; built from text nodes, so bot text is never HTML.
  function linkify(text) {
    var fragment = document.createDocumentFragment();
    var pattern = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = el("a", null, match[0]);
      link.href = match[0];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      fragment.appendChild(link);
      last = match.index + match[0].length;
    }
    fragment.appendChild(document.createTextNode(text.slice(last)));
    return fragment;
  }

  var stylesheet = el("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = server + "/webchat/widget.css";
  document.head.appendChild(stylesheet);

  var root = el("div", "sb-root");
  var launcher = el("button", "sb-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "Open chat");
  launcher.innerHTML =
    '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 ' +
    '2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

  var panel = el("section", "sb-panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  var header = el("header", "sb-header");
  header.appendChild(el("span", "sb-title", title));
  var close = el("button", "sb-close", "\u00d7");
  close.type = "button";
  close.setAttribute("aria-label", "Close chat");
  header.appendChild(close);

  var list = el("div", "sb-messages");
  list.setAttribute("aria-live", "polite");
  var typing = el("div", "sb-typing");
  typing.setAttribute("aria-label", "The assistant is typing");
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));
  typing.appendChild(el("span"));

  var form = el("form", "sb-form");
  var input = el("input", "sb-input");
  input.type = "text";
  input.placeholder = "Type a message\u2026";
  input.setAttribute("aria-label", "Message");
  input.maxLength = 2000;
  input.autocomplete = "off";
  var send = el("button", "sb-send", "Send");
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);

  panel.appendChild(header);
  panel.appendChild(list);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  function scrollDown() {
    list.scrollTop = list.scrollHeight;
  }

  function disableOldChoices() {
    var chips = list.querySelectorAll(".sb-chip");
    for (var i = 0; i < chips.length; i++) chips[i].disabled = true;
  }

  function render(entry) {
    var row = el("div", "sb-row sb-" + entry.from);
    if (entry.text) {
      var bubble = el("div", "sb-bubble");
      bubble.appendChild(linkify(entry.text));
      row.appendChild(bubble);
    }
    if (entry.image) {
      var image = el("img", "sb-image");
      image.src = entry.image;
      image.alt = "";
      row.appendChild(image);
    }
    if (entry.buttons && entry.buttons.length) {
      var chips = el("div", "sb-chips");
      entry.buttons.forEach(function (button) {
        var chip = el("button", "sb-chip", button.title || button.payload);
        chip.type = "button";
        chip.disabled = !!entry.answered;
        chip.addEventListener("click", function () {
          entry.answered = true;
          sendMessage(button.payload, button.title || button.payload);
          input.focus(); // the next answer is usually typed: keep the keyboard in the chat
        });
        chips.appendChild(chip);
      });
      row.appendChild(chips);
    }
    list.insertBefore(row, typing.parentNode === list ? typing : null);
    scrollDown();
  }

  function remember(entry) {
    history.push(entry);
    if (history.length > historyLimit) history = history.slice(-historyLimit);
    save("history", history);
  }

  function add(entry) {
    render(entry);
    if (entry.from !== "notice") remember(entry);
  }

  function setBusy(busy) {
    send.disabled = busy;
    if (busy) {
      list.appendChild(typing);
      scrollDown();
    } else if (typing.parentNode === list) {
      list.removeChild(typing);
    }
  }

  // `shown` is what the visitor sees as their message: a chip's title, not its payload.
  function sendMessage(text, shown) {
    if (!text || !text.trim()) return;
    history.forEach(function (entry) {
      if (entry.buttons) entry.answered = true;
    });
    disableOldChoices();
    if (shown !== null) add({ from: "user", text: shown === undefined ? text : shown });
    setBusy(true);
    var metadata = { timezone: timeZone() };
    if (!metadata.timezone) delete metadata.timezone;
    fetch(webhook, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: visitorId, message: text, metadata: metadata }),
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error || "HTTP " + response.status);
          return body;
        });
      })
      .then(function (replies) {
        setBusy(false);
        replies.forEach(function (reply) {
          add({ from: "bot", text: reply.text, image: reply.image, buttons: reply.buttons });
        });
      })
      .catch(function (error) {
        setBusy(false);
        add({ from: "notice", text: "Sorry, the message did not go through (" + error.message +
          "). Please try again." });
      });
  }

  function open() {
    root.classList.add("sb-open");
    launcher.setAttribute("aria-expanded", "true");
    if (!history.length && dataset.initPayload && !load("greeted", false)) {
      save("greeted", true);
      sendMessage(dataset.initPayload, null);
    }
    input.focus();
  }

  launcher.addEventListener("click", function () {
    if (root.classList.contains("sb-open")) {
      root.classList.remove("sb-open");
      launcher.setAttribute("aria-expanded", "false");
    } else {
      open();
    }
  });
  close.addEventListener("click", function () {
    root.classList.remove("sb-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    sendMessage(text);
  });

  function start() {
    document.body.appendChild(root);
    history.forEach(render);
    if (dataset.open === "true") open();
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);

  // A small handle for the host page: SalesbotChat.open(), .send("text").
  window.SalesbotChat = { open: open, send: function (text) { sendMessage(text); } };
})();
