/*
 * django-crm-messenger chat widget: plain JavaScript, no dependencies.
 *
 * Embed with the CRM's snippet:
 *   <link rel="stylesheet" href="<BASE>/static/messenger/widget.css">
 *   <script src="<BASE>/static/messenger/widget.js" data-widget-token="<TOKEN>"></script>
 *
 * The widget lives in a shadow root, builds every node with the DOM API and
 * writes all text with textContent, so it needs neither inline styles nor
 * eval and works under a strict Content-Security-Policy. The API base URL is
 * the part of this script's URL before "/static/", unless data-api-url is set.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector("script[data-widget-token]");
  if (!script || (window.CrmMessenger && window.CrmMessenger.version)) return;

  var options = script.dataset;
  var TOKEN = options.widgetToken || "";
  if (!TOKEN) {
    console.error("CrmMessenger: the widget's <script> has no data-widget-token attribute.");
    return;
  }

  var FIELDS = ["name", "email", "phone"];
  var INPUT_TYPES = { name: "text", email: "email", phone: "tel" };
  // The API's limits for the contact fields.
  var MAX_LENGTHS = { name: 200, email: 254, phone: 32 };
  var PAGE_SIZE = 100;
  var MAX_DELAY = 60000;
  var MAX_PAGE_URL = 1000;
  var REQUEST_TIMEOUT = 20000;
  var EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var PHONE_RE = /^\+?[0-9][0-9 ()\-.]{2,30}$/;
  var COLOR_RE = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

  var STRINGS = {
    en: {
      open: "Open chat", close: "Close chat", title: "Chat", messages: "Messages",
      name: "Name", email: "E-mail", phone: "Phone", optional: "optional",
      start: "Start chat", required: "Fill in this field.",
      badEmail: "Enter a valid e-mail address, such as anna@example.org.",
      badPhone: "Enter a phone number of digits, spaces, brackets and dashes, such as +7 900 000-00-00.",
      message: "Message", placeholder: "Write a message…", send: "Send",
      sending: "Sending…", failed: "Not sent.", retry: "Retry",
      you: "You", operator: "Operator", newMessage: "New message from {name}: {body}",
      unread: "{n} unread", offline: "No connection. Trying again…",
      error: "Something went wrong. Try again later.",
      unavailable: "This chat is no longer available on this page."
    },
    ru: {
      open: "Открыть чат", close: "Закрыть чат", title: "Чат", messages: "Сообщения",
      name: "Имя", email: "E-mail", phone: "Телефон", optional: "необязательно",
      start: "Начать чат", required: "Заполните это поле.",
      badEmail: "Введите корректный адрес e-mail, например anna@example.org.",
      badPhone: "Введите номер телефона из цифр, пробелов, скобок и дефисов, например +7 900 000-00-00.",
      message: "Сообщение", placeholder: "Напишите сообщение…", send: "Отправить",
      sending: "Отправляется…", failed: "Не отправлено.", retry: "Повторить",
      you: "Вы", operator: "Оператор", newMessage: "Новое сообщение от {name}: {body}",
      unread: "Непрочитанных: {n}", offline: "Нет соединения. Повторяем попытку…",
      error: "Что-то пошло не так. Попробуйте позже.",
      unavailable: "Этот чат больше недоступен на этой странице."
    }
  };

  // ---- Addresses ---------------------------------------------------------

  function apiBase() {
    if (options.apiUrl) return options.apiUrl.replace(/\/?$/, "/");
    var url = new URL(script.src, location.href);
    var cut = url.pathname.lastIndexOf("/static/");
    return url.origin + (cut >= 0 ? url.pathname.slice(0, cut) : "") + "/api/widget/";
  }

  function stylesheetUrl() {
    // The embed snippet's own <link> carries the right name even when the
    // static files storage adds a content hash to it.
    var links = document.querySelectorAll("link[rel~=stylesheet][href]");
    for (var i = 0; i < links.length; i++) {
      if (/\/messenger\/widget[^/]*\.css(\?|$)/.test(links[i].href)) return links[i].href;
    }
    return script.src.replace(/\.js(\?.*)?$/, ".css");
  }

  var API = apiBase();

  // ---- Storage: localStorage keyed by the widget token, else memory -------

  var STORAGE_KEY = "crm-messenger:" + TOKEN;
  var storage = null;
  try {
    storage = window.localStorage;
    storage.setItem(STORAGE_KEY + ":probe", "1");
    storage.removeItem(STORAGE_KEY + ":probe");
  } catch (error) {
    storage = null;
  }

  // s: session token, a: poll cursor (last message id from a poll),
  // r: last read id, c: widget settings, k: contact details, g: region,
  // d: pre-chat form done, o: panel open,
  // q: unsent messages [{c: client_message_id, b: body}].
  var saved = {};
  try {
    saved = JSON.parse((storage && storage.getItem(STORAGE_KEY)) || "{}") || {};
  } catch (error) {
    saved = {};
  }

  function persist() {
    saved.q = outbox.map(function (item) { return { c: item.cid, b: item.body }; });
    if (!storage) return;
    try {
      storage.setItem(STORAGE_KEY, JSON.stringify(saved));
    } catch (error) {
      // Quota or privacy mode: the in-memory copy keeps the widget working on this page.
      storage = null;
    }
  }

  // ---- State -------------------------------------------------------------

  var config = saved.c || null;
  var messages = [];
  var knownIds = {};
  var outbox = (saved.q || []).map(function (item) {
    return { cid: item.c, body: item.b, state: "pending" };
  });
  var identified = saved.k || {};
  var rejected = {};
  var region = options.region || saved.g || "";
  var pollInterval = 3000;
  var pollTimer = null;
  var retryTimer = null;
  var failures = 0;
  var flushing = false;
  var bootstrapping = null;
  var configuring = null;
  var isOpen = false;
  var destroyed = false;
  // Set when the inbox's token stopped working during a session: the
  // widget stays to show why, and sends nothing more.
  var retired = false;
  var mounted = false;
  var formShown = false;
  var listeners = {};
  var lang = "en";
  var ui = {};

  function t(key, values) {
    var text = (STRINGS[lang] || STRINGS.en)[key];
    Object.keys(values || {}).forEach(function (name) {
      // A function replacement keeps "$&" and friends in message text literal.
      text = text.replace("{" + name + "}", function () { return values[name]; });
    });
    return text;
  }

  function pickLanguage(value) {
    return /^ru\b/i.test(value || "") ? "ru" : "en";
  }

  function requestedLocale() {
    return options.locale || document.documentElement.lang || navigator.language || "";
  }

  function chooseLanguage() {
    lang = pickLanguage(options.locale || (config && config.locale) || requestedLocale());
  }

  // ---- Events for the host page -------------------------------------------

  function emit(name, detail) {
    (listeners[name] || []).slice().forEach(function (fn) {
      try {
        fn(detail);
      } catch (error) {
        console.error(error);
      }
    });
  }

  // ---- HTTP --------------------------------------------------------------

  function call(endpoint, body) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT);
    body.widget_token = TOKEN;
    return fetch(API + endpoint + "/", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      // Accept-Language is CORS-safelisted: server messages come in the widget's language.
      headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify(body),
      signal: controller && controller.signal
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        var retryAfter = parseInt(response.headers.get("Retry-After"), 10);
        return { status: response.status, data: data, retryAfter: retryAfter > 0 ? retryAfter * 1000 : 0 };
      });
    }, function () {
      return { status: 0, data: {}, retryAfter: 0 };
    }).then(function (result) {
      clearTimeout(timer);
      if (result.status === 404 || result.status === 403) destroy(result);
      setOffline(result.status === 0 || result.status >= 500);
      return result;
    });
  }

  function backoff(result) {
    failures += 1;
    return result.retryAfter || Math.min(pollInterval * Math.pow(2, failures), MAX_DELAY);
  }

  // ---- Session -----------------------------------------------------------

  function visibleFields() {
    var fields = (config && config.fields) || {};
    return FIELDS.filter(function (field) { return fields[field] && fields[field] !== "hidden"; });
  }

  function contactPayload() {
    var contact = {};
    var known = config && config.fields;
    FIELDS.forEach(function (field) {
      var value = identified[field];
      if (!value || rejected[field]) return;
      if (!known || (known[field] && known[field] !== "hidden")) contact[field] = value;
    });
    return contact;
  }

  function bootstrap(resume) {
    if (destroyed) return Promise.resolve(false);
    if (bootstrapping) return bootstrapping;
    var body = { locale: requestedLocale().slice(0, 16) };
    // The API rejects a page_url over 1000 characters. A cut through a %XX escape drops its rest.
    if (/^https?:/.test(location.href)) body.page_url = location.href.slice(0, MAX_PAGE_URL).replace(/%[0-9a-f]?$/i, "");
    if (resume && saved.s) {
      body.widget_session_token = saved.s;
    } else {
      body.contact = contactPayload();
      if (region) body.region = region;
    }

    bootstrapping = call("bootstrap", body).then(function (result) {
      bootstrapping = null;
      if (destroyed) return false;
      var data = result.data;
      if (result.status === 200) {
        failures = 0;
        if (saved.s !== data.widget_session_token) resetConversation();
        saved.s = data.widget_session_token;
        saved.c = config = data.widget;
        pollInterval = data.poll_interval_ms || pollInterval;
        applySettings();
        addMessages(data.messages || [], true);
        persist();
        if (!resume && !saved.d && messages.length === 0 && needsPrechat()) {
          showForm(true);
        }
        schedulePoll(pollInterval);
        flush();
        return true;
      }
      if (result.status === 400 && data.contact) {
        var errors = data.contact;
        var sent = body.contact || {};
        if (!config && Object.keys(errors).some(function (field) { return sent[field] && !rejected[field]; })) {
          // Before the inbox's settings are known, a rejected value may belong
          // to a hidden field: try once without it and ask only if it is required.
          Object.keys(errors).forEach(function (field) { if (sent[field]) rejected[field] = errors[field]; });
          return bootstrap(false);
        }
        // A required field is missing or a value is invalid: ask the visitor.
        saved.s = null;
        saved.d = 0;
        if (!config) config = { fields: {} };
        Object.keys(errors).forEach(function (field) {
          if (!config.fields[field] || config.fields[field] === "hidden") config.fields[field] = "required";
          if (rejected[field]) errors[field] = rejected[field];
        });
        persist();
        showForm(false, errors);
        return false;
      }
      if (result.status !== 404 && result.status !== 403) {
        var delay = backoff(result);
        setTimeout(function () { if (outbox.length || saved.s || saved.d) bootstrap(resume); }, delay);
      }
      return false;
    });
    return bootstrapping;
  }

  function needsPrechat() {
    var fields = (config && config.fields) || {};
    return visibleFields().some(function (field) {
      return !identified[field] || fields[field] === "required";
    });
  }

  // Reads the inbox's settings without a session, so the launcher has the
  // inbox colour at once and opening the chat creates nothing on the server.
  function loadConfig() {
    configuring = call("config", { locale: requestedLocale().slice(0, 16) }).then(function (result) {
      configuring = null;
      if (result.status === 200 && !destroyed) {
        saved.c = config = result.data.widget;
        pollInterval = result.data.poll_interval_ms || pollInterval;
        persist();
        if (mounted) applySettings();
        if (isOpen) offerForm();
      }
    });
  }

  function offerForm() {
    if (!destroyed && !saved.s && !formShown && config && !saved.d && needsPrechat()) showForm(false);
  }

  function startSession() {
    if (saved.s || bootstrapping || destroyed) return;
    if (configuring) {
      configuring.then(startSession);
      return;
    }
    if (config && !saved.d && needsPrechat()) {
      showForm(false);
      return;
    }
    bootstrap(false);
  }

  function sessionLost() {
    // The server forgot the session (it expired or the inbox was switched
    // off and on): the next message starts a new conversation.
    saved.s = null;
    clearTimeout(pollTimer);
    resetConversation();
    persist();
    renderLog();
    if (outbox.length) startSession();
  }

  function resetConversation() {
    messages = [];
    knownIds = {};
    saved.a = 0;
    saved.r = 0;
  }

  // ---- Messages ----------------------------------------------------------

  // The poll cursor only moves with bootstrap and poll responses, because a
  // send response can carry an id above operator replies not yet polled.
  function cursor() {
    return saved.a || 0;
  }

  function lastId() {
    return messages.length ? messages[messages.length - 1].id : 0;
  }

  function addMessages(list, initial, fromSend) {
    var fresh = [];
    list.forEach(function (message) {
      if (!message || typeof message.id !== "number") return;
      if (!fromSend && message.id > cursor()) saved.a = message.id;
      if (knownIds[message.id]) return;
      knownIds[message.id] = true;
      messages.push(message);
      fresh.push(message);
      if (message.client_message_id) {
        outbox = outbox.filter(function (item) { return item.cid !== message.client_message_id; });
      }
    });
    if (!fresh.length) {
      persist();
      return;
    }
    messages.sort(function (a, b) { return a.id - b.id; });
    if (isOpen && !document.hidden) saved.r = lastId();
    persist();
    renderLog();
    updateBadge();
    fresh.forEach(function (message) {
      if (message.sender === "visitor") return;
      if (!initial) {
        announce(t("newMessage", { name: senderName(message), body: message.body }));
        emit("message:received", message);
      }
    });
  }

  function send(body) {
    if (!body.trim()) return;
    outbox.push({ cid: newClientMessageId(), body: body, state: "pending" });
    persist();
    renderLog(true);
    if (saved.s) flush();
    else startSession();
  }

  function newClientMessageId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function flush() {
    if (flushing || !saved.s || !outbox.length || destroyed) return;
    flushing = true;
    clearTimeout(retryTimer);
    outbox.forEach(function (item) { item.state = "pending"; });
    renderLog();
    var item = outbox[0];

    call("send", {
      widget_session_token: saved.s,
      body: item.body,
      client_message_id: item.cid
    }).then(function (result) {
      flushing = false;
      if (destroyed) return;
      if (result.status === 200 || result.status === 201) {
        failures = 0;
        outbox = outbox.filter(function (other) { return other !== item; });
        addMessages([result.data.message], false, true);
        persist();
        renderLog();
        emit("message:sent", result.data.message);
        flush();
      } else if (result.status === 401) {
        sessionLost();
      } else if (result.status === 400 || result.status === 413) {
        // The server will never accept this text: give it back for editing.
        outbox = outbox.filter(function (other) { return other !== item; });
        persist();
        renderLog();
        if (!ui.input.value) ui.input.value = item.body;
        showError(fieldMessage(result.data.body) || result.data.detail || t("error"));
        flush();
      } else {
        outbox.forEach(function (other) { other.state = "failed"; });
        renderLog();
        retryTimer = setTimeout(flush, backoff(result));
      }
    });
  }

  function fieldMessage(errors) {
    if (Array.isArray(errors)) return String(errors[0]);
    return typeof errors === "string" ? errors : "";
  }

  // ---- Polling -----------------------------------------------------------

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    if (!saved.s || destroyed) return;
    pollTimer = setTimeout(poll, delay);
  }

  function nextPollDelay() {
    // A hidden tab polls five times less often, but never less than every minute.
    return document.hidden ? Math.min(pollInterval * 5, MAX_DELAY) : pollInterval;
  }

  function poll() {
    var session = saved.s;
    if (!session || destroyed) return;
    call("poll", { widget_session_token: session, after: cursor() }).then(function (result) {
      if (destroyed || saved.s !== session) return;
      if (result.status === 200) {
        failures = 0;
        pollInterval = result.data.poll_interval_ms || pollInterval;
        var list = result.data.messages || [];
        addMessages(list);
        schedulePoll(list.length >= PAGE_SIZE ? 0 : nextPollDelay());
      } else if (result.status === 401) {
        sessionLost();
      } else if (result.status !== 404 && result.status !== 403) {
        schedulePoll(backoff(result));
      }
    });
  }

  // ---- Building the interface --------------------------------------------

  function node(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text != null) element.textContent = text;
    return element;
  }

  var CHAT_ICON = "M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H9l-5 4v-4H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z";
  var CLOSE_ICON = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z";

  function icon(path, className) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    if (className) svg.setAttribute("class", className);
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var shape = document.createElementNS(ns, "path");
    shape.setAttribute("d", path);
    svg.appendChild(shape);
    return svg;
  }

  function mount() {
    if (mounted || destroyed) return;
    mounted = true;
    chooseLanguage();

    var host = (ui.host = document.createElement("crm-messenger"));
    var shadow = host.attachShadow({ mode: "open" });
    var link = node("link");
    link.rel = "stylesheet";
    link.href = stylesheetUrl();
    var root = (ui.root = node("div", "cm"));
    // Stays hidden until the stylesheet arrives, so the page never shows raw controls.
    root.hidden = true;
    link.addEventListener("load", function () { root.hidden = false; });
    link.addEventListener("error", function () {
      console.error("CrmMessenger: could not load " + link.href + "; the widget stays hidden.");
    });
    shadow.appendChild(link);
    shadow.appendChild(root);
    ui.shadow = shadow;

    var launcher = (ui.launcher = node("button", "cm-launcher"));
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "cm-panel");
    launcher.appendChild(icon(CHAT_ICON, "cm-icon-chat"));
    launcher.appendChild(icon(CLOSE_ICON, "cm-icon-close"));
    ui.badge = node("span", "cm-badge");
    ui.badge.hidden = true;
    launcher.appendChild(ui.badge);
    launcher.addEventListener("click", function () { (isOpen ? close : open)(); });

    var panel = (ui.panel = node("section", "cm-panel"));
    panel.id = "cm-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "cm-title");
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") close();
    });

    var head = node("header", "cm-head");
    ui.title = node("h2", "cm-title");
    ui.title.id = "cm-title";
    ui.closeButton = node("button", "cm-close");
    ui.closeButton.type = "button";
    ui.closeButton.appendChild(icon(CLOSE_ICON));
    ui.closeButton.addEventListener("click", close);
    head.appendChild(ui.title);
    head.appendChild(ui.closeButton);

    ui.status = node("p", "cm-status");
    ui.status.hidden = true;
    ui.notice = node("p", "cm-notice");
    ui.notice.hidden = true;
    ui.notice.setAttribute("role", "status");
    ui.log = node("ol", "cm-log");
    ui.log.tabIndex = 0;
    ui.form = node("form", "cm-form");
    ui.form.noValidate = true;
    ui.form.hidden = true;
    ui.form.addEventListener("submit", submitForm);

    var compose = (ui.compose = node("form", "cm-compose"));
    ui.inputLabel = node("label", "cm-sr");
    ui.inputLabel.htmlFor = "cm-input";
    ui.input = node("textarea", "cm-input");
    ui.input.id = "cm-input";
    ui.input.rows = 1;
    ui.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submitMessage(event);
      }
    });
    ui.input.addEventListener("input", fitInput);
    ui.sendButton = node("button", "cm-send");
    ui.sendButton.type = "submit";
    ui.error = node("p", "cm-error");
    ui.error.hidden = true;
    ui.error.setAttribute("role", "alert");
    compose.addEventListener("submit", submitMessage);
    compose.appendChild(ui.inputLabel);
    compose.appendChild(ui.input);
    compose.appendChild(ui.sendButton);
    compose.appendChild(ui.error);

    panel.appendChild(head);
    panel.appendChild(ui.status);
    panel.appendChild(ui.notice);
    panel.appendChild(ui.log);
    panel.appendChild(ui.form);
    panel.appendChild(compose);

    ui.live = node("div", "cm-sr");
    ui.live.setAttribute("aria-live", "polite");

    root.appendChild(panel);
    root.appendChild(launcher);
    root.appendChild(ui.live);
    // Appended to <html>, after <body>, so that transforms or re-renders of
    // the page's body cannot move or remove the widget.
    document.documentElement.appendChild(host);

    applySettings();
    renderLog();

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) return;
      if (isOpen) markRead();
      if (saved.s && !failures) schedulePoll(0);
    });
    window.addEventListener("online", function () {
      failures = 0;
      if (saved.s) schedulePoll(0);
      flush();
    });

    emit("ready");
    if (saved.s) bootstrap(true);
    else if (outbox.length) startSession();
    if (options.open === "" || options.open === "true" || saved.o) open(true);
  }

  function destroy(result) {
    // Unknown or inactive inbox, disabled messenger or a site that is not allowed.
    if (destroyed) return;
    destroyed = true;
    clearTimeout(pollTimer);
    clearTimeout(retryTimer);
    var tokenRejected = result.status === 404 && result.data.detail !== "Messenger disabled";
    var inUse = !!saved.s || outbox.length > 0;
    if (tokenRejected) {
      saved = {};
      outbox = [];
      persist();
    }
    if (tokenRejected && inUse && mounted) {
      // The token was regenerated or the inbox switched off while the visitor
      // was chatting, so show a notice instead of removing the widget.
      retired = true;
      formShown = false;
      ui.notice.hidden = false;
      ui.form.hidden = true;
      ui.compose.hidden = true;
      renderLog();
      announce(t("unavailable"));
      return;
    }
    if (tokenRejected) {
      console.warn("CrmMessenger: the widget token is unknown or its inbox is switched off; copy the current embed code from the inbox's settings.");
    }
    if (result.status === 403) {
      console.warn("CrmMessenger: this website is not in the inbox's allowed sites.");
    }
    if (ui.host && ui.host.parentNode) ui.host.parentNode.removeChild(ui.host);
  }

  function applySettings() {
    chooseLanguage();
    var settings = config || {};
    var color = COLOR_RE.test(settings.color || "") ? settings.color : "#1F6FEB";
    var css = ":host{--cm-accent:" + color + ";--cm-on-accent:" + readableOn(color) + "}";
    // A constructed stylesheet carries the inbox colour: no style attribute,
    // nothing that a strict style-src would block.
    if (ui.shadow.adoptedStyleSheets && window.CSSStyleSheet) {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        ui.shadow.adoptedStyleSheets = [sheet];
      } catch (error) {
        setColorProperties(color);
      }
    } else {
      setColorProperties(color);
    }

    ui.root.lang = lang;
    ui.title.textContent = settings.title || t("title");
    ui.panel.setAttribute("aria-label", settings.title || t("title"));
    ui.closeButton.setAttribute("aria-label", t("close"));
    ui.inputLabel.textContent = t("message");
    ui.input.placeholder = t("placeholder");
    ui.sendButton.textContent = t("send");
    ui.status.textContent = t("offline");
    ui.notice.textContent = t("unavailable");
    ui.log.setAttribute("aria-label", t("messages"));
    updateBadge();
    renderLog();
  }

  function setColorProperties(color) {
    ui.root.style.setProperty("--cm-accent", color);
    ui.root.style.setProperty("--cm-on-accent", readableOn(color));
  }

  function luminance(hex) {
    var value = hex.length === 4 ? hex.replace(/[0-9a-f]/gi, "$&$&").slice(1) : hex.slice(1);
    var channels = [0, 2, 4].map(function (start) {
      var c = parseInt(value.substr(start, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  function readableOn(color) {
    // WCAG contrast ratio of the colour against white and against near-black text.
    var l = luminance(color);
    var onWhite = 1.05 / (l + 0.05);
    var onDark = (l + 0.05) / (luminance("#111111") + 0.05);
    return onWhite >= onDark ? "#ffffff" : "#111111";
  }

  // ---- Rendering ----------------------------------------------------------

  function senderName(message) {
    if (message.sender === "visitor") return t("you");
    return message.author_name || t("operator");
  }

  var timeFormat = null;
  function formatTime(value) {
    var date = new Date(value);
    if (isNaN(date)) return "";
    if (!timeFormat || timeFormat.lang !== lang) {
      // The visitor's own locale when it is in the widget's language, so an
      // en-GB visitor gets 24-hour times and an en-US one gets AM/PM.
      var locale = pickLanguage(navigator.language) === lang ? navigator.language : lang;
      timeFormat = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" });
      timeFormat.lang = lang;
    }
    return timeFormat.format(date);
  }

  function renderLog(scrollDown) {
    if (!mounted) return;
    var log = ui.log;
    var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.textContent = "";

    if (config && config.greeting) {
      var greeting = node("li", "cm-group cm-from-operator cm-greeting");
      greeting.appendChild(node("p", "cm-bubble", config.greeting));
      log.appendChild(greeting);
    }

    var rows = messages.map(function (message) {
      return { message: message, key: message.sender + "\n" + (message.author_name || "") };
    });
    outbox.forEach(function (item) {
      rows.push({ item: item, key: "visitor\n" });
    });

    var group = null;
    var previousKey = null;
    rows.forEach(function (row) {
      var sender = row.message ? row.message.sender : "visitor";
      if (row.key !== previousKey) {
        group = node("li", "cm-group cm-from-" + (sender === "visitor" || sender === "system" ? sender : "operator"));
        if (sender !== "system") {
          group.appendChild(node("p", "cm-who", row.message ? senderName(row.message) : t("you")));
        }
        log.appendChild(group);
        previousKey = row.key;
      }
      group.appendChild(row.message ? renderMessage(row.message) : renderPending(row.item));
    });

    if (scrollDown || atBottom) log.scrollTop = log.scrollHeight;
  }

  function renderMessage(message) {
    var bubble = node("div", "cm-bubble");
    bubble.setAttribute("data-id", message.id);
    bubble.appendChild(node("p", "cm-text", message.body));
    var time = node("time", "cm-time", formatTime(message.created_at));
    time.dateTime = message.created_at || "";
    bubble.appendChild(time);
    return bubble;
  }

  function renderPending(item) {
    var bubble = node("div", "cm-bubble cm-" + item.state);
    bubble.appendChild(node("p", "cm-text", item.body));
    var meta = node("p", "cm-time", t(item.state === "failed" ? "failed" : "sending"));
    if (item.state === "failed") {
      var retry = node("button", "cm-retry", t("retry"));
      retry.type = "button";
      retry.addEventListener("click", function () {
        failures = 0;
        if (saved.s) flush();
        else startSession();
      });
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(retry);
    }
    bubble.appendChild(meta);
    return bubble;
  }

  function announce(text) {
    var line = node("p", null, text);
    ui.live.appendChild(line);
    while (ui.live.childNodes.length > 3) ui.live.removeChild(ui.live.firstChild);
  }

  function updateBadge() {
    var unread = 0;
    if (!isOpen) {
      messages.forEach(function (message) {
        if (message.sender !== "visitor" && message.id > (saved.r || 0)) unread += 1;
      });
    }
    ui.badge.hidden = unread === 0;
    ui.badge.textContent = unread > 99 ? "99+" : String(unread);
    var label = t(isOpen ? "close" : "open");
    if (unread) label += ", " + t("unread", { n: unread });
    ui.launcher.setAttribute("aria-label", label);
  }

  function setOffline(offline) {
    if (mounted) ui.status.hidden = !offline;
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  function fitInput() {
    var lines = ui.input.value.split("\n").length;
    ui.input.rows = Math.min(Math.max(lines, 1), 5);
  }

  // ---- Pre-chat form -------------------------------------------------------

  function showForm(optionalOnly, errors) {
    if (!mounted) return;
    var form = ui.form;
    var fields = (config && config.fields) || {};
    form.textContent = "";
    visibleFields().forEach(function (field) {
      var id = "cm-field-" + field;
      var wrapper = node("div", "cm-field");
      var label = node("label", null, t(field));
      label.htmlFor = id;
      if (fields[field] !== "required") label.appendChild(node("span", "cm-optional", " (" + t("optional") + ")"));
      var input = node("input");
      input.id = id;
      input.name = field;
      input.type = INPUT_TYPES[field];
      input.autocomplete = field === "phone" ? "tel" : field;
      input.maxLength = MAX_LENGTHS[field];
      input.value = identified[field] || "";
      if (fields[field] === "required") input.required = true;
      input.setAttribute("aria-describedby", id + "-error");
      // Errors appear on submit and update while typing. Checking on blur would
      // move the submit button away from a pointer that is pressing it.
      input.addEventListener("input", function () {
        if (input.hasAttribute("aria-invalid")) validateField(input);
      });
      var message = node("p", "cm-field-error");
      message.id = id + "-error";
      message.hidden = true;
      wrapper.appendChild(label);
      wrapper.appendChild(input);
      wrapper.appendChild(message);
      form.appendChild(wrapper);
    });
    var submit = node("button", "cm-start", t("start"));
    submit.type = "submit";
    form.appendChild(submit);
    form.optionalOnly = !!optionalOnly;
    formShown = true;
    setFormVisible(true);

    Object.keys(errors || {}).forEach(function (field) {
      var input = form.elements[field];
      if (input) setFieldError(input, fieldMessage(errors[field]));
    });
    if (isOpen) focusFirst();
  }

  function setFormVisible(visible) {
    ui.form.hidden = !visible;
    ui.compose.hidden = visible;
    ui.log.hidden = visible && !(config && config.greeting);
  }

  function setFieldError(input, text) {
    var message = ui.shadow.getElementById(input.id + "-error");
    message.textContent = text || "";
    message.hidden = !text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function validateField(input) {
    var value = input.value.trim();
    var text = "";
    if (!value && input.required) text = t("required");
    else if (value && input.name === "email" && !EMAIL_RE.test(value)) text = t("badEmail");
    else if (value && input.name === "phone" && !PHONE_RE.test(value)) text = t("badPhone");
    setFieldError(input, text);
    return !text;
  }

  function submitForm(event) {
    event.preventDefault();
    var form = ui.form;
    var inputs = Array.prototype.slice.call(form.querySelectorAll("input"));
    var invalid = inputs.filter(function (input) { return !validateField(input); });
    if (invalid.length) {
      invalid[0].focus();
      return;
    }

    var filledIn = false;
    inputs.forEach(function (input) {
      identified[input.name] = input.value.trim();
      if (identified[input.name]) filledIn = true;
    });
    saved.k = identified;
    saved.d = 1;
    rejected = {};
    formShown = false;
    setFormVisible(false);
    persist();

    // The session made before the form only carries contact details that
    // were known then, so details typed now need a session of their own.
    if (saved.s && form.optionalOnly && filledIn) {
      saved.s = null;
      resetConversation();
    }
    if (saved.s) flush();
    else bootstrap(false);
    if (isOpen) ui.input.focus();
  }

  function submitMessage(event) {
    event.preventDefault();
    showError("");
    var body = ui.input.value;
    if (!body.trim()) return;
    ui.input.value = "";
    fitInput();
    send(body);
  }

  function focusFirst() {
    var target = formShown ? ui.form.querySelector("[aria-invalid]") || ui.form.querySelector("input,button") : ui.input;
    if (target) target.focus();
  }

  function markRead() {
    saved.r = lastId();
    persist();
    updateBadge();
  }

  // ---- Public API ----------------------------------------------------------

  function open(quiet) {
    if (destroyed && !retired) return;
    if (!mounted) {
      options.open = "true";
      return;
    }
    var wasOpen = isOpen;
    isOpen = true;
    saved.o = 1;
    ui.panel.hidden = false;
    ui.root.classList.add("cm-is-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    markRead();
    offerForm();
    if (quiet !== true) focusFirst();
    renderLog(true);
    if (!wasOpen) emit("opened");
  }

  function close() {
    if (!mounted || !isOpen) return;
    var hadFocus = ui.shadow.activeElement && ui.panel.contains(ui.shadow.activeElement);
    isOpen = false;
    saved.o = 0;
    persist();
    ui.panel.hidden = true;
    ui.root.classList.remove("cm-is-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    updateBadge();
    if (hadFocus) ui.launcher.focus();
    emit("closed");
  }

  function identify(contact) {
    FIELDS.forEach(function (field) {
      if (contact && typeof contact[field] === "string") identified[field] = contact[field].trim().slice(0, 254);
    });
    saved.k = identified;
    persist();
    if (formShown) showForm(ui.form.optionalOnly);
  }

  window.CrmMessenger = {
    version: "1",
    open: function () { open(); },
    close: close,
    toggle: function () { (isOpen ? close : open)(); },
    identify: identify,
    setRegion: function (value) {
      region = String(value || "").slice(0, 100);
      saved.g = region;
      persist();
    },
    on: function (name, fn) {
      (listeners[name] = listeners[name] || []).push(fn);
      if (name === "ready" && mounted && !destroyed) fn();
    },
    off: function (name, fn) {
      listeners[name] = (listeners[name] || []).filter(function (other) { return other !== fn; });
    }
  };

  chooseLanguage();
  if (!saved.s) loadConfig();

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
