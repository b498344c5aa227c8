/* Open Workshop: the little JavaScript the pages need, and nothing that they cannot do without.
 *
 * Loaded with `defer` from a static file (never inline) so it runs under a strict CSP
 * (`script-src 'self'`): no eval, no inline handlers, no injected <script> or <style>.
 * All user-facing text comes from the page itself (data-* attributes rendered through the
 * gettext catalogs), so this file holds no English.
 */
(function () {
  "use strict";

  /** Say `text` to screen-reader users through the page's polite live region (#announcer). */
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) {
      return;
    }
    // Clear first so the same sentence twice in a row ("Copied") is read out again.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  /** Copy with the async Clipboard API, or a hidden textarea where it is unavailable (plain http). */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (error) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  /* (a) Copy-to-clipboard buttons:
   *   <code id="join-link">https://...</code>
   *   <button type="button" class="button" data-copy="join-link" data-copied-label="{{ _('Copied') }}">
   *     {{ _("Copy link") }}</button>
   * The button copies the text of the element with that id and announces its data-copied-label.
   * Delegated from the document, so buttons swapped in later by htmx work too. */
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var button = target ? target.closest("[data-copy]") : null;
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy") || "");
    if (!source) {
      return;
    }
    event.preventDefault();
    var isField = source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement;
    var text = (isField ? source.value : source.textContent) || "";
    copyText(text.trim()).then(
      function () {
        button.setAttribute("data-copied", "true");
        announce(button.getAttribute("data-copied-label"));
      },
      function () {
        // Copying was refused: select the text so the person can copy it themselves.
        var selection = window.getSelection();
        if (selection) {
          var range = document.createRange();
          range.selectNodeContents(source);
          selection.removeAllRanges();
          selection.addRange(range);
        }
      }
    );
  });

  /* (b) The phone's post form, offline-safe. Each note gets a client_id before it is sent and
   * waits in localStorage until the server has it: a phone that loses its connection mid-post
   * sends it again when it is back, and the server answers a repeated client_id with the first
   * note, so nothing is lost and nothing is posted twice. The note itself appears through the
   * live socket, like everyone else's. Without JavaScript the form posts normally. */
  var postForm = document.getElementById("post-form");
  if (postForm && window.fetch && window.localStorage && window.JSON) {
    var api = postForm.getAttribute("data-api");
    var outboxKey = "workshop-outbox:" + api;
    var statusLine = document.getElementById("post-status");
    var sending = false;
    var retryTimer = null;

    var loadOutbox = function () {
      try {
        return JSON.parse(window.localStorage.getItem(outboxKey) || "[]");
      } catch (error) {
        return [];
      }
    };
    var saveOutbox = function (items) {
      window.localStorage.setItem(outboxKey, JSON.stringify(items));
    };
    var dropFromOutbox = function (clientId) {
      saveOutbox(loadOutbox().filter(function (item) { return item.client_id !== clientId; }));
    };
    var newClientId = function () {
      if (window.crypto && window.crypto.randomUUID) {
        return window.crypto.randomUUID();
      }
      return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
    };
    var say = function (attribute) {
      var text = postForm.getAttribute(attribute) || "";
      if (statusLine) {
        statusLine.textContent = text;
      }
    };
    var retryLater = function () {
      if (retryTimer === null) {
        retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, 3000);
      }
    };
    var flush = function () {
      var items = loadOutbox();
      if (sending || !items.length) {
        return;
      }
      sending = true;
      var item = items[0];
      window.fetch(api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(item)
      }).then(function (response) {
        sending = false;
        if (response.ok) {
          dropFromOutbox(item.client_id);
          say(loadOutbox().length ? "data-sending" : "data-sent");
          flush();
        } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          // The server refused this note for good (too long, event closed, ...): keep the text
          // in the box so the person can fix it, and stop retrying it.
          dropFromOutbox(item.client_id);
          var box = postForm.elements.namedItem("text");
          if (box && !box.value) { box.value = item.text; }
          say("data-refused");
        } else {
          say("data-queued");
          retryLater();
        }
      }, function () {
        sending = false;
        say("data-queued");
        retryLater();
      });
    };

    postForm.addEventListener("submit", function (event) {
      var text = postForm.elements.namedItem("text");
      var clientId = postForm.elements.namedItem("client_id");
      if (!text || !clientId || !text.value.trim()) {
        return; // let the browser's own validation speak
      }
      event.preventDefault();
      var kind = postForm.querySelector("input[name=kind]:checked");
      var items = loadOutbox();
      items.push({ text: text.value, kind: kind ? kind.value : "idea", client_id: clientId.value });
      saveOutbox(items);
      text.value = "";
      clientId.value = newClientId();
      say("data-sending");
      text.focus();
      flush();
    });
    window.addEventListener("online", flush);
    flush(); // whatever an earlier visit left unsent
  }

  /* (c) After each live update: show the edit link on this phone's own notes (live fragments are
   * rendered once for everyone, so they arrive with it hidden), and in the shared board's mixed
   * layout order notes newest first across sites. */
  var afterLiveUpdate = function () {
    var me = document.body.getAttribute("data-participant");
    if (me) {
      document.querySelectorAll(".note[data-author] .note__actions[hidden]").forEach(function (actions) {
        if (actions.parentElement && actions.parentElement.getAttribute("data-author") === me) {
          actions.hidden = false;
        }
      });
    }
    if (document.body.classList.contains("board--mixed")) {
      document.querySelectorAll(".note[data-seq]").forEach(function (note) {
        note.style.order = String(-Number(note.getAttribute("data-seq")));
      });
    }
  };
  document.addEventListener("htmx:wsAfterMessage", afterLiveUpdate);
  afterLiveUpdate();
})();
