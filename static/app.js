/* Open Workshop: the little JavaScript the pages need, and nothing that they cannot do without.
 *
 * Loaded with `defer` from a static file (never inline) so it runs under a strict CSP
 * (`script-src 'self'`): no eval, no inline handlers, no injected <script> or <style>.
 * All user-facing text comes from the page itself (data-* attributes rendered through the
 * gettext catalogs), so this file holds no English.
 *
 * What it does: (a) copy buttons, (b) the phone's offline-safe post form, (c) tidying after each
 * live update, (d) the agenda's countdowns, ticking from the server's time.
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
          // The server refused this note for good (too long, event closed, posting closed in this
          // phase, ...): keep the text in the box so the person can post it later, and stop retrying.
          dropFromOutbox(item.client_id);
          var box = postForm.elements.namedItem("text");
          if (box && !box.value) { box.value = item.text; }
          response.json().then(function (body) {
            say(body && body.error === "not_in_this_phase" ? "data-closed" : "data-refused");
          }, function () {
            say("data-refused");
          });
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

  /* (d) The agenda's countdowns. A timer looks like
   *   <span class="phase__timer" role="timer" aria-live="off" data-ends-at="2026-05-01T10:42:15.393Z"
   *         data-server-now="2026-05-01T10:32:15.404Z" data-remaining="599.989" data-paused="false"
   *         data-left="{time} left" data-over="+{time} over" data-time-up="Time is up: Idea round.">10:00 left</span>
   * When a timer appears (page load, or swapped in by a live update) it notes how far this device's
   * clock is from the server's (data-server-now minus now), and from then on counts down to
   * data-ends-at in server time: every screen shows the same time whatever its own clock says.
   * The text changes once a second and is never read out as it ticks; when a running phase reaches
   * zero, data-time-up is said once through #announcer. Paused timers keep the server's text. */
  var formatCountdown = function (template, seconds) {
    var whole = Math.abs(seconds);
    var secs = whole % 60;
    var text = Math.floor(whole / 60) + ":" + (secs < 10 ? "0" : "") + secs;
    return (template || "{time}").replace("{time}", text);
  };
  var shownSeconds = function (seconds) {
    // Whole seconds, rounded up as the server rounds them (workshop.web.templating.clock_seconds).
    return Math.ceil(Math.round(seconds * 1000) / 1000);
  };
  var noteTimer = function (timer) {
    if (!timer.workshopClock) {
      var serverNow = Date.parse(timer.getAttribute("data-server-now") || "");
      timer.workshopClock = {
        offset: isNaN(serverNow) ? 0 : serverNow - Date.now(),
        endsAt: Date.parse(timer.getAttribute("data-ends-at") || ""),
        shown: shownSeconds(Number(timer.getAttribute("data-remaining")) || 0)
      };
    }
    return timer.workshopClock;
  };
  var tickTimers = function () {
    var timers = document.querySelectorAll(".phase__timer[data-server-now]");
    var news = [];
    for (var i = 0; i < timers.length; i += 1) {
      var timer = timers[i];
      var clock = noteTimer(timer);
      if (timer.getAttribute("data-paused") === "true" || isNaN(clock.endsAt)) {
        continue;
      }
      var shown = shownSeconds((clock.endsAt - (Date.now() + clock.offset)) / 1000);
      if (shown === clock.shown) {
        continue;
      }
      var over = shown <= 0;
      timer.textContent = formatCountdown(timer.getAttribute(over ? "data-over" : "data-left"), shown);
      timer.classList.toggle("phase__timer--over", over);
      var banner = timer.closest(".phase");
      if (banner) {
        banner.classList.toggle("phase--over", over);
      }
      if (over && clock.shown > 0 && timer.getAttribute("data-time-up")) {
        news.push(timer.getAttribute("data-time-up"));
      }
      clock.shown = shown;
    }
    if (news.length) {
      announce(news.join(" "));
    }
  };
  if (document.querySelector(".phase__timer, [ws-connect]")) {
    // A quarter of a second: each second's change shows within 250 ms of when it happens.
    window.setInterval(tickTimers, 250);
  }

  /* Live updates replace whole banners and panels. Keep the keyboard where it was (the console's
   * and dashboard's buttons keep their ids across renders), and mark a banner whose phase changed,
   * so app.css can draw the eye to it (only when the person has not asked for reduced motion). */
  var focusedId = null;
  var phasesBefore = {};
  document.addEventListener("htmx:wsBeforeMessage", function () {
    var active = document.activeElement;
    focusedId = active && active !== document.body && active.id ? active.id : null;
    phasesBefore = {};
    document.querySelectorAll(".phase[id]").forEach(function (banner) {
      phasesBefore[banner.id] = banner.getAttribute("data-phase") || "";
    });
  });
  var afterSwaps = function () {
    if (focusedId) {
      var again = document.getElementById(focusedId);
      if (again && again !== document.activeElement) {
        again.focus();
      }
      focusedId = null;
    }
    document.querySelectorAll(".phase[id]").forEach(function (banner) {
      var before = phasesBefore[banner.id];
      if (before !== undefined && before !== (banner.getAttribute("data-phase") || "")) {
        banner.classList.add("phase--changed");
        window.setTimeout(function () { banner.classList.remove("phase--changed"); }, 2000);
      }
    });
    phasesBefore = {};
  };

  /* (c) After each live update: show the edit link on this phone's own notes (live fragments are
   * rendered once for everyone, so they arrive with it hidden), and in the shared board's mixed
   * layout order notes newest first across sites; start the countdowns that just arrived. */
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
    tickTimers(); // note each new timer's offset from the server now, as it arrives
  };
  document.addEventListener("htmx:wsAfterMessage", function () {
    afterSwaps();
    afterLiveUpdate();
  });
  afterLiveUpdate();
})();
