/*
 * Operator panel: live updates and keyboard shortcuts.
 *
 * Configuration comes from data- attributes on [data-messenger-panel]. The
 * page works without this script; it only saves reloads. Every fragment it
 * inserts was rendered (and escaped) by the server's templates.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-messenger-panel]");
  if (!root) {
    return;
  }

  var kind = root.getAttribute("data-messenger-panel");
  var token = root.getAttribute("data-changes-token") || "";
  var interval = parseInt(root.getAttribute("data-poll-interval"), 10) || 4000;
  var updatesUrl = root.getAttribute("data-updates-url");
  var busy = false;
  var stopped = false;
  var timer = null;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function getJSON(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      if (response.redirected || response.status === 403 || response.status === 404) {
        // Logged out, lost access or messenger switched off: polling cannot recover.
        stopped = true;
      }
      if (!response.ok || response.redirected) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  }

  function withParam(url, name, value) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + name + "=" + encodeURIComponent(value);
  }

  function refreshList() {
    if (root.getAttribute("data-first-page") !== "1") {
      // Rows would shift under a later page, so offer the first page instead.
      var notice = root.querySelector("[data-messenger-stale]");
      if (notice) {
        notice.hidden = false;
      }
      return Promise.resolve();
    }
    return fetch(root.getAttribute("data-partial-url"), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    }).then(function (html) {
      var list = root.querySelector("[data-messenger-list]");
      var focusedId = null;
      var active = document.activeElement;
      if (active && list.contains(active)) {
        var row = active.closest("[data-conversation-id]");
        focusedId = row && row.getAttribute("data-conversation-id");
      }
      list.innerHTML = html;
      if (focusedId) {
        var link = list.querySelector('[data-conversation-id="' + focusedId + '"] a');
        if (link) {
          link.focus();
        }
      }
    });
  }

  function markRead(messageId) {
    if (document.visibilityState !== "visible" || String(messageId) === "0") {
      return;
    }
    var body = new FormData();
    body.append("message_id", messageId);
    fetch(root.getAttribute("data-read-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" },
      body: body
    }).catch(function () {});
  }

  function refreshConversation() {
    var after = root.getAttribute("data-last-message-id") || "0";
    return getJSON(withParam(root.getAttribute("data-live-url"), "after", after)).then(function (data) {
      var list = root.querySelector("[data-testid=messages]");
      if (data.messages_html.trim()) {
        var nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
        list.insertAdjacentHTML("beforeend", data.messages_html);
        root.setAttribute("data-last-message-id", String(data.last_message_id));
        if (nearBottom) {
          list.lastElementChild.scrollIntoView({ block: "end" });
        }
        markRead(data.last_message_id);
      }
      var card = root.querySelector("[data-messenger-card]");
      if (card && !card.contains(document.activeElement)) {
        // Replacing the card under a focused control would lose the operator's place.
        card.innerHTML = data.card_html;
      }
      if (data.more) {
        return refreshConversation();
      }
    });
  }

  function poll() {
    timer = null;
    if (busy || document.visibilityState === "hidden") {
      schedule();
      return;
    }
    busy = true;
    getJSON(withParam(updatesUrl, "since", token)).then(function (data) {
      if (!data.changed) {
        return;
      }
      var refresh = kind === "list" ? refreshList : refreshConversation;
      return refresh().then(function () {
        token = data.token;
      });
    }).catch(function () {
      // A failed poll is retried on the next tick.
    }).then(function () {
      busy = false;
      schedule();
    });
  }

  function schedule() {
    if (timer === null && !stopped) {
      timer = window.setTimeout(poll, interval);
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && kind === "conversation") {
      // Messages that arrived while the tab was hidden are read now.
      markRead(root.getAttribute("data-last-message-id") || "0");
    }
    if (document.visibilityState === "visible" && timer !== null) {
      window.clearTimeout(timer);
      timer = null;
      poll();
    }
  });

  var reply = root.querySelector("textarea[data-messenger-reply]");
  if (reply) {
    reply.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (reply.value.trim()) {
          reply.form.requestSubmit();
        }
      }
    });
    var thread = root.querySelector("[data-testid=messages]");
    if (thread && thread.lastElementChild) {
      thread.lastElementChild.scrollIntoView({ block: "end" });
    }
  }

  schedule();
})();
