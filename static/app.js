/* Open Workshop: the little JavaScript the pages need, and nothing that they cannot do without.
 *
 * Loaded with `defer` from a static file (never inline) so it runs under a strict CSP
 * (`script-src 'self'`): no eval, no inline handlers, no injected <script> or <style>.
 * All user-facing text comes from the page itself (data-* attributes rendered through the
 * gettext catalogs), so this file holds no English.
 *
 * What it does: (a) copy buttons, (b) the phone's offline-safe post form, (c) tidying after each
 * live update, (d) the agenda's countdowns, ticking from the server's time.
 *
 * Every change it sends carries the CSRF token (workshopCsrf, first below).
 */

/* CSRF (workshop/web/csrf.py), shared by the parts below: the page's token, sent with every change. */
var workshopCsrf = (function () {
  "use strict";

  /** This page's token, from <meta name="csrf-token">. */
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  // Forms that arrived over the live socket were rendered once for every screen, so they carry no
  // one's token: add this page's before a POST form is sent (and refresh a stale one).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.getAttribute("method") || "").toLowerCase() !== "post" || !token()) {
      return;
    }
    var field = form.querySelector('input[name="csrftoken"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "csrftoken";
      form.insertBefore(field, form.firstChild);
    }
    field.value = token();
  }, true);

  return {
    /** Fetch this page again for a fresh token (and cookie) after a refusal, without losing what is on it. */
    renew: function () {
      return window.fetch(window.location.href, { credentials: "same-origin" }).then(function (response) {
        return response.text();
      }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector('meta[name="csrf-token"]');
        var meta = document.querySelector('meta[name="csrf-token"]');
        if (!meta) { // a page served before the server had tokens
          meta = document.createElement("meta");
          meta.setAttribute("name", "csrf-token");
          document.head.appendChild(meta);
        }
        meta.setAttribute("content", fresh ? fresh.getAttribute("content") || "" : "");
      }, function () {});
    },
    /** `fetch` for a change (POST, PUT, DELETE): same-origin cookies, and the token they need. */
    send: function (url, options) {
      options.credentials = "same-origin";
      options.headers = options.headers || {};
      options.headers["X-CSRFToken"] = token();
      return window.fetch(url, options);
    }
  };
}());

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
    // Again in 3 s, or when a 429's Retry-After says (whole seconds), whichever is later.
    var retryLater = function (seconds) {
      if (retryTimer === null) {
        var wait = Math.max(3000, (parseInt(seconds, 10) || 0) * 1000);
        retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, wait);
      }
    };
    var flush = function () {
      var items = loadOutbox();
      if (sending || !items.length) {
        return;
      }
      sending = true;
      var item = items[0];
      workshopCsrf.send(api, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(item)
      }).then(function (response) {
        sending = false;
        if (response.ok) {
          dropFromOutbox(item.client_id);
          say(loadOutbox().length ? "data-sending" : "data-sent");
          flush();
        } else if (response.status === 429) {
          // Posting too fast: the note stays in the outbox and goes when the server says it may.
          say("data-slow");
          retryLater(response.headers.get("Retry-After"));
        } else if (response.status >= 400 && response.status < 500 && response.status !== 408) {
          response.json().then(function (body) { return body || {}; }, function () { return {}; }).then(function (body) {
            if (body.error === "csrf_failed") {
              // This page's token is stale (the server restarted with a new key, the cookie expired):
              // the note stays in the outbox and goes once the page has a fresh token.
              say("data-queued");
              workshopCsrf.renew().then(function () { retryLater(); });
              return;
            }
            // The server refused this note for good (too long, event closed, posting closed in this
            // phase, ...): keep the text in the box so the person can post it later, and stop retrying.
            dropFromOutbox(item.client_id);
            var box = postForm.elements.namedItem("text");
            if (box && !box.value) { box.value = item.text; }
            // A phase that allows no posting, or a board its facilitator locked: say which.
            say({ not_in_this_phase: "data-closed", site_locked: "data-locked" }[body.error] || "data-refused");
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

/* Ideas travelling (templates/partials/exchange.html): the phone's "Build on this" forms and the delete
 * button under this phone's own build-ons. A build-on is sent with fetch, so the page stays where it
 * is; the build-on itself arrives over the live socket, like everyone else's. Without JavaScript the
 * forms post and come back to the note. All text comes from the forms' data-* attributes. */
(function () {
  "use strict";

  var newClientId = function () {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  };

  var say = function (form, attribute) {
    var line = form.querySelector(".form__status");
    if (line) {
      line.textContent = form.getAttribute(attribute) || "";
    }
  };

  var refused = function (form, response) {
    response.json().then(function (body) {
      say(form, body && body.error === "not_in_this_phase" ? "data-closed" : "data-refused");
    }, function () {
      say(form, "data-refused");
    });
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("form--build") || !window.fetch || !window.JSON) {
      return;
    }
    var box = form.elements.namedItem("text");
    if (!box || !box.value.trim()) {
      return; // let the browser's own validation speak
    }
    event.preventDefault();
    // One id per build-on, kept while it is retried: a resend after a lost answer adds nothing twice.
    if (!form.workshopClientId) {
      form.workshopClientId = newClientId();
    }
    var text = box.value;
    workshopCsrf.send(form.getAttribute("data-api"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ text: text, client_id: form.workshopClientId })
    }).then(function (response) {
      if (response.ok) {
        form.workshopClientId = null;
        if (box.value === text) {
          box.value = "";
        }
        say(form, "data-sent");
      } else if (response.status === 429) {
        say(form, "data-slow"); // the text stays in the box, and the same client_id with it
      } else if (response.status >= 400 && response.status < 500 && response.status !== 408) {
        form.workshopClientId = null; // refused for good: the text stays in the box to change or keep
        refused(form, response);
      } else {
        say(form, "data-failed");
      }
    }, function () {
      say(form, "data-failed");
    });
  });

  /* The delete button under a build-on: live fragments are rendered once for everyone, so they
   * arrive with it hidden; show it under this phone's own. */
  var showOwnBuildOns = function () {
    var me = document.body.getAttribute("data-participant");
    if (!me) {
      return;
    }
    document.querySelectorAll(".thread__item[data-author] .thread__delete[hidden]").forEach(function (remove) {
      var item = remove.closest(".thread__item");
      if (item && item.getAttribute("data-author") === me) {
        remove.hidden = false;
      }
    });
  };
  document.addEventListener("htmx:wsAfterMessage", showOwnBuildOns);
  showOwnBuildOns();
})();

/* Dot voting (templates/partials/votes.html): the phone's Vote and Take-back buttons, sent to the API
 * with fetch so the page stays where it is. The note's total arrives over the live socket, like every
 * board's. Live fragments are rendered once for every phone, so this phone's own count ("2 of 3 votes
 * left") and which notes have its votes are kept here: seeded from the page (data-yours), updated from
 * each answer, and asked for again (my-votes) when the vote panel arrives marked data-refresh (a new
 * phase, new settings, a reconnect). Every sentence comes from the page's data-* attributes. Without
 * JavaScript the forms post and come back to the note. */
(function () {
  "use strict";

  var mine = {}; // note id -> this phone's votes on it in the current phase

  var panel = function () {
    return document.getElementById("vote-status");
  };

  var showLeft = function (left) {
    var status = panel();
    var line = document.getElementById("vote-left");
    var texts = [];
    try {
      texts = JSON.parse((status && status.getAttribute("data-left-texts")) || "[]");
    } catch (error) {
      texts = [];
    }
    if (line && texts.length) {
      line.textContent = texts[Math.max(0, Math.min(left, texts.length - 1))];
    }
  };

  /* Vote buttons show only while voting is open; a take-back only on the notes with this phone's votes. */
  var sync = function () {
    var status = panel();
    var open = Boolean(status) && status.getAttribute("data-open") === "true";
    document.querySelectorAll(".note__vote").forEach(function (box) {
      box.hidden = !open;
      var back = box.querySelector(".vote-form--back");
      if (back) {
        back.hidden = !(mine[box.getAttribute("data-note")] > 0);
      }
    });
  };

  /* A refusal, in the page's language, by the API's error code (none: clear it); `wait` fills the
   * {wait} of "voting very fast" (a 429). */
  var tell = function (code, wait) {
    var message = document.getElementById("vote-message");
    if (!message) {
      return;
    }
    var text = code ? message.getAttribute("data-refused-" + code) || message.getAttribute("data-refused-refused") || "" : "";
    message.textContent = text.replace("{wait}", wait || "");
    message.hidden = !code;
  };

  /* A 429's Retry-After is honoured as the outbox honours it for notes: no vote is sent until then
   * (a press meanwhile says how long is left), and the sentence goes once the wait is over. */
  var resumeAt = 0;
  var resumeTimer = null;
  var waitWords = function (seconds) {
    var minutes = seconds >= 60;
    var amount = minutes ? Math.ceil(seconds / 60) : seconds;
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, {
        style: "unit", unit: minutes ? "minute" : "second", unitDisplay: "long"
      }).format(amount);
    } catch (error) {
      return amount + (minutes ? " min" : " s");
    }
  };
  var tooFast = function () {
    tell("too_many_requests", waitWords(Math.max(1, Math.ceil((resumeAt - Date.now()) / 1000))));
  };
  var slowDown = function (retryAfter) {
    resumeAt = Date.now() + Math.max(1, parseInt(retryAfter, 10) || 1) * 1000;
    tooFast();
    window.clearTimeout(resumeTimer);
    resumeTimer = window.setTimeout(function () { tell(null); }, resumeAt - Date.now());
  };

  var refresh = function () {
    var status = panel();
    if (!status || !window.fetch) {
      return;
    }
    status.removeAttribute("data-refresh");
    window.fetch(status.getAttribute("data-mine-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (ballot) {
        var current = panel();
        if (!ballot || !current) {
          return;
        }
        mine = ballot.notes || {};
        current.setAttribute("data-open", ballot.open ? "true" : "false");
        current.hidden = !ballot.open;
        showLeft(ballot.votes_left);
        sync();
      }, function () {});
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("vote-form") || !window.fetch || !window.JSON) {
      return;
    }
    event.preventDefault();
    if (Date.now() < resumeAt) {
      tooFast();
      return;
    }
    var box = form.closest(".note__vote");
    var noteId = box ? box.getAttribute("data-note") : "";
    var method = form.getAttribute("data-method") || "POST";
    var options = { method: method, headers: { "Accept": "application/json" } };
    if (method === "POST") {
      options.headers["Content-Type"] = "application/json";
      options.body = "{}";
    }
    workshopCsrf.send(form.getAttribute("data-api"), options).then(function (response) {
      return response.json().then(function (body) {
        return { ok: response.ok, body: body || {}, retryAfter: response.status === 429 ? response.headers.get("Retry-After") : null };
      }, function () {
        return { ok: false, body: {} };
      });
    }).then(function (answer) {
      if (answer.retryAfter !== null && answer.retryAfter !== undefined) {
        slowDown(answer.retryAfter);
        return;
      }
      if (!answer.ok) {
        tell(answer.body.error || "refused");
        if (answer.body.error === "not_in_this_phase") {
          refresh(); // the phase moved on: put the buttons right
        }
        return;
      }
      tell(null);
      mine[noteId] = answer.body.yours;
      showLeft(answer.body.votes_left);
      var focused = document.activeElement;
      sync();
      // The last vote taken back hides its button: keep the keyboard on this note's Vote button.
      if (box && focused && form.hidden && form.contains(focused)) {
        var vote = box.querySelector(".button--vote");
        if (vote) {
          vote.focus();
        }
      }
    }, function () {
      tell("offline");
    });
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    var status = panel();
    if (status && status.getAttribute("data-refresh")) {
      refresh();
    }
    sync(); // cards that just arrived, or were redrawn, carry no one's votes
  });

  document.querySelectorAll(".note__vote[data-yours]").forEach(function (box) {
    mine[box.getAttribute("data-note")] = Number(box.getAttribute("data-yours")) || 0;
  });
  if (panel()) {
    sync();
  }
})();

