/* Settings pages: copy buttons and confirmations. Loaded as a file, so it
 * works under a Content-Security-Policy without 'unsafe-inline'. */
(function () {
  "use strict";

  function fallbackCopy(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function showCopied(button) {
    var label = button.getAttribute("data-copied-label");
    if (!label) {
      return;
    }
    if (!button.hasAttribute("data-label")) {
      button.setAttribute("data-label", button.textContent);
    }
    button.textContent = label;
    button.classList.add("messenger-copied");
    window.setTimeout(function () {
      button.textContent = button.getAttribute("data-label");
      button.classList.remove("messenger-copied");
    }, 2000);
  }

  function copyFrom(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    var text = field.value !== undefined ? field.value : field.textContent;
    // The Clipboard API needs a secure context; plain-HTTP admin pages fall
    // back to selecting the text and the older copy command.
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { showCopied(button); },
        function () { if (fallbackCopy(field)) { showCopied(button); } }
      );
    } else if (fallbackCopy(field)) {
      showCopied(button);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
