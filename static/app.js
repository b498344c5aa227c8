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
})();