/* Themes (templates/partials/themes.html): on a board opened with the right to arrange it (its
 * live wrapper carries data-arrange, the placement form's action with {note} for the note's id),
 * notes are dragged into a theme's box (data-drop-theme="<id>") or back among the notes without one
 * (data-drop-theme=""). A drop posts the same form the console's "Theme" select posts, so the same
 * rules and messages apply; the note then moves on every screen through the live socket. Keyboard
 * and touch: the console's select stays the way (the board's hint links to it). */
(function () {
  "use strict";

  var board = document.querySelector("[data-arrange]");
  if (!board || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var DRAGGABLE = "[data-drop-theme] .note[id^='note-'], [data-drop-theme] .theme-item[data-note]";
  var dragged = null; // the note being dragged: {id, from}
  var over = null; // the drop target under it

  var say = function (text) {
    var line = document.getElementById("arrange-status");
    if (line) {
      line.textContent = text || "";
    }
  };

  var markDraggable = function () {
    board.querySelectorAll(DRAGGABLE).forEach(function (item) {
      item.setAttribute("draggable", "true");
    });
  };

  var highlight = function (target) {
    if (over) {
      over.classList.remove("is-drop-target");
    }
    over = target;
    if (over) {
      over.classList.add("is-drop-target");
    }
  };

  /* The server's refusal, in the page's language: the message of the page it answered with. */
  var refusal = function (response) {
    return response.text().then(function (text) {
      var page = new DOMParser().parseFromString(text, "text/html");
      var said = page.querySelector("[role='alert'], .error-page__message");
      return said ? said.textContent.trim() : board.getAttribute("data-refused");
    }, function () {
      return board.getAttribute("data-refused");
    });
  };

  var place = function (noteId, themeId) {
    say("");
    workshopCsrf.send(board.getAttribute("data-arrange").replace("{note}", encodeURIComponent(noteId)), {
      method: "POST",
      body: new URLSearchParams({ theme_id: themeId }),
      redirect: "manual" // the form's answer is a redirect back to a page: nothing to follow
    }).then(function (response) {
      if (response.type !== "opaqueredirect" && !response.ok) {
        refusal(response).then(say);
      }
    }, function () {
      say(board.getAttribute("data-failed"));
    });
  };

  board.addEventListener("dragstart", function (event) {
    var item = event.target instanceof Element ? event.target.closest(DRAGGABLE) : null;
    if (!item) {
      return;
    }
    var zone = item.closest("[data-drop-theme]");
    dragged = { id: item.getAttribute("data-note") || item.id.slice("note-".length), from: zone.getAttribute("data-drop-theme") };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.id);
    item.classList.add("is-dragged");
  });

  board.addEventListener("dragover", function (event) {
    var target = dragged && event.target instanceof Element ? event.target.closest("[data-drop-theme]") : null;
    if (target) {
      event.preventDefault(); // this is a place to drop
      event.dataTransfer.dropEffect = "move";
    }
    highlight(target);
  });

  board.addEventListener("drop", function (event) {
    var target = dragged && event.target instanceof Element ? event.target.closest("[data-drop-theme]") : null;
    if (!target) {
      return;
    }
    event.preventDefault();
    var themeId = target.getAttribute("data-drop-theme");
    if (themeId !== dragged.from) {
      place(dragged.id, themeId);
    }
  });

  board.addEventListener("dragend", function (event) {
    if (event.target instanceof Element) {
      event.target.classList.remove("is-dragged");
    }
    dragged = null;
    highlight(null);
  });

  document.addEventListener("htmx:wsAfterMessage", markDraggable);
  markDraggable();
})();
